"""Spam rules: which mail is blocked, and which is allowed whatever the block list says.

Spam is judged on what the message's headers claim: a rule of type "sender"
or "domain" matches the sender (From) or the reply address (a single
Reply-To), not a web form's visitor (see ``inbound.message``).
"""

from __future__ import annotations

from collections.abc import Iterable

from clearcrm.addresses import in_domain, normalize_address
from clearcrm.inbound.models import SpamRule
from clearcrm.inbound.parse import ParsedEmail
from clearcrm.inbound.safe_regex import MAX_SEARCHED_CHARS, search


def header_addresses(parsed: ParsedEmail) -> set[str]:
    """The normalised sender and reply addresses of a message."""
    return {a.normalized for a in (parsed.sender, parsed.reply_address) if a and a.normalized}


def matches(rule: SpamRule, parsed: ParsedEmail) -> bool:
    value = rule.value.strip()
    if rule.type == SpamRule.Type.SENDER:
        return normalize_address(value) in header_addresses(parsed)
    if rule.type == SpamRule.Type.DOMAIN:
        return any(in_domain(address, value) for address in header_addresses(parsed))
    if rule.type == SpamRule.Type.SUBJECT:
        return value.casefold() in parsed.subject.casefold()
    if rule.type == SpamRule.Type.PHRASE:
        return value.casefold() in parsed.text[:MAX_SEARCHED_CHARS].casefold()
    return search(value, parsed.subject) or search(value, parsed.text)


def blocking_rule(rules: Iterable[SpamRule], parsed: ParsedEmail) -> SpamRule | None:
    """The block rule a message matches, unless an allow rule matches it too."""
    rules = list(rules)
    if any(rule.allow and matches(rule, parsed) for rule in rules):
        return None
    return next((r for r in rules if not r.allow and matches(r, parsed)), None)
