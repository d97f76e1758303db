"""A lead's page and what can be done there: profile, status, assignment, flags,
conversion to a customer, notes, tasks, deletion."""

import pytest
from django.urls import reverse

from clearcrm.customers.models import Contact
from clearcrm.leads.models import Lead, LeadStatus
from clearcrm.notifications.models import Notification
from clearcrm.tasks.models import Task
from clearcrm.timeline.services import add_note
from tests.web.conftest import email, lead, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(rep):
    return lead("Jane Doe", company="Acme", assigned=rep,
                extra={"Budget": "10k", "Seats": "40"})  # fmt: skip


def page_of(client, about) -> str:
    response = client.get(reverse("lead", args=[about.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_profile_conversation_extra_fields_and_activity(rep_client, mine):
    email(mine, subject="Quote please", text="We need 40 seats.")
    page = page_of(rep_client, mine)
    for text in ("Jane Doe", "Acme", "Quote please", "We need 40 seats.",
                 "Extra fields from the form", "Budget", "10k", "Lead created"):  # fmt: skip
        assert text in page, text


def test_the_conversation_shows_text_by_default_and_links_to_html_and_original(rep_client, mine):
    mail = email(mine, text="Plain words")
    page = page_of(rep_client, mine)
    assert "Plain words" in page and "<iframe" not in page
    assert reverse("email_raw", args=[mail.pk]) in page
    assert f'hx-get="{reverse("email_body", args=[mail.pk])}?view=html"' in page
    html_page = rep_client.get(reverse("lead", args=[mine.pk]), {"html": mail.pk}).content.decode()
    assert f'src="{reverse("email_html", args=[mail.pk])}"' in html_page
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html_page


def test_emails_are_shown_oldest_first_with_attachments(rep_client, mine):
    from datetime import UTC, datetime

    from clearcrm.attachments.models import NewFile

    email(mine, subject="Second", sent_at=datetime(2026, 3, 2, tzinfo=UTC))
    email(mine, subject="First", sent_at=datetime(2026, 3, 1, tzinfo=UTC),
          files=(NewFile("plan.pdf", "application/pdf", b"%PDF"),))  # fmt: skip
    page = page_of(rep_client, mine)
    assert page.index("First") < page.index("Second")
    assert "plan.pdf" in page


def test_editing_the_profile_logs_what_changed(rep_client, mine):
    data = {"name": "Jane Doe", "company": "Acme Ltd", "email": mine.email, "phone": "",
            "source": mine.source_id, "description": ""}  # fmt: skip
    response = rep_client.post(reverse("lead_edit", args=[mine.pk]), data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.company == "Acme Ltd"
    assert mine.activities.filter(text="Changed company").exists()


def test_editing_shows_errors_next_to_fields(rep_client, mine):
    response = rep_client.post(reverse("lead_edit", args=[mine.pk]), {"name": "", "email": "x"})
    assert response.status_code == 200 and 'class="field-error"' in response.content.decode()


def test_status_assignment_and_flags(rep, rep_client, mine, other_rep):
    contacted = LeadStatus.objects.get(name="Contacted")
    rep_client.post(reverse("lead_status", args=[mine.pk]), {"status": contacted.pk})
    rep_client.post(reverse("lead_flag", args=[mine.pk, "public"]), {"value": "1"})
    rep_client.post(reverse("lead_flag", args=[mine.pk, "lost"]), {"value": "1"})
    rep_client.post(reverse("lead_assign", args=[mine.pk]), {"assigned": other_rep.pk})
    mine.refresh_from_db()
    assert mine.status == contacted and mine.is_public and mine.is_lost
    assert mine.assigned == other_rep
    assert Notification.objects.filter(recipient=other_rep).exists()
    log = list(mine.activities.values_list("text", flat=True))
    assert "Status changed from New to Contacted" in log and "Made public" in log
    rep_client.post(reverse("lead_flag", args=[mine.pk, "junk"]), {"value": "1"})
    mine.refresh_from_db()
    assert mine.is_junk


def test_convert_to_customer(rep_client, mine):
    response = rep_client.post(reverse("lead_convert", args=[mine.pk]), follow=True)
    mine.refresh_from_db()
    assert mine.customer is not None and mine.customer.company == "Acme"
    assert Contact.objects.get(email=mine.email).customer == mine.customer
    page = response.content.decode()
    assert "Converted to the customer" in page and mine.customer.get_absolute_url() in page


def test_converting_twice_says_why_not(rep_client, mine):
    rep_client.post(reverse("lead_convert", args=[mine.pk]))
    response = rep_client.post(reverse("lead_convert", args=[mine.pk]), follow=True)
    assert "already been converted" in response.content.decode()


def test_notes_add_edit_delete_own_only(rep, rep_client, mine, other_rep):
    rep_client.post(reverse("lead_note_add", args=[mine.pk]), {"text": "Called, no answer"})
    note = mine.notes.get()
    assert note.author == rep
    rep_client.post(reverse("note_edit", args=[note.pk]), {"text": "Called twice"})
    note.refresh_from_db()
    assert note.text == "Called twice"
    # Another rep who may see the lead may not change this note.
    mine.is_public = True
    mine.save()
    other = login(other_rep)
    other.post(reverse("note_edit", args=[note.pk]), {"text": "hijacked"})
    other.post(reverse("note_delete", args=[note.pk]))
    note.refresh_from_db()
    assert note.text == "Called twice"
    other_page = other.get(reverse("lead", args=[mine.pk])).content.decode()
    assert "Called twice" in other_page
    assert reverse("note_edit", args=[note.pk]) not in other_page
    rep_client.post(reverse("note_delete", args=[note.pk]))
    assert not mine.notes.exists()


def test_system_notes_show_as_clearcrm(rep_client, mine):
    add_note(mine, "Assigned by a rule", author=None)
    assert "ClearCRM" in page_of(rep_client, mine)


def test_add_and_complete_a_task(rep, rep_client, mine):
    data = {"title": "Send the offer", "priority": "high", "due_date": "2030-01-02"}
    response = rep_client.post(reverse("lead_task_add", args=[mine.pk]), data)
    assert response.status_code == 302
    task = Task.objects.get(lead=mine)
    assert list(task.assignees.all()) == [rep] and task.created_by == rep
    assert "Send the offer" in page_of(rep_client, mine)
    rep_client.post(reverse("task_status", args=[task.pk]),
                    {"status": "complete", "next": mine.get_absolute_url()})  # fmt: skip
    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETE


def test_a_task_without_a_title_shows_the_form_with_its_error(rep_client, mine):
    response = rep_client.post(reverse("lead_task_add", args=[mine.pk]), {"title": ""})
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()


def test_delete_lead(rep_client, mine):
    response = rep_client.post(reverse("lead_delete", args=[mine.pk]))
    assert response.status_code == 302 and not Lead.objects.exists()


def test_the_page_costs_a_bounded_number_of_queries(
    rep_client, mine, django_assert_max_num_queries
):
    for n in range(12):
        email(mine, subject=f"Mail {n}", message_id=f"<m{n}@example.org>")
        add_note(mine, f"Note {n}", author=mine.assigned)
    with django_assert_max_num_queries(25):
        rep_client.get(reverse("lead", args=[mine.pk]))
