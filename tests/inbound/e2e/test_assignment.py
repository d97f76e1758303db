"""Assignment rules decide who gets a new lead; the first matching rule wins."""

from collections import Counter

import pytest
from django.contrib.auth.models import User

from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import AssignmentRule, Mailbox
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from tests.inbound.e2e.conftest import import_at_once
from tests.support.messages import message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff():
    return {name: User.objects.create_user(name, f"{name}@clearcrm.test") for name in "abc"}


def rule(name: str, mailbox=None, team=(), **fields) -> AssignmentRule:
    last = AssignmentRule.objects.count()
    created = AssignmentRule.objects.create(name=name, mailbox=mailbox, position=last, **fields)
    created.team.set(team)
    return created


def lead_by_subject(subject: str) -> Lead:
    return Lead.objects.get(emails__subject=subject)


@pytest.mark.parametrize(
    ("condition", "mail", "other_mail"),
    [
        ({"sender_domain": "acme.de"}, {"sender": "x@sales.acme.de"}, {"sender": "x@acme.com"}),
        ({"sender": "vip@big.example"}, {"sender": "VIP@big.example"}, {"sender": "v@big.example"}),
        ({"to": "sales-de@clearcrm.test"}, {"to": "Sales DE <sales-de@clearcrm.test>"},
         {"to": "sales-uk@clearcrm.test"}),
        ({"subject_contains": "angebot"}, {"subject": "Ihr ANGEBOT"}, {"subject": "Quote"}),
        ({"body_contains": "enterprise"}, {"body": "We want the Enterprise plan"},
         {"body": "Small team"}),
        ({"regex": r"\b\d{3,} (seats|users)\b"}, {"body": "about 250 seats"}, {"body": "a few"}),
        ({"phone_country": "DE"}, {"body": "Hallo\n\nJürgen Müller\nTel. +49 30 12345678\n"},
         {"body": "Hi\n\nJohn Smith\nPhone: +44 20 7946 0958\n"}),
    ],
)  # fmt: skip
def test_each_condition(make_mailbox, put, staff, condition, mail, other_mail):
    mailbox = make_mailbox(responsible=staff["c"])
    rule("German enquiries", mailbox, mode="user", assignee=staff["a"], **condition)
    put(message(subject=mail.pop("subject", "matching"), **mail))
    put(message(subject=other_mail.pop("subject", "other"), **other_mail))
    import_mailbox(mailbox)
    matching = Lead.objects.get(assigned=staff["a"])
    other = Lead.objects.exclude(pk=matching.pk).get()
    assert other.assigned == staff["c"], "no rule matched: the mailbox's responsible"
    assert matching.activities.filter(text="Assigned to a by rule 'German enquiries'").exists()


def test_conditions_combine_with_and(make_mailbox, put, staff):
    mailbox = make_mailbox()
    rule("both", mailbox, assignee=staff["a"], sender_domain="acme.de", subject_contains="quote")
    put(message(sender="x@acme.de", subject="quote please"))
    put(message(sender="y@acme.de", subject="hello"))
    import_mailbox(mailbox)
    assert lead_by_subject("quote please").assigned == staff["a"]
    assert lead_by_subject("hello").assigned is None


def test_folder_condition_and_first_match_wins(make_mailbox, put, staff):
    mailbox = make_mailbox(folders=["INBOX", "Partners"])
    rule("partners", mailbox, assignee=staff["b"], folder="Partners")
    rule("catch-all", mailbox, assignee=staff["a"])
    put(message(subject="from inbox"))
    put(message(subject="from partners"), folder="Partners")
    import_mailbox(mailbox)
    assert lead_by_subject("from partners").assigned == staff["b"]
    assert lead_by_subject("from inbox").assigned == staff["a"]


def test_mailbox_rules_come_before_global_ones(make_mailbox, put, staff):
    mailbox = make_mailbox()
    rule("global", None, assignee=staff["a"])
    rule("own", mailbox, assignee=staff["b"])
    put(message())
    import_mailbox(mailbox)
    assert Lead.objects.get().assigned == staff["b"]


def test_rule_actions_set_status_source_public_and_note(make_mailbox, put, staff):
    mailbox = make_mailbox(mark_public=False)
    rule(
        "hot",
        mailbox,
        assignee=staff["a"],
        set_status=LeadStatus.objects.get(name="Qualified"),
        set_source=LeadSource.objects.get(name="Referral"),
        set_public=True,
        add_note="Call within the hour.",
    )
    put(message())
    import_mailbox(mailbox)
    lead = Lead.objects.get()
    assert (lead.status.name, lead.source.name, lead.is_public) == ("Qualified", "Referral", True)
    assert lead.notes.get().text == "Call within the hour."


def test_round_robin_takes_turns(make_mailbox, put, staff):
    mailbox = make_mailbox()
    rule("team", mailbox, mode="round_robin", team=staff.values())
    for i in range(6):
        put(message(subject=f"m{i}"))
    import_mailbox(mailbox)
    order = [lead_by_subject(f"m{i}").assigned.username for i in range(6)]
    assert order == ["a", "b", "c", "a", "b", "c"]


def test_least_busy_counts_open_leads(make_mailbox, put, staff):
    status, source = LeadStatus.default(), LeadSource.default()
    for _ in range(3):
        Lead.objects.create(name="open", status=status, source=source, assigned=staff["a"])
    Lead.objects.create(name="open", status=status, source=source, assigned=staff["b"])
    for _ in range(5):  # lost leads do not count
        Lead.objects.create(
            name="l", status=status, source=source, assigned=staff["c"], is_lost=True
        )
    mailbox = make_mailbox()
    rule("team", mailbox, mode="least_busy", team=staff.values())
    put(message(subject="first"))
    put(message(subject="second"))
    import_mailbox(mailbox)
    assert lead_by_subject("first").assigned == staff["c"]  # a: 3, b: 1, c: 0 open
    assert lead_by_subject("second").assigned == staff["b"]  # b: 1, c: 1, the first on ties


def test_inactive_staff_are_skipped(make_mailbox, put, staff):
    staff["b"].is_active = False
    staff["b"].save()
    staff["c"].staff.active = False
    staff["c"].staff.save()
    mailbox = make_mailbox()
    rule("team", mailbox, mode="round_robin", team=staff.values())
    for i in range(3):
        put(message(subject=f"m{i}"))
    import_mailbox(mailbox)
    assert {lead.assigned.username for lead in Lead.objects.all()} == {"a"}


def test_two_workers_share_round_robin_fairly(make_mailbox, put, staff, dovecot):
    """200 leads, two mailboxes imported at the same time, one global round-robin rule."""
    rule("everyone", None, mode="round_robin", team=staff.values())
    first = make_mailbox()
    login, password = dovecot.new_user()
    second = Mailbox(name="Second", host="localhost", port=dovecot.ssl_port, login=login)
    second.password = password
    second.save()
    dovecot.append_many(first.login, first.password, "INBOX", [message() for _ in range(100)])
    dovecot.append_many(login, password, "INBOX", [message() for _ in range(100)])

    import_at_once([first, second])
    counts = Counter(Lead.objects.values_list("assigned__username", flat=True))
    assert sum(counts.values()) == 200
    assert max(counts.values()) - min(counts.values()) <= 1, counts
