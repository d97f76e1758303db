"""`clearcrm demo` fills a database that every page can show (whatever the data is)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from clearcrm.customers.models import Customer
from clearcrm.leads.models import Lead
from clearcrm.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_demo_data_renders_on_every_page(admin_client):
    call_command("demo")
    assert Lead.objects.exists() and Customer.objects.exists() and Task.objects.exists()
    some_lead = Lead.objects.filter(emails__isnull=False).first()
    some_email = some_lead.emails.first()
    urls = [reverse("home"), reverse("leads"), reverse("kanban"), some_lead.get_absolute_url(),
            reverse("email_html", args=[some_email.pk]), reverse("email_raw", args=[some_email.pk]),
            Customer.objects.first().get_absolute_url(), reverse("customers"),
            reverse("tasks") + "?scope=all", Task.objects.first().get_absolute_url()]  # fmt: skip
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_demo_runs_once(capsys):
    call_command("demo")
    count = Lead.objects.count()
    call_command("demo")
    assert Lead.objects.count() == count
    assert "already there" in capsys.readouterr().out
