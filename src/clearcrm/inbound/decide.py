"""Stage 4, decide: what one parsed message becomes.

The decision is an ordered list of small rules; the first that answers wins.
Each rule returns a Decision with a reason an admin can read in the ledger,
or None to let the next rule look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from clearcrm.customers.models import Contact
from clearcrm.inbound.known import Known
from clearcrm.inbound.models import Mailbox, Outcome
from clearcrm.inbound.parse import Address, ParsedEmail
from clearcrm.leads.models import Lead


@dataclass(slots=True)
class Incoming:
    """A parsed message, where it came from, and what the CRM knows about its sender."""

    mailbox: Mailbox
    parsed: ParsedEmail
    folder: str
    received_at: datetime | None
    known: Known
    size: int = 0
    headers_only: bool = False

    @property
    def contact(self) -> Address | None:
        return self.parsed.contact

    @property
    def address(self) -> str:
        contact = self.parsed.contact
        return contact.normalized if contact else ""


@dataclass(slots=True)
class Decision:
    outcome: str
    reason: str
    lead: Lead | None = None
    contact: Contact | None = None


Rule = Callable[[Incoming], Decision | None]


def older_than_since(message: Incoming) -> Decision | None:
    """Mail from before 'import since' is never imported, judged by both dates.

    The server's date can be recent for old mail that was migrated, so the
    Date header counts too.
    """
    since = message.mailbox.since
    if since is None:
        return None
    for label, when in (("received", message.received_at), ("dated", message.parsed.date)):
        if when is not None and when.date() < since:
            return Decision(
                Outcome.SKIPPED_OLD,
                f"The message was {label} {when:%Y-%m-%d}, before the mailbox's "
                f"'import mail received since' date {since:%Y-%m-%d}.",
            )
    return None


def known_thread(message: Incoming) -> Decision | None:
    """A reply to an email of a lead's conversation joins that conversation."""
    ids = [*message.parsed.in_reply_to, *reversed(message.parsed.references)]
    if not ids:
        return None
    earlier = message.known.lead_email_in_thread(ids)
    if earlier is None:
        return None
    return Decision(
        Outcome.LEAD_APPENDED,
        f"It replies to the email {earlier.message_id!r} of lead #{earlier.lead_id}.",
        lead=earlier.lead,
    )


def lead_by_sender(message: Incoming) -> Decision | None:
    """Mail from an existing lead's address joins that lead's conversation."""
    lead = message.known.lead(message.address)
    if lead is None:
        return None
    return Decision(
        Outcome.LEAD_APPENDED,
        f"The sender {message.address} is the email of lead #{lead.pk}.",
        lead=lead,
    )


def customer_contact(message: Incoming) -> Decision | None:
    """Mail from a customer's contact becomes a task, or a note on the customer."""
    contact = message.known.contact(message.address)
    if contact is None:
        return None
    company = contact.customer.company
    if message.mailbox.create_task_if_customer:
        return Decision(
            Outcome.TASK_CREATED,
            f"The sender is a contact of customer {company!r}, and the mailbox creates tasks "
            "for customers.",
            contact=contact,
        )
    return Decision(
        Outcome.CUSTOMER_LOGGED,
        f"The sender is a contact of customer {company!r}; the mailbox does not create tasks, "
        "so the email is logged on the customer.",
        contact=contact,
    )


def new_lead(message: Incoming) -> Decision:
    who = message.address or "an unknown sender"
    return Decision(Outcome.LEAD_CREATED, f"No lead or customer matches {who}: a new lead.")


RULES: list[Rule] = [older_than_since, known_thread, lead_by_sender, customer_contact]


def decide(message: Incoming) -> Decision:
    for rule in RULES:
        decision = rule(message)
        if decision is not None:
            return decision
    return new_lead(message)
