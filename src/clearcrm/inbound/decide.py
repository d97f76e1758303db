"""Stage 4, decide: what one parsed message becomes.

The decision is an ordered list of small rules; the first that answers wins.
Each rule returns a Decision with a reason an admin can read in the ledger,
or None to let the next rule look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from clearcrm.customers.models import Contact
from clearcrm.inbound import criteria
from clearcrm.inbound.extract import LeadDetails
from clearcrm.inbound.filters import blocking_rule
from clearcrm.inbound.models import Mailbox, Outcome
from clearcrm.inbound.parse import Address, ParsedEmail
from clearcrm.leads.models import Lead

if TYPE_CHECKING:
    from clearcrm.inbound.known import Known


@dataclass(slots=True)
class Incoming:
    """A parsed message, where it came from, and what the CRM knows about its sender."""

    mailbox: Mailbox
    parsed: ParsedEmail
    details: LeadDetails
    raw: bytes
    folder: str
    received_at: datetime | None
    known: Known
    size: int = 0
    headers_only: bool = False

    @property
    def contact(self) -> Address | None:
        return self.parsed.reply_address

    @property
    def address(self) -> str:
        return correspondent(self.parsed, self.details)


def correspondent(parsed: ParsedEmail, details: LeadDetails) -> str:
    """Whose message this is: a web form's visitor, else a single Reply-To, else From.

    A form notification comes from the site's mailer; matching leads or customers
    on that address would file every enquiry under the web site itself.
    """
    if email := details.fields.get("email"):
        return email.value
    if details.is_form:
        return ""
    return parsed.reply_address.normalized if parsed.reply_address else ""


@dataclass(slots=True)
class Decision:
    outcome: str
    reason: str
    lead: Lead | None = None
    contact: Contact | None = None
    bounced: tuple[str, ...] = ()


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


def machine_mail(message: Incoming) -> Decision | None:
    """Our own notifications, bounces and auto-replies never become leads."""
    parsed = message.parsed
    verdict = (
        criteria.own_mail(parsed)
        or criteria.bounce(parsed, message.raw)
        or criteria.auto_reply(parsed)
    )
    if verdict is None:
        return None
    return Decision(verdict.kind, verdict.reason, bounced=verdict.bounced)


def spam(message: Incoming) -> Decision | None:
    rule = blocking_rule(message.known.spam_rules, message.parsed)
    if rule is None:
        return None
    scope = f"mailbox {message.mailbox.name!r}" if rule.mailbox_id else "every mailbox"
    return Decision(Outcome.BLOCKED, f"Blocked by spam rule #{rule.pk} ({rule}) for {scope}.")


def mailing_list(message: Incoming) -> Decision | None:
    if message.mailbox.import_list_mail:
        return None
    verdict = criteria.list_mail(message.parsed)
    if verdict is None:
        return None
    return Decision(
        Outcome.LIST_MAIL,
        f"{verdict.reason} The mailbox does not import mailing-list mail.",
    )


def too_many_from_sender(message: Incoming) -> Decision | None:
    """A loop guard: a sender past the hourly limit creates nothing more for now."""
    if not message.address:
        return None
    limit = message.mailbox.sender_rate_limit
    sent = message.known.count_sent(message.address)
    if sent <= limit:
        return None
    return Decision(
        Outcome.RATE_LIMITED,
        f"{message.address} sent {sent} messages within 60 minutes, more than the mailbox's "
        f"limit of {limit}.",
    )


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


RULES: list[Rule] = [
    older_than_since,
    machine_mail,
    spam,
    mailing_list,
    too_many_from_sender,
    known_thread,
    lead_by_sender,
    customer_contact,
]


def decide(message: Incoming) -> Decision:
    for rule in RULES:
        decision = rule(message)
        if decision is not None:
            return decision
    return new_lead(message)
