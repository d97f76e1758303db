"""One visibility rule everywhere: a rep gets 404 for another rep's private lead and for
each of its sub-resources; its owner and admins get them; lists never show it."""

import pytest
from django.urls import reverse

from clearcrm.attachments.models import NewFile
from clearcrm.notifications.services import notify
from clearcrm.tasks.services import add_attachments, create_task
from clearcrm.timeline.services import add_note
from tests.web.conftest import email, lead, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden(private_lead, other_rep):
    """Everything hanging off the other rep's private lead."""
    mail = email(private_lead, files=(NewFile("offer.pdf", "application/pdf", b"%PDF-1.4 x"),))
    task = create_task(title="Call Pat", lead=private_lead, created_by=other_rep,
                       assignees=[other_rep])  # fmt: skip
    add_attachments(task, [NewFile("notes.txt", "text/plain", b"task file")], actor=other_rep)
    return {
        "lead": private_lead,
        "email": mail,
        "file": mail.attachments.get(),
        "task": task,
        "task_file": task.attachments.get(),
        "note": add_note(private_lead, "Pat's budget is 10k", author=other_rep),
    }


def pages_of(h) -> list[str]:
    """Every GET page and download of the hidden lead."""
    pk, mail = h["lead"].pk, h["email"].pk
    return [
        reverse("lead", args=[pk]),
        reverse("lead_edit", args=[pk]),
        reverse("email_body", args=[mail]),
        reverse("email_body", args=[mail]) + "?view=html",
        reverse("email_html", args=[mail]),
        reverse("email_raw", args=[mail]),
        reverse("attachment", args=[h["file"].pk]),
        reverse("task", args=[h["task"].pk]),
        reverse("attachment", args=[h["task_file"].pk]),
    ]


def posts_of(h) -> list[tuple[str, dict]]:
    """Every change that can be posted about the hidden lead."""
    pk, mail = h["lead"].pk, h["email"].pk
    return [
        (reverse("lead_status", args=[pk]), {"status": h["lead"].status_id}),
        (reverse("lead_assign", args=[pk]), {"assigned": "none"}),
        (reverse("lead_flag", args=[pk, "public"]), {"value": "1"}),
        (reverse("lead_convert", args=[pk]), {}),
        (reverse("lead_delete", args=[pk]), {}),
        (reverse("lead_move", args=[pk]), {"status": h["lead"].status_id}),
        (reverse("lead_note_add", args=[pk]), {"text": "sneaky"}),
        (reverse("lead_task_add", args=[pk]), {"title": "sneaky", "priority": "low"}),
        (reverse("email_trust_sender", args=[mail]), {}),
        (reverse("note_edit", args=[h["note"].pk]), {"text": "changed"}),
        (reverse("note_delete", args=[h["note"].pk]), {}),
        (reverse("task_status", args=[h["task"].pk]), {"status": "complete"}),
        (reverse("task_comment", args=[h["task"].pk]), {"text": "sneaky"}),
    ]


def test_another_reps_private_lead_is_404_everywhere(rep_client, hidden):
    for url in pages_of(hidden):
        assert rep_client.get(url).status_code == 404, url
    for url, data in posts_of(hidden):
        assert rep_client.post(url, data).status_code == 404, url
    # Nothing was changed by the refused posts.
    hidden["lead"].refresh_from_db()
    assert not hidden["lead"].is_public and hidden["lead"].customer_id is None
    assert hidden["lead"].notes.get().text == "Pat's budget is 10k"
    assert hidden["task"].comments.count() == 0


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_get_every_page(who, hidden, other_rep, admin):
    client = login(other_rep if who == "owner" else admin)
    for url in pages_of(hidden):
        assert client.get(url).status_code == 200, url


def test_lists_search_kanban_export_and_dashboard_leave_it_out(rep_client, admin_client, hidden):
    lead("Public Paula", is_public=True)
    urls = [reverse("leads"), reverse("kanban"), reverse("search") + "?q=P", reverse("home")]
    for url in urls:
        page = rep_client.get(url).content.decode()
        assert "Public Paula" in page or url == reverse("home"), url
        assert "Private Pat" not in page, url
        assert "Private Pat" in admin_client.get(url).content.decode() or url == reverse("home")
    export = b"".join(rep_client.get(reverse("leads_export")).streaming_content).decode()
    assert "Public Paula" in export and "Private Pat" not in export
    everything = b"".join(admin_client.get(reverse("leads_export")).streaming_content).decode()
    assert "Private Pat" in everything


def test_dashboard_counts_only_visible_leads(rep_client, admin_client, hidden):
    lead("Public Paula", is_public=True)
    assert rep_client.get(reverse("home")).context["new"]["today"] == 1
    assert admin_client.get(reverse("home")).context["new"]["today"] == 2


def test_a_notification_link_to_a_lead_the_rep_may_not_see_is_404(rep, rep_client, hidden):
    # E.g. the lead was reassigned after the rep was told about it.
    told = notify([rep], "New lead: Private Pat", hidden["lead"].get_absolute_url())[0]
    notification = told.notifications.get()
    response = rep_client.get(reverse("notification", args=[notification.pk]), follow=True)
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.is_read


def test_a_rep_cannot_open_another_reps_notification(rep, other_client):
    notify([rep], "Yours only", "/")
    notification = rep.notifications.get()
    assert other_client.get(reverse("notification", args=[notification.pk])).status_code == 404
    other_client.post(reverse("notifications_read"), {"ids": [notification.pk]})
    notification.refresh_from_db()
    assert not notification.is_read


def test_public_and_own_leads_are_visible_to_a_rep(rep, rep_client):
    shared = lead("Public Paula", is_public=True)
    mine = lead("Mine", assigned=rep)
    created = lead("Made by me", created_by=rep)
    for visible in (shared, mine, created):
        assert rep_client.get(reverse("lead", args=[visible.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, hidden):
    for url in [reverse("home"), reverse("leads"), *pages_of(hidden)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
