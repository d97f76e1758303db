"""Assignment rule conditions over parsed messages (inbound.assign). No server, no database."""

import pytest

from clearcrm.inbound.assign import CHECKS, Facts, conditions_hold
from clearcrm.inbound.extract import LeadDetails, Value
from clearcrm.inbound.models import AssignmentRule
from clearcrm.inbound.parse import parse_message
from tests.support.incoming import incoming
from tests.support.messages import message


def facts(phone_country: str = "", details: LeadDetails | None = None, **kwargs) -> Facts:
    return Facts(incoming(parse_message(message(**kwargs)), details=details, folder="Web"),
                 phone_country)  # fmt: skip


def test_every_condition_has_a_check():
    assert tuple(CHECKS) == AssignmentRule.CONDITIONS


@pytest.mark.parametrize(
    ("condition", "value", "holds", "fails"),
    [
        ("sender", "VIP@big.example", {"sender": "vip@big.example"}, {"sender": "v@big.example"}),
        ("sender_domain", "acme.de", {"sender": "x@sales.acme.de"}, {"sender": "x@acme.com"}),
        ("to", "Sales-DE@x.example", {"to": "sales-de@x.example"}, {"to": "sales@x.example"}),
        ("subject_contains", "QUOTE", {"subject": "A quote"}, {"subject": "Hello"}),
        ("body_contains", "chairs", {"body": "40 Chairs"}, {"body": "tables"}),
        ("regex", r"\bdemo\b", {"subject": "Demo please"}, {"subject": "demolition"}),
    ],
)
def test_each_condition(condition, value, holds, fails):
    rule = AssignmentRule(name="r", **{condition: value})
    assert conditions_hold(rule, facts(**holds))
    assert not conditions_hold(rule, facts(**fails))


def test_folder_phone_country_and_a_rule_without_conditions():
    assert conditions_hold(AssignmentRule(name="r", folder="web"), facts())
    assert not conditions_hold(AssignmentRule(name="r", folder="INBOX"), facts())
    assert conditions_hold(AssignmentRule(name="r", phone_country="de"), facts("DE"))
    assert not conditions_hold(AssignmentRule(name="r", phone_country="DE"), facts("AT"))
    assert conditions_hold(AssignmentRule(name="always"), facts())


def test_sender_is_the_correspondent_a_forms_visitor():
    visitor = LeadDetails(fields={"email": Value("vip@big.example", "form")}, is_form=True)
    rule = AssignmentRule(name="r", sender="vip@big.example")
    assert conditions_hold(rule, facts(details=visitor, sender="forms@site.example"))
