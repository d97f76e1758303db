"""Notes and the activity log."""

import pytest
from django.core.exceptions import PermissionDenied

from clearcrm.leads.services import create_lead
from clearcrm.timeline.models import Note
from clearcrm.timeline.services import add_note, delete_note, edit_note, log_activity

pytestmark = pytest.mark.django_db


def test_only_the_author_edits_or_deletes_a_note(staff_user, django_user_model):
    lead = create_lead(name="Jane")
    note = add_note(lead, "Called, no answer", author=staff_user)
    other = django_user_model.objects.create_user("ben")
    with pytest.raises(PermissionDenied):
        edit_note(note, "rewritten", actor=other)
    with pytest.raises(PermissionDenied):
        delete_note(note, actor=other)
    edit_note(note, "Called, she calls back", actor=staff_user)
    assert Note.objects.get(pk=note.pk).text == "Called, she calls back"
    delete_note(note, actor=staff_user)
    assert not lead.notes.exists()


def test_system_notes_cannot_be_edited_by_anyone(staff_user):
    note = add_note(create_lead(name="Jane"), "from a rule", author=None)
    with pytest.raises(PermissionDenied):
        edit_note(note, "x", actor=staff_user)


def test_activity_text_is_bounded():
    entry = log_activity(create_lead(name="Jane"), "x" * 2000, link="/y")
    assert len(entry.text) == 500 and entry.link == "/y"
