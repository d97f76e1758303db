"""Stage 4, decide: what one parsed message becomes.

The decision is an ordered list of small rules; the first that answers wins.
Each rule returns a Decision with a reason an admin can read in the ledger,
or None to let the next rule look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clearcrm.customers.models import Contact
from clearcrm.inbound.machine_mail import auto_reply, bounce, list_mail, own_mail
from clearcrm.inbound.message import Incoming
from clearcrm.inbound.models import Outcome
from clearcrm.inbound.spam import blocking_rule
from clearcrm.leads.models import Lead


@dataclass(frozen=True, slots=True)
class Decision:
    """An outcome that needs nothing more than its reason (a new lead, a skip, a block...)."""

    outcome: str
    reason: str


@dataclass(frozen=True, slots=True)
class JoinLead(Decision):
    """The message joins this lead's conversation (``Outcome.LEAD_APPENDED``)."""

    lead: Lead


@dataclass(frozen=True, slots=True)
class FromCustomer(Decision):
    """The correspondent is this contact: a task or a note on its customer."""

    contact: Contact


@dataclass(frozen=True, slots=True)
class Bounce(Decision):
    """A delivery report; ``bounced`` lists the permanently failed addresses."""

    bounced: tuple[str, ...]


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
    if verdict := own_mail(parsed):
        return Decision(Outcome.OWN_MAIL, verdict.reason)
    if verdict := bounce(parsed, message.raw):
        return Bounce(Outcome.BOUNCE, verdict.reason, verdict.bounced)
    if verdict := auto_reply(parsed):
        return Decision(Outcome.AUTO_REPLY, verdict.reason)
    return None


def spam(message: Incoming) -> Decision | None:
    rule = blocking_rule(message.known.spam_rules, message.parsed)
    if rule is None:
        return None
    scope = f"mailbox {message.mailbox.name!r}" if rule.mailbox_id else "every mailbox"
    return Decision(Outcome.BLOCKED, f"Blocked by spam rule #{rule.pk} ({rule}) for {scope}.")


def mailing_list(message: Incoming) -> Decision | None:
    if message.mailbox.import_list_mail:
        return None
    verdict = list_mail(message.parsed)
    if verdict is None:
        return None
    return Decision(
        Outcome.LIST_MAIL,
        f"{verdict.reason} The mailbox does not import mailing-list mail.",
    )


def too_many_from_correspondent(message: Incoming) -> Decision | None:
    """A loop guard: a correspondent past the hourly limit creates nothing more for now."""
    address = message.correspondent
    if not address:
        return None
    limit = message.mailbox.sender_rate_limit
    sent = message.known.count_sent(address)
    if sent <= limit:
        return None
    return Decision(
        Outcome.RATE_LIMITED,
        f"{address} sent {sent} messages within 60 minutes, more than the mailbox's "
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
    return JoinLead(
        Outcome.LEAD_APPENDED,
        f"It replies to the email {earlier.message_id!r} of lead #{earlier.lead_id}.",
        lead=earlier.lead,
    )


def lead_by_correspondent(message: Incoming) -> Decision | None:
    """Mail from an existing lead's address joins that lead's conversation."""
    lead = message.known.lead(message.correspondent)
    if lead is None:
        return None
    return JoinLead(
        Outcome.LEAD_APPENDED,
        f"The sender {message.correspondent} is the email of lead #{lead.pk}.",
        lead=lead,
    )


def customer_contact(message: Incoming) -> Decision | None:
    """Mail from a customer's contact becomes a task, or a note on the customer."""
    contact = message.known.contact(message.correspondent)
    if contact is None:
        return None
    company = contact.customer.company
    if message.mailbox.create_task_if_customer:
        return FromCustomer(
            Outcome.TASK_CREATED,
            f"The sender is a contact of customer {company!r}, and the mailbox creates tasks "
            "for customers.",
            contact=contact,
        )
    return FromCustomer(
        Outcome.CUSTOMER_LOGGED,
        f"The sender is a contact of customer {company!r}; the mailbox does not create tasks, "
        "so the email is logged on the customer.",
        contact=contact,
    )


def new_lead(message: Incoming) -> Decision:
    who = message.correspondent or "an unknown sender"
    return Decision(Outcome.LEAD_CREATED, f"No lead or customer matches {who}: a new lead.")


RULES: list[Rule] = [
    older_than_since,
    machine_mail,
    spam,
    mailing_list,
    too_many_from_correspondent,
    known_thread,
    lead_by_correspondent,
    customer_contact,
]


def decide(message: Incoming) -> Decision:
    """The first answer of RULES, else a new lead."""
    for rule in RULES:
        decision = rule(message)
        if decision is not None:
            return decision
    return new_lead(message)
