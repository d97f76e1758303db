"""What never becomes a lead: spam, auto-replies, bounces, lists, our own mail, floods."""

import pytest
from django.contrib.auth.models import Group, User

from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import LedgerEntry, Mailbox, Outcome, SpamRule
from clearcrm.leads.models import Lead
from clearcrm.notifications.models import Notification
from tests.support.messages import message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def outcome_of(subject: str) -> LedgerEntry:
    return LedgerEntry.objects.get(subject=subject)


@pytest.mark.parametrize(
    ("rule_type", "value", "mail"),
    [
        ("sender", "Spammer@Cheap.example", {"sender": "spammer@cheap.example"}),
        ("domain", "cheap.example", {"sender": "x@mail.cheap.example"}),
        ("subject", "casino", {"subject": "Best CASINO bonus"}),
        ("phrase", "click here now", {"body": "Please Click Here Now to win"}),
        ("regex", r"v[i1]agr[a@]", {"subject": "cheap v1agr@ today"}),
    ],
)
def test_block_rules(make_mailbox, put, server_flags, rule_type, value, mail):
    SpamRule.objects.create(type=rule_type, value=value)
    uid = put(message(subject=mail.pop("subject", "Spam test"), **mail))
    mailbox = make_mailbox(after_import=Mailbox.AfterImport.DELETE)
    summary = import_mailbox(mailbox)
    assert summary.outcomes[Outcome.BLOCKED] == 1
    entry = LedgerEntry.objects.get()
    assert entry.outcome == Outcome.BLOCKED and value in entry.reason
    assert not Lead.objects.exists()
    # Treated like imported mail (marked read), but never deleted.
    assert server_flags() == {uid: {"\\Seen"}}


def test_phrase_is_found_in_the_decoded_body_not_in_base64(make_mailbox, put):
    SpamRule.objects.create(type="phrase", value="crypto giveaway")
    raw = message(subject="b64", body="Join our crypto giveaway ünïcödé " * 5)
    assert b"crypto giveaway" not in raw  # the body is base64 on the wire
    put(raw)
    import_mailbox(make_mailbox())
    assert outcome_of("b64").outcome == Outcome.BLOCKED


def test_allow_rule_wins_over_block_rules(make_mailbox, put):
    SpamRule.objects.create(type="domain", value="partner.example")
    SpamRule.objects.create(type="sender", value="boss@partner.example", allow=True)
    put(message(sender="boss@partner.example", subject="allowed"))
    put(message(sender="other@partner.example", subject="blocked"))
    import_mailbox(make_mailbox())
    assert outcome_of("allowed").outcome == Outcome.LEAD_CREATED
    assert outcome_of("blocked").outcome == Outcome.BLOCKED


def test_mailbox_rule_applies_to_its_mailbox_only(make_mailbox, put):
    other = Mailbox.objects.create(name="Other", host="x", login="x")
    SpamRule.objects.create(type="subject", value="offer", mailbox=other)
    put(message(subject="special offer"))
    import_mailbox(make_mailbox())
    assert outcome_of("special offer").outcome == Outcome.LEAD_CREATED


@pytest.mark.parametrize(
    ("headers", "sender", "outcome"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, Outcome.AUTO_REPLY),
        ({"X-Autoreply": "yes"}, None, Outcome.AUTO_REPLY),
        ({"Precedence": "bulk"}, None, Outcome.AUTO_REPLY),
        ({"X-Auto-Response-Suppress": "OOF"}, None, Outcome.AUTO_REPLY),
        ({"Return-Path": "<>"}, None, Outcome.AUTO_REPLY),
        ({"List-Id": "<news.shop.example>"}, None, Outcome.LIST_MAIL),
        ({"X-ClearCRM-Notification": "yes"}, None, Outcome.OWN_MAIL),
    ],
)
def test_machine_mail_never_becomes_a_lead(make_mailbox, put, headers, sender, outcome):
    put(message(subject="machine", headers=headers))
    summary = import_mailbox(make_mailbox())
    assert summary.outcomes[outcome] == 1, LedgerEntry.objects.get().reason
    assert not Lead.objects.exists()
    assert LedgerEntry.objects.get().reason


def bounce_for(address: str) -> bytes:
    """A delivery status notification (RFC 3464) as a mail server sends it."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        "To: sales@clearcrm.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        f"Your message could not be delivered to {address}.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--b--\r\n"
    ).encode()


def test_bounce_is_noted_on_the_lead(make_mailbox, put):
    mailbox = make_mailbox()
    put(message(sender="Gone Person <gone@example.org>", subject="hello"))
    import_mailbox(mailbox)
    put(bounce_for("gone@example.org"))
    summary = import_mailbox(mailbox)
    assert summary.outcomes[Outcome.BOUNCE] == 1
    lead = Lead.objects.get()
    assert lead.activities.filter(text__contains="gone@example.org bounced").exists()
    assert LedgerEntry.objects.get(outcome=Outcome.BOUNCE).lead == lead


def test_list_mail_imported_when_the_mailbox_says_so(make_mailbox, put):
    put(message(subject="newsletter", headers={"List-Id": "<news.shop.example>"}))
    import_mailbox(make_mailbox(import_list_mail=True))
    assert outcome_of("newsletter").outcome == Outcome.LEAD_CREATED


def test_flood_from_one_sender_is_rate_limited_and_admins_told_once(make_mailbox, put):
    admin = User.objects.create_user("root-admin", "admin@clearcrm.test")
    admin.groups.add(Group.objects.get(name="Admin"))
    for i in range(8):
        put(message(sender="loop@robot.example", subject=f"loop {i}"))
    summary = import_mailbox(make_mailbox(sender_rate_limit=5))
    assert summary.outcomes[Outcome.LEAD_CREATED] == 1
    assert summary.outcomes[Outcome.LEAD_APPENDED] == 4
    assert summary.outcomes[Outcome.RATE_LIMITED] == 3
    assert "more than the mailbox's limit of 5" in outcome_of("loop 7").reason
    warnings = Notification.objects.filter(recipient=admin)
    assert warnings.count() == 1 and "loop@robot.example" in warnings.get().text
