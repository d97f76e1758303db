"""The one way views find a record: through what the user may see, else 404.

A lead's sub-resources (its emails, their HTML and raw copies, attachments,
notes, tasks) are found through `Lead.objects.visible_to`, so a rep who may
not see a lead gets the same 404 for each of them as for the lead itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clearcrm.attachments.models import Attachment
from clearcrm.leads.models import Lead, LeadEmail
from clearcrm.tasks.models import Task

UserLike = AbstractBaseUser | AnonymousUser


def visible_leads(user: UserLike) -> QuerySet[Lead]:
    return Lead.objects.visible_to(user)


def lead_for(user: UserLike, pk: int, *related: str) -> Lead:
    return get_object_or_404(visible_leads(user).select_related(*related), pk=pk)


def email_for(user: UserLike, pk: int) -> LeadEmail:
    emails = LeadEmail.objects.filter(lead__in=visible_leads(user).values("pk"))
    return get_object_or_404(emails.select_related("lead"), pk=pk)


def task_for(user: UserLike, pk: int, *related: str) -> Task:
    return get_object_or_404(Task.objects.visible_to(user).select_related(*related), pk=pk)


def attachment_for(user: UserLike, pk: int) -> Attachment:
    """An attachment of a lead or task the user may see, or of any customer."""
    if not user.is_authenticated:
        raise Http404
    visible = (
        Q(lead__in=visible_leads(user).values("pk"))
        | Q(task__in=Task.objects.visible_to(user).values("pk"))
        | Q(customer__isnull=False)
    )
    return get_object_or_404(Attachment.objects.filter(visible), pk=pk)


def ids_from(values: list[str], limit: int = 500) -> list[int]:
    """Primary keys from a form's repeated field; junk is ignored, the count bounded."""
    return [int(v) for v in values[:limit] if v.isdigit()]


def only_visible(user: UserLike, ids: list[int], **filters: Any) -> QuerySet[Lead]:
    return visible_leads(user).filter(pk__in=ids, **filters)
