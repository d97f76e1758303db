"""Files attached to leads, tasks and customers.

Files are stored content-addressed under FILES_DIR (`ab/cd/<sha256>`): the
stored name never comes from user input, and the same file attached twice is
stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import models
from django.db.models import Q

OWNERS = ("lead", "task", "customer")


class FileData(Protocol):
    """What a new attachment is made of (a parsed email part, an upload)."""

    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def data(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class NewFile:
    filename: str
    content_type: str
    data: bytes


class Attachment(models.Model):
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.CASCADE)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE
    )
    lead_email = models.ForeignKey(
        "leads.LeadEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="the email of the lead's conversation it came with",
    )
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=80, editable=False)
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        default_related_name = "attachments"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(lead__isnull=False, task__isnull=True, customer__isnull=True)
                    | Q(lead__isnull=True, task__isnull=False, customer__isnull=True)
                    | Q(lead__isnull=True, task__isnull=True, customer__isnull=False)
                ),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def path(self) -> Path:
        return stored_path(self.stored_name)


def stored_path(stored_name: str) -> Path:
    return Path(settings.FILES_DIR) / stored_name


def store_file(data: bytes) -> tuple[str, str]:
    """Write data content-addressed under FILES_DIR; return (stored_name, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    stored_name = f"{digest[:2]}/{digest[2:4]}/{digest}"
    path = stored_path(stored_name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves a half-written file under its final name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return stored_name, digest


def attach(
    owner: models.Model, file: FileData, *, lead_email: models.Model | None = None
) -> Attachment:
    """Store a file and attach it to a lead, task or customer."""
    stored_name, digest = store_file(file.data)
    key = owner._meta.model_name or ""
    if key not in OWNERS:
        raise ValueError(f"cannot attach files to a {key}")
    return Attachment.objects.create(
        **{key: owner},
        lead_email_id=lead_email.pk if lead_email is not None else None,
        original_name=file.filename[:255],
        stored_name=stored_name,
        content_type=file.content_type[:200],
        size=len(file.data),
        sha256=digest,
    )
