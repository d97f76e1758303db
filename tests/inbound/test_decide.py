"""Each decision rule over parsed messages, and their order (decide.RULES).

No server, no database.
"""

from datetime import UTC, date, datetime

from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound import decide
from clearcrm.inbound.decide import Bounce, FromCustomer, JoinLead
from clearcrm.inbound.extract import LeadDetails, Value
from clearcrm.inbound.known import Known
from clearcrm.inbound.models import Mailbox, Outcome, SpamRule
from clearcrm.inbound.parse import parse_message
from clearcrm.leads.models import Lead, LeadEmail
from tests.support.incoming import incoming
from tests.support.messages import message

JANE = "Jane Doe <jane@example.org>"


def parsed(**kwargs):
    return parse_message(message(**kwargs))


def test_a_stranger_writing_becomes_a_new_lead():
    decision = decide.decide(incoming(parsed(sender=JANE)))
    assert decision.outcome == Outcome.LEAD_CREATED
    assert "jane@example.org" in decision.reason


def test_older_than_since_by_either_date():
    mailbox = Mailbox(since=date(2024, 1, 1))
    old = parsed(date=datetime(2023, 12, 31, tzinfo=UTC))
    assert decide.older_than_since(incoming(old, mailbox=mailbox)).outcome == Outcome.SKIPPED_OLD
    new = parsed(date=datetime(2024, 2, 1, tzinfo=UTC))
    received_old = incoming(new, mailbox=mailbox, received_at=datetime(2023, 5, 1, tzinfo=UTC))
    assert "received 2023-05-01" in decide.older_than_since(received_old).reason
    assert decide.older_than_since(incoming(new, mailbox=mailbox)) is None
    assert decide.older_than_since(incoming(old)) is None  # no 'since' set


def test_machine_mail_rule_names_the_kind():
    own = parsed(headers={"X-ClearCRM-Notification": "yes"})
    assert decide.machine_mail(incoming(own)).outcome == Outcome.OWN_MAIL
    auto = parsed(headers={"Auto-Submitted": "auto-replied"})
    assert decide.machine_mail(incoming(auto)).outcome == Outcome.AUTO_REPLY
    assert decide.machine_mail(incoming(parsed(sender=JANE))) is None


def test_a_bounce_decision_carries_the_bounced_addresses():
    raw = message(
        sender="MAILER-DAEMON@mx.example.net",
        subject="Undelivered Mail Returned to Sender",
        headers={"X-Failed-Recipients": "Lead@Example.org"},
    )
    decision = decide.machine_mail(incoming(parse_message(raw), raw))
    assert isinstance(decision, Bounce) and decision.bounced == ("lead@example.org",)


def test_spam_rule_blocks_and_names_the_rule():
    rules = [SpamRule(pk=4, type=SpamRule.Type.DOMAIN, value="cheap.example")]
    spam = incoming(parsed(sender="x@mail.cheap.example"), known=Known(spam_rules=rules))
    decision = decide.spam(spam)
    assert decision.outcome == Outcome.BLOCKED and "#4" in decision.reason
    assert "every mailbox" in decision.reason
    assert decide.spam(incoming(parsed(sender=JANE), known=Known(spam_rules=rules))) is None


def test_list_mail_is_skipped_unless_the_mailbox_imports_it():
    listed = parsed(headers={"List-Id": "<news.example.org>"})
    assert decide.mailing_list(incoming(listed)).outcome == Outcome.LIST_MAIL
    importing = Mailbox(import_list_mail=True)
    assert decide.mailing_list(incoming(listed, mailbox=importing)) is None


def test_a_correspondent_over_the_hourly_limit_is_rate_limited():
    mailbox, known = Mailbox(sender_rate_limit=2), Known()
    decisions = [
        decide.too_many_from_correspondent(
            incoming(parsed(sender=JANE), mailbox=mailbox, known=known)
        )
        for _ in range(3)
    ]
    assert decisions[:2] == [None, None]
    assert decisions[2].outcome == Outcome.RATE_LIMITED and "limit of 2" in decisions[2].reason


def test_a_reply_in_a_known_thread_joins_the_lead():
    lead = Lead(pk=7, name="Jane", email="jane@example.org")
    known = Known()
    known.threads["q1@example.org"] = LeadEmail(pk=1, lead=lead, message_id="q1@example.org")
    reply = incoming(parsed(sender="Someone <else@example.net>", in_reply_to="<q1@example.org>"),
                     known=known)  # fmt: skip
    decision = decide.known_thread(reply)
    assert isinstance(decision, JoinLead) and decision.lead is lead
    assert decide.known_thread(incoming(parsed(sender=JANE), known=known)) is None


def test_mail_from_a_leads_address_joins_the_lead():
    lead = Lead(pk=7, name="Jane", email="jane@example.org")
    known = Known()
    known.leads["jane@example.org"] = lead
    decision = decide.lead_by_correspondent(incoming(parsed(sender=JANE), known=known))
    assert isinstance(decision, JoinLead) and decision.lead is lead and "#7" in decision.reason


def test_mail_from_a_customers_contact_is_a_task_or_a_note():
    contact = Contact(email="jane@example.org", customer=Customer(company="Acme"))
    known = Known()
    known.contacts["jane@example.org"] = contact
    tasks = Mailbox(create_task_if_customer=True)
    as_task = decide.customer_contact(incoming(parsed(sender=JANE), mailbox=tasks, known=known))
    assert isinstance(as_task, FromCustomer) and as_task.outcome == Outcome.TASK_CREATED
    assert as_task.contact is contact and "'Acme'" in as_task.reason
    as_note = decide.customer_contact(incoming(parsed(sender=JANE), known=known))
    assert as_note.outcome == Outcome.CUSTOMER_LOGGED


def test_a_form_notification_is_matched_on_its_visitor():
    lead = Lead(pk=9, name="Visitor", email="visitor@example.com")
    known = Known()
    known.leads["visitor@example.com"] = lead
    details = LeadDetails(fields={"email": Value("visitor@example.com", "form")}, is_form=True)
    form = incoming(parsed(sender="WordPress <wordpress@site.example>"), details=details,
                    known=known)  # fmt: skip
    assert decide.decide(form).outcome == Outcome.LEAD_APPENDED


def test_rules_are_tried_in_order_and_the_first_answer_wins():
    assert [rule.__name__ for rule in decide.RULES] == [
        "older_than_since", "machine_mail", "spam", "mailing_list",
        "too_many_from_correspondent", "known_thread", "lead_by_correspondent",
        "customer_contact",
    ]  # fmt: skip
    # Spam is judged before list mail: a blocked newsletter is 'blocked'.
    rules = [SpamRule(pk=1, type=SpamRule.Type.SENDER, value="news@example.org")]
    newsletter = parsed(sender="news@example.org", headers={"List-Id": "<n.example.org>"})
    decision = decide.decide(incoming(newsletter, known=Known(spam_rules=rules)))
    assert decision.outcome == Outcome.BLOCKED
