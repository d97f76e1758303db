"""Spam rules: which mail is blocked, and which is allowed whatever the block list says.

Admins write regular expressions, and one like `(a+)+$` can take forever on a
crafted message; every match runs with a time limit (the `regex` module's
timeout), so a bad pattern costs milliseconds, never a hung worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import regex

from clearcrm.inbound.models import SpamRule
from clearcrm.inbound.parse import ParsedEmail

log = logging.getLogger(__name__)

MATCH_SECONDS = 0.05
# Only the start of a long body is searched: enough for any spam phrase, and it
# bounds the work per message.
MAX_SEARCHED_CHARS = 100_000


def pattern_error(pattern: str) -> str:
    """Why a regular expression cannot be used, or '' when it can."""
    if len(pattern) > 500:
        return "Keep the pattern under 500 characters."
    try:
        regex.compile(pattern)
    except regex.error as exc:
        return f"Not a valid regular expression: {exc}."
    return ""


def search(pattern: str, text: str) -> bool:
    """Whether pattern matches text (case-insensitive); a pattern that runs too long doesn't."""
    try:
        return bool(
            regex.search(
                pattern, text[:MAX_SEARCHED_CHARS], regex.IGNORECASE, timeout=MATCH_SECONDS
            )
        )
    except TimeoutError:
        log.warning("regular expression %r took too long and was skipped", pattern)
        return False
    except regex.error:
        return False


def in_domain(address: str, domain: str) -> bool:
    """Whether an address belongs to a domain or one of its subdomains."""
    own = address.rpartition("@")[2].lower()
    domain = domain.lower().lstrip("@").strip(".")
    return bool(domain) and (own == domain or own.endswith("." + domain))


def matches(rule: SpamRule, parsed: ParsedEmail) -> bool:
    # Both the From address and a Reply-To that stands for the sender count.
    senders = {a.normalized for a in (parsed.sender, parsed.contact) if a and a.normalized}
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
