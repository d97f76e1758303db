"""Who a message is from: sender, reply address, correspondent (inbound.message)."""

import pytest

from clearcrm.inbound.extract import LeadDetails, Value
from clearcrm.inbound.message import correspondent
from clearcrm.inbound.parse import parse_message
from tests.support.messages import message


@pytest.mark.parametrize(
    ("reply_to", "expected"),
    [
        (None, "jane@example.org"),
        ("Visitor <Visitor@Example.COM>", "visitor@example.com"),
        ("a@example.com, b@example.com", "jane@example.org"),  # a list is not a person
    ],
)
def test_the_correspondent_of_an_email_is_its_reply_address(reply_to, expected):
    parsed = parse_message(message(sender="Jane <Jane@Example.org>", reply_to=reply_to))
    assert parsed.sender.email == "Jane@Example.org"
    assert correspondent(parsed, LeadDetails()) == expected


def test_the_correspondent_of_a_form_notification_is_its_visitor():
    parsed = parse_message(message(sender="WordPress <wordpress@site.example>"))
    visitor = LeadDetails(fields={"email": Value("visitor@example.com", "form")}, is_form=True)
    assert correspondent(parsed, visitor) == "visitor@example.com"
    # A form without the visitor's address is nobody's: never the site's mailer.
    assert correspondent(parsed, LeadDetails(is_form=True)) == ""
