"""Tasks: mine and all by the visibility rule, filters, overdue, a task's page with its
email, status changes, comments and files."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clearcrm.customers.services import create_customer
from clearcrm.inbound.models import LedgerEntry, Mailbox, MailboxFolder, Outcome
from clearcrm.notifications.models import Notification
from clearcrm.tasks.models import Task
from clearcrm.tasks.services import create_task
from tests.web.conftest import lead

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [task.title for task in response.context["page"].object_list]


def test_my_tasks_and_all_i_may_see(rep, rep_client, other_rep, private_lead):
    create_task(title="Mine", assignees=[rep])
    create_task(title="About a customer", customer=create_customer(company="Acme"),
                assignees=[other_rep])  # fmt: skip
    create_task(title="About a private lead", lead=private_lead, assignees=[other_rep])
    assert titles(rep_client.get(reverse("tasks"))) == ["Mine"]
    everything = titles(rep_client.get(reverse("tasks"), {"scope": "all"}))
    assert set(everything) == {"Mine", "About a customer"}


def test_filters_and_overdue(rep, rep_client):
    today = timezone.localdate()
    create_task(title="Late", assignees=[rep], due_date=today - timedelta(days=2), priority="high")
    create_task(title="Today", assignees=[rep], due_date=today)
    done = create_task(title="Done", assignees=[rep])
    done.status = Task.Status.COMPLETE
    done.save()
    assert titles(rep_client.get(reverse("tasks"), {"due": "overdue"})) == ["Late"]
    assert titles(rep_client.get(reverse("tasks"), {"due": "today"})) == ["Today"]
    assert titles(rep_client.get(reverse("tasks"), {"priority": "high"})) == ["Late"]
    assert titles(rep_client.get(reverse("tasks"), {"status": "complete"})) == ["Done"]
    page = rep_client.get(reverse("tasks")).content.decode()
    assert 'class="overdue"' in page and "overdue" in page


def test_a_task_page_with_the_email_it_came_from(rep, rep_client):
    customer = create_customer(company="Acme")
    task = create_task(title="Anna - anna@acme.example", customer=customer, assignees=[rep],
                       description="Subject: Renewal\n\nCan we talk?")  # fmt: skip
    mailbox = Mailbox.objects.create(name="Sales", host="h", login="s@example.com")
    folder = MailboxFolder.objects.create(mailbox=mailbox, name="INBOX")
    LedgerEntry.objects.create(mailbox=mailbox, folder=folder, uidvalidity=1, uid=1,
                               message_key="k", outcome=Outcome.TASK_CREATED, task=task,
                               sender="Anna <anna@acme.example>", subject="Renewal")  # fmt: skip
    assert task.get_absolute_url() == reverse("task", args=[task.pk])
    page = rep_client.get(task.get_absolute_url()).content.decode()
    for text in ("The email it came from", "Anna &lt;anna@acme.example&gt;", "Renewal",
                 "Can we talk?", "Acme", "Sales"):  # fmt: skip
        assert text in page, text


def test_status_changes_comments_and_files(rep, rep_client, other_rep):
    task = create_task(title="Prepare offer", lead=lead("Jane", assigned=rep),
                       assignees=[rep, other_rep], created_by=rep)  # fmt: skip
    rep_client.post(reverse("task_status", args=[task.pk]), {"status": "in_progress"})
    task.refresh_from_db()
    assert task.status == "in_progress"
    assert task.lead.activities.filter(text__contains="In progress").exists()
    rep_client.post(reverse("task_comment", args=[task.pk]), {"text": "Draft is ready"})
    assert task.comments.get().text == "Draft is ready"
    assert Notification.objects.filter(recipient=other_rep, text__contains="comment").exists()
    upload = SimpleUploadedFile("offer.pdf", b"%PDF-1.4", content_type="application/pdf")
    rep_client.post(reverse("task_upload", args=[task.pk]), {"file": upload})
    attachment = task.attachments.get()
    assert attachment.original_name == "offer.pdf"
    page = rep_client.get(task.get_absolute_url()).content.decode()
    assert "Draft is ready" in page and reverse("attachment", args=[attachment.pk]) in page


def test_an_unknown_status_changes_nothing(rep, rep_client):
    task = create_task(title="T", assignees=[rep])
    rep_client.post(reverse("task_status", args=[task.pk]), {"status": "teleported"})
    task.refresh_from_db()
    assert task.status == Task.Status.NOT_STARTED
