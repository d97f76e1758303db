"""Spam rules over parsed messages (inbound.spam). No server, no database."""

import pytest

from clearcrm.inbound.models import SpamRule
from clearcrm.inbound.parse import parse_message
from clearcrm.inbound.spam import blocking_rule, header_addresses, matches
from tests.support.messages import message


def rule(type_: str, value: str, *, allow: bool = False) -> SpamRule:
    return SpamRule(type=type_, value=value, allow=allow)


def test_sender_and_domain_rules_match_the_sender_or_the_reply_address():
    parsed = parse_message(message(sender="Ann <Ann@Cheap.example>", reply_to="b@other.example"))
    assert header_addresses(parsed) == {"ann@cheap.example", "b@other.example"}
    assert matches(rule("sender", " ANN@cheap.example "), parsed)
    assert matches(rule("domain", "other.example"), parsed)
    assert not matches(rule("domain", "example"), parse_message(message(sender="x@notexample")))


@pytest.mark.parametrize(
    ("type_", "value"),
    [("subject", "FREE money"), ("phrase", "wire transfer"), ("regex", r"fr[e3]{2}\s+money")],
)
def test_text_rules(type_, value):
    parsed = parse_message(message(subject="Free Money now", body="Send a wire transfer today."))
    assert matches(rule(type_, value), parsed)
    assert not matches(rule(type_, value), parse_message(message(subject="Quote", body="Hi")))


def test_an_allow_rule_wins_over_every_block_rule():
    parsed = parse_message(message(sender="boss@partner.example", subject="Free money"))
    block = rule("subject", "free money")
    assert blocking_rule([block], parsed) is block
    assert (
        blocking_rule([block, rule("sender", "boss@partner.example", allow=True)], parsed) is None
    )
