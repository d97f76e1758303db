"""Assignment rules: who gets a new lead, and what else a rule sets.

Rules are ordered (the mailbox's own, then global ones) and the first whose
conditions all hold wins. Round-robin keeps its turn counter in the database
and advances it with one atomic UPDATE, so workers assigning at the same time
still take turns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, F, Q

from clearcrm.inbound.decide import Incoming
from clearcrm.inbound.filters import in_domain
from clearcrm.inbound.models import AssignmentRule, Mailbox
from clearcrm.inbound.patterns import search
from clearcrm.leads.models import Lead
from clearcrm.staff.models import active_or_none


@dataclass(slots=True)
class Assignment:
    user: User | None
    rule: AssignmentRule | None = None


def rules_for(mailbox: Mailbox) -> list[AssignmentRule]:
    rules = AssignmentRule.objects.filter(Q(mailbox=mailbox) | Q(mailbox=None), active=True)
    rules = rules.select_related("assignee__staff", "set_status", "set_source")
    rules = rules.prefetch_related("team__staff")
    # The mailbox's own rules come before the global ones.
    return sorted(rules, key=lambda r: (r.mailbox_id is None, r.position, r.pk))


def assign(message: Incoming, rules: list[AssignmentRule], phone_country: str) -> Assignment:
    for rule in rules:
        if conditions_hold(rule, message, phone_country):
            return Assignment(choose(rule), rule)
    return Assignment(active_or_none(message.mailbox.responsible))


def conditions_hold(rule: AssignmentRule, message: Incoming, phone_country: str) -> bool:
    parsed = message.parsed
    recipients = {a.normalized for a in (*parsed.to, *parsed.cc)}
    recipients.update(v.strip().lower() for v in parsed.header_all("delivered-to"))
    checks = [
        (rule.sender, lambda: message.address == rule.sender.strip().lower()),
        (rule.sender_domain, lambda: in_domain(message.address, rule.sender_domain)),
        (rule.to, lambda: rule.to.strip().lower() in recipients),
        (rule.subject_contains, lambda: _contains(parsed.subject, rule.subject_contains)),
        (rule.body_contains, lambda: _contains(parsed.text, rule.body_contains)),
        (rule.regex, lambda: search(rule.regex, parsed.subject) or search(rule.regex, parsed.text)),
        (rule.folder, lambda: message.folder.casefold() == rule.folder.casefold()),
        (rule.phone_country, lambda: phone_country == rule.phone_country.upper()),
    ]
    return all(check() for condition, check in checks if condition)


def _contains(text: str, part: str) -> bool:
    return part.casefold() in text.casefold()


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
