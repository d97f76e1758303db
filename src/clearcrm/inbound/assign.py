"""Assignment rules: who gets a new lead, and what else a rule sets.

Rules are ordered (the mailbox's own, then global ones, see
``AssignmentRule.objects.for_mailbox``) and the first whose conditions all
hold wins. Round-robin keeps its turn counter in the database and advances it
with one atomic UPDATE, so workers assigning at the same time still take turns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, F

from clearcrm.addresses import in_domain, normalize_address
from clearcrm.inbound.message import Incoming
from clearcrm.inbound.models import AssignmentRule
from clearcrm.inbound.safe_regex import search
from clearcrm.leads.models import Lead
from clearcrm.staff.models import active_or_none


@dataclass(slots=True)
class Assignment:
    user: User | None
    rule: AssignmentRule | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the conditions of a rule are checked against, for one message."""

    message: Incoming
    phone_country: str  # ISO code of the extracted phone number, '' when none

    def recipients(self) -> set[str]:
        parsed = self.message.parsed
        found = {a.normalized for a in (*parsed.to, *parsed.cc)}
        found.update(normalize_address(v) for v in parsed.header_all("delivered-to"))
        return found


def _contains(text: str, part: str) -> bool:
    return part.casefold() in text.casefold()


# One check per AssignmentRule.CONDITIONS entry: (the condition's value, the facts) -> holds.
CHECKS: dict[str, Callable[[str, Facts], bool]] = {
    "sender": lambda value, f: f.message.correspondent == normalize_address(value),
    "sender_domain": lambda value, f: in_domain(f.message.correspondent, value),
    "to": lambda value, f: normalize_address(value) in f.recipients(),
    "subject_contains": lambda value, f: _contains(f.message.parsed.subject, value),
    "body_contains": lambda value, f: _contains(f.message.parsed.text, value),
    "regex": lambda value, f: (
        search(value, f.message.parsed.subject) or search(value, f.message.parsed.text)
    ),
    "folder": lambda value, f: f.message.folder.casefold() == value.casefold(),
    "phone_country": lambda value, f: f.phone_country == value.upper(),
}


def assign(message: Incoming, rules: list[AssignmentRule], phone_country: str) -> Assignment:
    facts = Facts(message, phone_country)
    for rule in rules:
        if conditions_hold(rule, facts):
            return Assignment(choose(rule), rule)
    return Assignment(active_or_none(message.mailbox.responsible))


def conditions_hold(rule: AssignmentRule, facts: Facts) -> bool:
    """Every condition the rule sets holds (a rule without conditions always does)."""
    for name in AssignmentRule.CONDITIONS:
        value = getattr(rule, name)
        if value and not CHECKS[name](value, facts):
            return False
    return True


def choose(rule: AssignmentRule) -> User | None:
    if rule.mode == AssignmentRule.Mode.USER:
        return active_or_none(rule.assignee)
    team = sorted((u for u in rule.team.all() if active_or_none(u)), key=lambda u: u.pk)
    if not team:
        return None
    if rule.mode == AssignmentRule.Mode.ROUND_ROBIN:
        return team[(next_turn(rule) - 1) % len(team)]
    return least_busy(team)


def next_turn(rule: AssignmentRule) -> int:
    """Advance the rule's counter; the row lock held until commit serialises workers."""
    AssignmentRule.objects.filter(pk=rule.pk).update(turns=F("turns") + 1)
    return AssignmentRule.objects.values_list("turns", flat=True).get(pk=rule.pk)


def least_busy(team: list[User]) -> User:
    """The member with the fewest open leads (not lost, junk or converted)."""
    open_leads = dict(
        Lead.objects.open()
        .filter(assigned__in=team)
        .values_list("assigned")
        .annotate(n=Count("pk"))
    )
    return min(team, key=lambda u: (open_leads.get(u.pk, 0), u.pk))
