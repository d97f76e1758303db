"""Staff hear about imported mail: in the app, and by email through a real SMTP server."""

import pytest
from django.contrib.auth.models import Group, User

from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import LedgerEntry, Mailbox, Outcome
from clearcrm.notifications.models import Notification, OutgoingEmail
from clearcrm.notifications.send import send_outbox
from tests.support.messages import message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def ana():
    return User.objects.create_user("ana", "ana@clearcrm.test")


def test_responsible_is_notified_of_a_new_lead(make_mailbox, put, smtp, ana):
    put(message(sender="Jane Doe <jane@example.org>"))
    import_mailbox(make_mailbox(responsible=ana))
    note = Notification.objects.get(recipient=ana)
    assert "Jane Doe" in note.text and note.link.startswith("/leads/") and not note.is_read
    [mail] = smtp.to("ana@clearcrm.test")
    assert "Jane Doe" in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-ClearCRM-Notification"] == "yes"
    assert note.link in mail.get_content()
    assert OutgoingEmail.objects.get().sent_at is not None


def test_lead_writing_again_notifies_its_owner(make_mailbox, put, smtp, ana):
    mailbox = make_mailbox(responsible=ana, notify_imported=False)
    put(message(sender="jane@example.org", subject="first"))
    import_mailbox(mailbox)
    assert not Notification.objects.exists() and smtp.messages == []
    put(message(sender="jane@example.org", subject="second question"))
    import_mailbox(mailbox)
    assert "wrote again: second question" in Notification.objects.get(recipient=ana).text
    assert len(smtp.to("ana@clearcrm.test")) == 1


def test_switches_work_independently(make_mailbox, put, smtp, ana):
    mailbox = make_mailbox(responsible=ana, notify_lead_writes_again=False)
    put(message(sender="jane@example.org", subject="first"))
    import_mailbox(mailbox)
    put(message(sender="jane@example.org", subject="second"))
    import_mailbox(mailbox)
    assert [n.text for n in Notification.objects.all()] == [
        "New lead from email: jane (jane@example.org)"
    ]


def test_specific_staff_and_roles(make_mailbox, put, smtp, ana):
    ben = User.objects.create_user("ben", "ben@clearcrm.test")
    cleo = User.objects.create_user("cleo", "cleo@clearcrm.test")
    cleo.groups.add(Group.objects.get(name="Sales manager"))
    by_staff = make_mailbox(notify=Mailbox.Notify.STAFF)
    by_staff.notify_staff.set([ben])
    put(message(subject="one"))
    import_mailbox(by_staff)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ben"]

    Notification.objects.all().delete()
    by_role = make_mailbox(notify=Mailbox.Notify.ROLES)
    by_role.notify_roles.set([Group.objects.get(name="Sales manager")])
    put(message(subject="two"))
    import_mailbox(by_role)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["cleo"]
    assert {rcpt for _, rcpts, _ in smtp.messages for rcpt in rcpts} == {
        "ben@clearcrm.test", "cleo@clearcrm.test",
    }  # fmt: skip


def test_inactive_staff_and_email_opt_out(make_mailbox, put, smtp, ana):
    ben = User.objects.create_user("ben", "ben@clearcrm.test", is_active=False)
    ana.staff.email_notifications = False
    ana.staff.save()
    mailbox = make_mailbox(notify=Mailbox.Notify.STAFF)
    mailbox.notify_staff.set([ana, ben])
    put(message())
    import_mailbox(mailbox)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ana"]
    assert smtp.messages == []


def test_task_assignee_is_notified(make_mailbox, put, smtp, ana):
    customer = Customer.objects.create(company="Northwind", account_manager=ana)
    Contact.objects.create(customer=customer, email="laura@northwind.test")
    put(message(sender="Laura <laura@northwind.test>", subject="invoice"))
    import_mailbox(make_mailbox(create_task_if_customer=True))
    assert "New task: Laura - laura@northwind.test" in Notification.objects.get(recipient=ana).text
    assert len(smtp.to("ana@clearcrm.test")) == 1


def test_smtp_failure_never_blocks_the_import_and_is_retried(make_mailbox, put, smtp, ana):
    smtp.refuse = True
    put(message())
    summary = import_mailbox(make_mailbox(responsible=ana))
    assert summary.outcomes[Outcome.LEAD_CREATED] == 1 and not summary.errors
    email = OutgoingEmail.objects.get()
    assert email.sent_at is None and email.attempts == 1 and "451" in email.last_error
    smtp.refuse = False
    OutgoingEmail.objects.update(next_attempt=None)  # the retry is due
    assert send_outbox() == (1, 0)
    assert len(smtp.to("ana@clearcrm.test")) == 1


def test_our_own_notification_is_never_imported_back(make_mailbox, put, smtp, ana):
    mailbox = make_mailbox(responsible=ana)
    put(message())
    import_mailbox(mailbox)
    [(_, _, notification)] = smtp.messages
    put(notification.as_bytes())  # e.g. the staff address forwards to the sales inbox
    summary = import_mailbox(mailbox)
    assert summary.outcomes[Outcome.OWN_MAIL] == 1
    assert LedgerEntry.objects.filter(outcome=Outcome.OWN_MAIL).exists()
    assert Notification.objects.count() == 1
