"""Spam rules: which mail is blocked, and which is allowed whatever the block list says."""

from __future__ import annotations

from collections.abc import Iterable

from clearcrm.inbound.models import SpamRule
from clearcrm.inbound.parse import ParsedEmail
from clearcrm.inbound.patterns import MAX_SEARCHED_CHARS, search


def in_domain(address: str, domain: str) -> bool:
    """Whether an address belongs to a domain or one of its subdomains."""
    own = address.rpartition("@")[2].lower()
    domain = domain.lower().lstrip("@").strip(".")
    return bool(domain) and (own == domain or own.endswith("." + domain))


def matches(rule: SpamRule, parsed: ParsedEmail) -> bool:
    # Both the From address and a Reply-To that stands for the sender count.
    senders = {a.normalized for a in (parsed.sender, parsed.reply_address) if a and a.normalized}
    value = rule.value.strip()
    if rule.type == SpamRule.Type.SENDER:
        return value.lower() in senders
    if rule.type == SpamRule.Type.DOMAIN:
        return any(in_domain(sender, value) for sender in senders)
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
