"""The dashboard: new leads, open leads by status and source, the chart, conversion,
my tasks, mailbox health for admins, and the empty states of a fresh install."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clearcrm.inbound.models import LedgerEntry, Mailbox, MailboxFolder, Outcome
from clearcrm.leads.models import Lead, LeadSource
from clearcrm.leads.services import convert_to_customer
from clearcrm.tasks.services import create_task
from tests.web.conftest import lead

pytestmark = pytest.mark.django_db


def test_a_fresh_install_shows_its_empty_states(admin_client, rep_client):
    page = admin_client.get(reverse("home")).content.decode()
    assert "No mailbox connected yet" in page and reverse("admin:inbound_mailbox_add") in page
    assert "No leads yet" in page and "Nothing due" in page
    rep_page = rep_client.get(reverse("home")).content.decode()
    assert "Ask an admin to connect" in rep_page
    assert reverse("admin:inbound_mailbox_add") not in rep_page


def test_counts_breakdowns_and_conversion(admin_client, admin):
    phone = LeadSource.objects.get(name="Phone")
    won = lead("Won Wendy", company="Acme")
    lead("Phoning Phil", source=phone)
    old = lead("Old Olga")
    Lead.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=40))
    convert_to_customer(won, actor=admin)
    context = admin_client.get(reverse("home")).context
    assert context["new"]["today"] == 2 and context["new"]["month"] >= 2
    assert {r["name"]: r["n"] for r in context["by_source"]} == {"Email": 1, "Phone": 1}
    assert sum(r["n"] for r in context["by_status"]) == 2  # the converted lead is not open
    assert context["conversion"]["won"] == 1 and context["conversion"]["total"] >= 2
    assert context["chart"].total == 2  # the 40-day-old lead is outside the chart


def test_the_chart_is_server_rendered_svg(admin_client):
    lead("Someone")
    page = admin_client.get(reverse("home")).content.decode()
    svg = page[page.index('<svg viewBox="0 0 1000') :]
    assert "<rect" in svg and "Leads per day over the last 30 days" in svg
    assert "<script" not in page.split("</head>")[1]


def test_my_open_tasks_with_due_dates(rep, rep_client):
    create_task(title="Call back", assignees=[rep], due_date=timezone.localdate())
    done = create_task(title="Done already", assignees=[rep])
    done.status = "complete"
    done.save()
    page = rep_client.get(reverse("home")).content.decode()
    assert "Call back" in page and "Done already" not in page


def test_mailbox_health_for_admins(admin_client, rep_client):
    good = Mailbox.objects.create(name="Sales", host="h", login="s@example.com",
                                  last_run_at=timezone.now())  # fmt: skip
    failing = {"last_error": "Login failed: wrong password", "consecutive_failures": 3}
    Mailbox.objects.create(name="Support", host="h", login="t@example.com", **failing)
    folder = MailboxFolder.objects.create(mailbox=good, name="INBOX")
    LedgerEntry.objects.create(mailbox=good, folder=folder, uidvalidity=1, uid=1, message_key="k",
                               outcome=Outcome.LEAD_CREATED)  # fmt: skip
    page = admin_client.get(reverse("home")).content.decode()
    assert "Healthy" in page and "1 imported today" in page
    assert "Failing 3 times" in page and "Login failed: wrong password" in page
    assert reverse("admin:inbound_mailbox_change", args=[good.pk]) in page
    assert "Login failed" not in rep_client.get(reverse("home")).content.decode()
