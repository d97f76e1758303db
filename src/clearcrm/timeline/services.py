"""The only writers of notes and of the activity log of leads and customers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from clearcrm.timeline.models import Activity, Note

if TYPE_CHECKING:
    from clearcrm.customers.models import Customer
    from clearcrm.leads.models import Lead

MAX_ACTIVITY_CHARS = 500


def _about(about: Lead | Customer) -> dict[str, Lead | Customer]:
    """The keyword that attaches a note or activity to a lead or a customer."""
    return {about._meta.model_name or "": about}


def log_activity(
    about: Lead | Customer,
    text: str,
    *,
    actor: User | None = None,
    link: str = "",
) -> Activity:
    """Append one entry to a lead's or customer's activity log (None actor: the system)."""
    return Activity.objects.create(
        **_about(about), text=text[:MAX_ACTIVITY_CHARS], actor=actor, link=link[:500]
    )


def add_note(about: Lead | Customer, text: str, *, author: User | None) -> Note:
    """A note on a lead or customer; None author: written by the system (e.g. a rule)."""
    return Note.objects.create(**_about(about), text=text, author=author)


def edit_note(note: Note, text: str, *, actor: User) -> None:
    """Change a note's text; only its author may."""
    _check_author(note, actor)
    note.text = text
    note.save(update_fields=["text"])


def delete_note(note: Note, *, actor: User) -> None:
    """Delete a note; only its author may."""
    _check_author(note, actor)
    note.delete()


def _check_author(note: Note, actor: User) -> None:
    if note.author_id is None or note.author_id != actor.pk:
        raise PermissionDenied("Only the author of a note may change or delete it.")
