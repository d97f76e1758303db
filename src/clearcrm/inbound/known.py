"""What the CRM already knows when a batch of messages comes in.

Deciding a message needs lookups (a lead by thread, a lead by address, a
customer contact by address, how much a sender sent lately, the mailbox's
spam and assignment rules) and creating a lead needs the default status and
source. Done per message that is a handful of queries each; here they are
loaded once per batch, and kept current as the batch goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from clearcrm.customers.models import Contact
from clearcrm.inbound.models import AssignmentRule, LedgerEntry, Mailbox, Outcome, SpamRule
from clearcrm.inbound.parse import ParsedEmail
from clearcrm.leads.models import Lead, LeadEmail, LeadSource, LeadStatus

QUERY_CHUNK = 500
RATE_WINDOW = timedelta(minutes=60)


class Known:
    """Lookups by correspondent address and by thread, and the rules of one mailbox.

    Made empty (``Known()``) it knows nothing, which is what the decision rules'
    unit tests give them.
    """

    def __init__(
        self,
        *,
        spam_rules: Iterable[SpamRule] = (),
        assignment_rules: Iterable[AssignmentRule] = (),
    ) -> None:
        self.leads: dict[str, Lead] = {}
        self.contacts: dict[str, Contact] = {}
        self.threads: dict[str, LeadEmail] = {}
        self.sent_lately: Counter[str] = Counter()
        self.spam_rules = list(spam_rules)
        self.assignment_rules = list(assignment_rules)
        self._status: LeadStatus | None = None
        self._source: LeadSource | None = None

    @classmethod
    def about(cls, mailbox: Mailbox, addresses: set[str], messages: Iterable[ParsedEmail]) -> Known:
        """Load what is known about these correspondents and the threads of these messages."""
        known = cls(
            spam_rules=SpamRule.objects.for_mailbox(mailbox),
            assignment_rules=AssignmentRule.objects.for_mailbox(mailbox),
        )
        addresses, ids = addresses - {""}, set()
        for parsed in messages:
            ids.update(parsed.in_reply_to)
            ids.update(parsed.references)
        for chunk in _chunks(addresses):
            # Oldest first, so the newest lead of an address wins.
            for lead in Lead.objects.filter(email__in=chunk).order_by("created", "pk"):
                known.leads[lead.email] = lead
            contacts = Contact.objects.filter(email__in=chunk)
            for contact in contacts.select_related("customer__account_manager"):
                known.contacts[contact.email] = contact
            recent = LedgerEntry.objects.filter(
                sender_address__in=chunk,
                created__gte=timezone.now() - RATE_WINDOW,
                duplicate_of=None,
            ).exclude(outcome=Outcome.PENDING)
            for address, n in recent.values_list("sender_address").annotate(n=Count("pk")):
                known.sent_lately[address] = n
        for chunk in _chunks(ids):
            emails = LeadEmail.objects.filter(message_id__in=chunk).select_related("lead")
            for email in emails.order_by("sent_at", "pk"):
                known.threads[email.message_id] = email
        return known

    def lead_email_in_thread(self, ids: list[str]) -> LeadEmail | None:
        """The latest known email among the ids a message replies to."""
        found = [self.threads[i] for i in ids if i in self.threads]
        return max(found, key=lambda e: (e.sent_at is not None, e.sent_at, e.pk), default=None)

    def lead(self, address: str) -> Lead | None:
        return self.leads.get(address) if address else None

    def contact(self, address: str) -> Contact | None:
        return self.contacts.get(address) if address else None

    def count_sent(self, address: str) -> int:
        """Count one more message from a correspondent; returns how many in the last hour."""
        self.sent_lately[address] += 1
        return self.sent_lately[address]

    def remember(self, lead: Lead | None, email: LeadEmail | None) -> None:
        """Record what a committed message created, for the rest of the batch."""
        if lead is not None and lead.email:
            self.leads.setdefault(lead.email, lead)
        if email is not None and email.message_id:
            self.threads[email.message_id] = email

    @property
    def default_status(self) -> LeadStatus:
        self._status = self._status or LeadStatus.default()
        return self._status

    @property
    def default_source(self) -> LeadSource:
        self._source = self._source or LeadSource.default()
        return self._source


def _chunks(values: set[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), QUERY_CHUNK):
        yield ordered[start : start + QUERY_CHUNK]
