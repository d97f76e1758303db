"""The lead service functions: defaults, activity entries and notifications."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clearcrm.customers.models import Contact
from clearcrm.customers.services import add_contact, create_customer
from clearcrm.leads import services
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben", "ben@example.com", first_name="Ben")


def log_of(lead: Lead) -> list[str]:
    return list(lead.activities.order_by("pk").values_list("text", flat=True))


def test_create_lead_applies_defaults_logs_and_tells_the_assignee(staff_user, ben):
    lead = services.create_lead(
        name="Jane Doe", email="jane@example.org", assigned=ben, created_by=staff_user,
        actor=staff_user, company="Acme",
    )  # fmt: skip
    assert lead.status == LeadStatus.default() and lead.source == LeadSource.default()
    assert lead.company == "Acme" and lead.created_by == staff_user
    assert log_of(lead) == ["Lead created by Ana"]
    assert Notification.objects.get(recipient=ben).link == lead.get_absolute_url()
    assert not Notification.objects.filter(recipient=staff_user).exists()


def test_assigning_to_yourself_tells_nobody(staff_user):
    services.create_lead(name="Mine", assigned=staff_user, actor=staff_user)
    assert not Notification.objects.exists()


def test_update_lead_logs_the_changed_fields_only(staff_user):
    lead = services.create_lead(name="Jane", company="Acme")
    changed = services.update_lead(lead, actor=staff_user, company="Acme", phone="+4930123456")
    assert changed == ["phone"]
    assert log_of(lead)[-1] == "Changed phone"
    assert services.update_lead(lead, actor=staff_user, phone="+4930123456") == []
    with pytest.raises(ValueError, match="status"):
        services.update_lead(lead, actor=staff_user, status=LeadStatus.default())


def test_status_assignment_and_flags_are_logged(staff_user, ben):
    lead = services.create_lead(name="Jane")
    contacted = LeadStatus.objects.get(name="Contacted")
    assert services.change_status(lead, contacted, actor=staff_user)
    assert not services.change_status(lead, contacted, actor=staff_user)
    assert services.assign_lead(lead, ben, actor=staff_user, reason="by hand")
    assert services.mark_lost(lead, True, actor=staff_user)
    assert services.set_public(lead, True, actor=staff_user)
    assert not services.mark_junk(lead, False, actor=staff_user)
    assert log_of(lead)[1:] == [
        "Status changed from New to Contacted",
        "Assigned to Ben by hand",
        "Marked lost",
        "Made public",
    ]
    assert Notification.objects.get(recipient=ben).text == "Lead assigned to you: Jane"
    lead.refresh_from_db()
    assert lead.is_lost and lead.is_public and lead.status == contacted


def test_incoming_email_moves_last_contact_forward_only(settings):
    lead = services.create_lead(name="Jane")
    now = timezone.now()
    fields = dict(from_name="Jane", from_email="jane@example.org", to="sales@x.test", cc="",
                  message_id="a@x", in_reply_to="", text="Hi", html="")  # fmt: skip
    services.add_incoming_email(lead, subject="Hello", sent_at=now, **fields)
    services.add_incoming_email(lead, subject="", sent_at=now - timedelta(days=3), **fields)
    lead.refresh_from_db()
    assert lead.last_contact == now
    assert lead.emails.count() == 2
    assert log_of(lead)[1:] == ["Email received: Hello", "Email received: (no subject)"]


def test_convert_to_customer_makes_customer_and_primary_contact(staff_user, ben):
    lead = services.create_lead(
        name="Jane Doe", email="jane@acme.test", company="Acme", assigned=ben, phone="+4930123"
    )
    customer = services.convert_to_customer(lead, actor=staff_user)
    contact = Contact.objects.get(email="jane@acme.test")
    assert contact.customer == customer and contact.is_primary
    assert (contact.first_name, contact.last_name) == ("Jane", "Doe")
    assert customer.company == "Acme" and customer.account_manager == ben
    lead.refresh_from_db()
    assert lead.customer == customer
    assert log_of(lead)[-1] == "Converted to customer Acme"
    with pytest.raises(ValidationError, match="already been converted"):
        services.convert_to_customer(lead, actor=staff_user)


def test_convert_refuses_an_address_another_customer_has(staff_user):
    other = create_customer(company="Globex")
    add_contact(other, email="jane@acme.test")
    lead = services.create_lead(name="Jane", email="jane@acme.test")
    with pytest.raises(ValidationError, match="Globex"):
        services.convert_to_customer(lead, actor=staff_user)
    lead.refresh_from_db()
    assert lead.customer is None


def test_assigning_many_logs_each_and_tells_the_assignee_once(staff_user, ben):
    leads = [services.create_lead(name=f"Lead {i}") for i in range(3)]
    assert services.assign_leads(leads, ben, actor=staff_user) == 3
    assert services.assign_leads(leads, ben, actor=staff_user) == 0  # already theirs
    told = Notification.objects.get(recipient=ben)
    assert told.text == "3 leads assigned to you" and told.link == "/leads/?assigned=me"
    assert all(lead.activities.filter(text="Assigned to Ben").exists() for lead in leads)


def test_assigning_one_of_many_links_to_it(staff_user, ben):
    lead = services.create_lead(name="Solo")
    services.assign_leads([lead], ben, actor=staff_user)
    assert Notification.objects.get(recipient=ben).link == lead.get_absolute_url()


def test_deleting_many(staff_user):
    for i in range(3):
        services.create_lead(name=f"Lead {i}")
    services.create_lead(name="Keep")
    assert services.delete_leads(Lead.objects.exclude(name="Keep"), actor=staff_user) == 3
    assert list(Lead.objects.values_list("name", flat=True)) == ["Keep"]


def test_an_incoming_email_keeps_the_message_as_received():
    from clearcrm.attachments.models import stored_path

    lead = services.create_lead(name="Jane")
    raw = b"From: jane@example.org\r\nSubject: Hi\r\n\r\nHello\r\n"
    email = services.add_incoming_email(
        lead, from_name="Jane", from_email="jane@example.org", to="", cc="", subject="Hi",
        sent_at=timezone.now(), message_id="<a@b>", in_reply_to="", text="Hello", html="", raw=raw,
    )  # fmt: skip
    assert stored_path(email.raw_file).read_bytes() == raw
