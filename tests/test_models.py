"""The CRM data model and its constraints (also run on PostgreSQL by test_postgres)."""

import pytest
from django.db import IntegrityError, transaction

from clearcrm.attachments.models import Attachment, NewFile, attach
from clearcrm.customers.models import Contact, Customer
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.staff.models import DEFAULT_ROLES, display_name
from clearcrm.tasks.models import Task
from clearcrm.timeline.models import Activity, Note
from clearcrm.timeline.services import log_activity

pytestmark = pytest.mark.django_db


def make_lead(**kwargs) -> Lead:
    kwargs.setdefault("name", "Jane Doe")
    return Lead.objects.create(status=LeadStatus.default(), source=LeadSource.default(), **kwargs)


def test_seeded_statuses_sources_and_roles():
    from django.contrib.auth.models import Group

    assert list(LeadStatus.objects.values_list("name", flat=True)) == [
        "New", "Contacted", "Qualified", "Proposal sent", "Won", "Lost",
    ]  # fmt: skip
    assert LeadStatus.default().name == "New"
    assert LeadSource.default().name == "Email"
    assert set(LeadSource.objects.values_list("name", flat=True)) == {
        "Email", "Web form", "Phone", "Referral", "Other",
    }  # fmt: skip
    assert set(DEFAULT_ROLES) <= set(Group.objects.values_list("name", flat=True))


def test_only_one_default_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadStatus.objects.create(name="Fresh", is_default=True)


def test_contact_email_is_unique_regardless_of_case():
    customer = Customer.objects.create(company="Acme")
    Contact.objects.create(customer=customer, email="Bob.Stone@Acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(customer=customer, email="bob.stone@ACME.example")


def test_email_lookups_are_case_insensitive():
    lead = make_lead(email="  Jane.Doe@Example.COM ")
    lead.refresh_from_db()
    assert lead.email == "jane.doe@example.com"
    assert Lead.objects.get(email="JANE.DOE@example.com") == lead


def test_staff_profile_created_with_user(staff_user):
    assert staff_user.staff.active is True
    assert staff_user.staff.email_notifications is True
    staff_user.staff.full_name = "Ana García"
    staff_user.staff.save()
    assert display_name(staff_user) == "Ana García"


def test_staff_can_have_several_roles(staff_user):
    from django.contrib.auth.models import Group

    staff_user.groups.add(*Group.objects.filter(name__in=["Sales manager", "Sales rep"]))
    assert staff_user.groups.count() == 2


def test_task_is_about_a_lead_or_a_customer_not_both(staff_user):
    lead = make_lead()
    customer = Customer.objects.create(company="Acme")
    task = Task.objects.create(title="Call back", lead=lead, created_by=staff_user)
    task.assignees.add(staff_user)
    assert task.about == lead
    assert task.status == Task.Status.NOT_STARTED and task.priority == Task.Priority.MEDIUM
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(title="Both", lead=lead, customer=customer)


def test_activity_log_is_append_only():
    lead = make_lead()
    entry = log_activity(lead, "Lead created")
    assert list(lead.activities.values_list("text", flat=True)) == ["Lead created"]
    entry.text = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


def test_note_and_activity_belong_to_exactly_one_record():
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(text="orphan")
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(text="orphan")


def test_attachment_stored_under_a_safe_content_addressed_name(settings):
    lead = make_lead()
    data = b"%PDF-1.4 quote"
    first = attach(lead, NewFile("../../etc/passwd", "application/pdf", data))
    second = attach(lead, NewFile("copy.pdf", "application/pdf", data))
    assert first.original_name == "../../etc/passwd"  # kept for display only
    assert first.stored_name == second.stored_name
    assert ".." not in first.stored_name and "passwd" not in first.stored_name
    assert first.path.read_bytes() == data
    assert first.path.is_relative_to(settings.FILES_DIR)
    assert first.size == len(data)


def test_attachment_needs_exactly_one_owner():
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(original_name="x", stored_name="x", size=1, sha256="0" * 64)
