"""Applying decisions (inbound.apply): what each outcome creates, through the services.

Database, no server: messages are parsed from bytes and decided by hand.
"""

import pytest
from django.contrib.auth.models import Group, User

from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound.apply import apply
from clearcrm.inbound.decide import Bounce, Decision, FromCustomer, JoinLead
from clearcrm.inbound.known import Known
from clearcrm.inbound.models import Mailbox, Outcome
from clearcrm.inbound.parse import parse_message
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.notifications.models import Notification
from clearcrm.staff.models import ROLE_ADMIN
from clearcrm.tasks.models import Task
from clearcrm.timeline.models import Activity, Note
from tests.support.incoming import incoming
from tests.support.messages import message

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return User.objects.create_user("ana", "ana@clearcrm.test", first_name="Ana")


@pytest.fixture
def mailbox(ana):
    return Mailbox.objects.create(name="Sales", host="imap.example", login="s@x.example",
                                  responsible=ana)  # fmt: skip


def a_lead(**fields) -> Lead:
    return Lead.objects.create(status=LeadStatus.default(), source=LeadSource.default(), **fields)


def mail(mailbox, **kwargs):
    raw = message(**kwargs)
    return incoming(parse_message(raw), raw, mailbox=mailbox, known=Known())


def test_a_new_lead_with_the_mailbox_defaults_and_its_email(mailbox, ana):
    effects = apply(mail(mailbox, sender="Jane Doe <Jane@Example.org>", subject="Chairs"),
                    Decision(Outcome.LEAD_CREATED, "new"))  # fmt: skip
    lead = effects.lead
    assert (lead.name, lead.email, lead.assigned, lead.mailbox) == (
        "Jane Doe", "jane@example.org", ana, mailbox,
    )  # fmt: skip
    assert lead.status.name == "New" and lead.source.name == "Email"
    assert effects.lead_email.subject == "Chairs" and effects.lead_email.lead == lead
    [created] = Activity.objects.filter(lead=lead)
    assert "Lead created from an email to mailbox 'Sales'" in created.text
    assert (
        Notification.objects.get(recipient=ana).text
        == "New lead from email: Jane Doe (jane@example.org)"
    )


def test_a_message_joining_a_lead(mailbox, ana):
    lead = a_lead(name="Jane", email="jane@example.org", assigned=ana)
    effects = apply(mail(mailbox, sender="jane@example.org", subject="Again"),
                    JoinLead(Outcome.LEAD_APPENDED, "known", lead=lead))  # fmt: skip
    assert effects.lead == lead and lead.emails.get().subject == "Again"
    assert Activity.objects.filter(lead=lead, text="Email received: Again").exists()
    assert Notification.objects.get(recipient=ana).text == "Jane wrote again: Again"


@pytest.fixture
def contact(ana):
    customer = Customer.objects.create(company="Acme", account_manager=ana)
    return Contact.objects.create(customer=customer, email="jane@acme.example")


def test_customer_mail_as_a_task_for_the_account_manager(mailbox, contact, ana):
    effects = apply(mail(mailbox, sender="Jane <jane@acme.example>", subject="Order"),
                    FromCustomer(Outcome.TASK_CREATED, "customer", contact=contact))  # fmt: skip
    task = Task.objects.get()
    assert effects.task == task and effects.customer == contact.customer
    assert task.title == "Jane - jane@acme.example" and list(task.assignees.all()) == [ana]


def test_customer_mail_as_a_note(mailbox, contact):
    attachment = [("order.pdf", "application/pdf", b"%PDF-1.4")]
    apply(mail(mailbox, sender="Jane <jane@acme.example>", subject="Order", attachments=attachment),
          FromCustomer(Outcome.CUSTOMER_LOGGED, "customer", contact=contact))  # fmt: skip
    note = Note.objects.get(customer=contact.customer)
    assert note.text.startswith("Email from Jane <jane@acme.example>\nSubject: Order\n\n")
    assert contact.customer.attachments.get().original_name == "order.pdf"
    logged = "Email received from jane@acme.example: Order"
    assert Activity.objects.filter(customer=contact.customer, text=logged).exists()


def test_a_bounce_is_logged_on_the_lead(mailbox):
    lead = a_lead(name="Jane", email="jane@example.org")
    effects = apply(mail(mailbox, sender="MAILER-DAEMON@mx.example", subject="Undelivered"),
                    Bounce(Outcome.BOUNCE, "bounce", bounced=("jane@example.org",)))  # fmt: skip
    assert effects.lead == lead
    assert Activity.objects.filter(lead=lead, text__startswith="Email to jane@example.org bounced")


def test_admins_are_told_once_when_a_correspondent_goes_over_the_limit(mailbox):
    admin = User.objects.create_user("root", "root@clearcrm.test")
    admin.groups.add(Group.objects.get_or_create(name=ROLE_ADMIN)[0])
    mailbox.sender_rate_limit = 1
    known = Known()
    for _ in range(3):
        message_ = mail(mailbox, sender="loop@example.org")
        message_.known = known
        known.count_sent("loop@example.org")
        apply(message_, Decision(Outcome.RATE_LIMITED, "flood"))
    assert Notification.objects.filter(recipient=admin).count() == 1


@pytest.mark.parametrize("outcome", [Outcome.BLOCKED, Outcome.AUTO_REPLY, Outcome.SKIPPED_OLD])
def test_filtered_mail_creates_nothing(mailbox, outcome):
    effects = apply(mail(mailbox), Decision(outcome, "filtered"))
    assert effects.links() == {"lead": None, "lead_email": None, "task": None, "customer": None}
    assert not Lead.objects.exists() and not Activity.objects.exists()
