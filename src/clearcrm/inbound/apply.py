"""Stage 5, apply: create what a decision says, inside the caller's transaction.

Each handler creates the records for one outcome and returns what it created,
so the ledger entry can link to it. Nothing here talks to the IMAP server or
sends mail; that happens after the commit (see postactions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.utils import timezone

from clearcrm.attachments.models import attach
from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound import notify
from clearcrm.inbound.assign import assign
from clearcrm.inbound.decide import Decision, Incoming
from clearcrm.inbound.extract import LeadDetails, Value
from clearcrm.inbound.models import Outcome
from clearcrm.leads import services as leads
from clearcrm.leads.models import Lead, LeadEmail
from clearcrm.staff.models import active_or_none, display_name
from clearcrm.tasks import services as tasks
from clearcrm.tasks.models import Task
from clearcrm.timeline.services import add_note, log_activity

MAX_DESCRIPTION = 20_000
MAX_ADDRESSES_TEXT = 2_000


@dataclass(slots=True)
class Effects:
    """What applying a decision created, for the ledger entry's links."""

    lead: Lead | None = None
    lead_email: LeadEmail | None = None
    task: Task | None = None
    customer: Customer | None = None

    def links(self) -> dict:
        return {
            "lead": self.lead,
            "lead_email": self.lead_email,
            "task": self.task,
            "customer": self.customer,
        }


def apply(message: Incoming, decision: Decision) -> Effects:
    handler = HANDLERS.get(decision.outcome)
    return handler(message, decision) if handler else Effects()


def create_lead(message: Incoming, decision: Decision) -> Effects:
    mailbox, details = message.mailbox, message.details
    phone = details.fields.get("phone")
    assignment = assign(message, message.known.assignment_rules, phone_country(phone))
    rule = assignment.rule
    filled = describe_filled(details)
    lead = leads.create_lead(
        **filled_fields(details),
        name=sender_name(message),
        email=sender_email(message),
        phone_display=phone.display if phone else "",
        extra=details.extra,
        status=(rule and rule.set_status) or mailbox.default_status or message.known.default_status,
        source=(rule and rule.set_source) or mailbox.default_source or message.known.default_source,
        assigned=assignment.user,
        is_public=mailbox.mark_public
        if rule is None or rule.set_public is None
        else rule.set_public,
        description=lead_description(message)[:MAX_DESCRIPTION],
        mailbox=mailbox,
        last_contact=sent_at(message),
        activity=f"Lead created from an email to mailbox {mailbox.name!r}"
        + (f" (filled automatically: {filled})" if filled else "")
        + f": {subject(message)}",
        notify_assignee=False,  # the mailbox's notification settings decide, below
    )
    email = add_to_conversation(lead, message, activity=False)
    if rule is not None:
        who = display_name(assignment.user) if assignment.user else "nobody"
        log_activity(lead, f"Assigned to {who} by rule {rule.name!r}")
        if rule.add_note:
            add_note(lead, rule.add_note, author=None)
    notify.lead_imported(mailbox, lead)
    return Effects(lead=lead, lead_email=email)


def filled_fields(details: LeadDetails) -> dict[str, str]:
    """Lead columns filled from the extracted details (name and email are chosen apart)."""
    return {
        name: details.fields[name].value[: Lead._meta.get_field(name).max_length]
        for name in COPIED_FIELDS
        if name in details.fields
    }


def describe_filled(details: LeadDetails) -> str:
    """'phone (signature), company (form)': what the lead's log says was filled, and from where."""
    wording = {"form_id": "form field", "form": "form", "header": "email header",
               "signature": "signature", "address": "email address"}  # fmt: skip
    return ", ".join(
        f"{name} ({wording.get(value.source, value.source)})"
        for name, value in details.fields.items()
        if name in (*COPIED_FIELDS, "name", "email") and value.source != "header"
    )


def lead_description(message: Incoming) -> str:
    """A form's message, else the email's body; values that failed validation follow."""
    details = message.details
    message_field = details.fields.get("description") if details.is_form else None
    text = message_field.value if message_field else body_text(message)
    if details.invalid:
        lines = "\n".join(f"{label}: {value}" for label, value in details.invalid)
        text += f"\n\nValues that could not be used as they are:\n{lines}"
    return text


def phone_country(phone: Value | None) -> str:
    """The ISO region of an E.164 number, '' when unknown."""
    if phone is None:
        return ""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone.value)) or ""
    except phonenumbers.NumberParseException:
        return ""


def append_to_lead(message: Incoming, decision: Decision) -> Effects:
    lead = decision.lead
    email = add_to_conversation(lead, message, activity=True)
    notify.lead_wrote_again(message.mailbox, lead, subject(message))
    return Effects(lead=lead, lead_email=email)


def create_task(message: Incoming, decision: Decision) -> Effects:
    """A task about the customer, for its account manager (else the mailbox's responsible)."""
    customer = decision.contact.customer
    assignee = active_or_none(customer.account_manager) or active_or_none(
        message.mailbox.responsible
    )
    task = tasks.create_task(
        title=f"{sender_name(message)} - {sender_email(message)}",
        description=f"Subject: {subject(message)}\n\n{body_text(message)}"[:MAX_DESCRIPTION],
        customer=customer,
        assignees=[assignee],
        attachments=message.parsed.attachments,
        activity=f"Task created from an email: {subject(message)}",
    )
    return Effects(task=task, customer=customer)


def log_on_customer(message: Incoming, decision: Decision) -> Effects:
    customer = decision.contact.customer
    text = (
        f"Email from {sender_name(message)} <{sender_email(message)}>\n"
        f"Subject: {subject(message)}\n\n{body_text(message)}"
    )
    add_note(customer, text[:MAX_DESCRIPTION], author=None)
    for part in message.parsed.attachments:
        attach(customer, part)
    log_activity(customer, f"Email received from {sender_email(message)}: {subject(message)}")
    return Effects(customer=customer)


def record_bounce(message: Incoming, decision: Decision) -> Effects:
    """A bounce for a lead's or contact's address goes on that record's activity log."""
    effects = Effects()
    for address in decision.bounced:
        for lead in Lead.objects.filter(email=address):
            log_activity(lead, f"Email to {address} bounced: {subject(message)}")
            effects.lead = effects.lead or lead
        for contact in Contact.objects.filter(email=address).select_related("customer"):
            log_activity(contact.customer, f"Email to {address} bounced: {subject(message)}")
            effects.customer = effects.customer or contact.customer
    return effects


def warn_rate_limited(message: Incoming, decision: Decision) -> Effects:
    """Tell the admins once, when a sender first goes over the hourly limit."""
    limit = message.mailbox.sender_rate_limit
    if message.known.sent_lately[message.address] == limit + 1:
        notify.sender_rate_limited(message.mailbox, message.address, limit)
    return Effects()


HANDLERS: dict[str, Callable[[Incoming, Decision], Effects]] = {
    Outcome.LEAD_CREATED: create_lead,
    Outcome.LEAD_APPENDED: append_to_lead,
    Outcome.TASK_CREATED: create_task,
    Outcome.CUSTOMER_LOGGED: log_on_customer,
    Outcome.BOUNCE: record_bounce,
    Outcome.RATE_LIMITED: warn_rate_limited,
}
# Lead columns copied as extracted; name and email are chosen with fallbacks.
COPIED_FIELDS = ("company", "title", "phone", "website", "address", "city", "state", "zip",
                 "country")  # fmt: skip


def add_to_conversation(lead: Lead, message: Incoming, *, activity: bool) -> LeadEmail:
    parsed = message.parsed
    sender = parsed.sender
    return leads.add_incoming_email(
        lead,
        from_name=sender.name if sender else "",
        from_email=sender.email if sender else "",
        to=", ".join(a.email for a in parsed.to)[:MAX_ADDRESSES_TEXT],
        cc=", ".join(a.email for a in parsed.cc)[:MAX_ADDRESSES_TEXT],
        subject=parsed.subject,
        sent_at=sent_at(message),
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to[0] if parsed.in_reply_to else "",
        text=body_text(message),
        html=parsed.html,
        attachments=parsed.attachments,
        activity=activity,
        raw=message.raw,
    )


def sender_email(message: Incoming) -> str:
    """The correspondent's address (a form's visitor, Reply-To, From) if usable, else ''."""
    return usable_address(message.address)


def usable_address(address: str) -> str:
    """An addr-spec as the header gave it, if it can be written back to (RFC 5321 §4.5.3.1).

    Deliberately structural only: a CRM must not refuse mail from a domain
    a validator thinks odd; it only refuses what no server could deliver to.
    """
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or len(address) > 254 or len(local) > 64:
        return ""
    if any(c.isspace() or c in "<>,;" for c in address):
        return ""
    return address.lower()


def sender_name(message: Incoming) -> str:
    """The extracted name, else the display name, else the address's local part."""
    if name := message.details.fields.get("name"):
        return name.value[:200]
    contact = message.contact
    if contact and contact.name.strip():
        return contact.name.strip()[:200]
    if contact and "@" in contact.email:
        return contact.email.split("@", 1)[0][:200] or "Unknown sender"
    return "Unknown sender"


def subject(message: Incoming) -> str:
    return message.parsed.subject or "(no subject)"


def sent_at(message: Incoming):
    return message.parsed.date or message.received_at or timezone.now()


def body_text(message: Incoming) -> str:
    if message.headers_only:
        size_mb = message.size / 1024 / 1024
        limit_mb = message.mailbox.max_message_size / 1024 / 1024
        return (
            f"[The message's body was not imported: it is {size_mb:.1f} MB, over the "
            f"mailbox's limit of {limit_mb:.0f} MB. Read it in the mailbox itself.]"
        )
    return message.parsed.text
