"""Stage 5, apply: create what a decision says, inside the caller's transaction.

Each handler creates the records for one outcome and returns what it created,
so the ledger entry can link to it. Nothing here talks to the IMAP server or
sends mail; that happens after the commit (see postactions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from django.utils import timezone

from clearcrm.addresses import usable_address
from clearcrm.customers import services as customers
from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound import notify
from clearcrm.inbound.assign import assign
from clearcrm.inbound.decide import Bounce, Decision, FromCustomer, JoinLead
from clearcrm.inbound.extract import LeadDetails, Value
from clearcrm.inbound.message import Incoming
from clearcrm.inbound.models import MB, Outcome
from clearcrm.leads import services as leads
from clearcrm.leads.models import Lead, LeadEmail
from clearcrm.staff.models import active_or_none, display_name
from clearcrm.tasks import services as tasks
from clearcrm.tasks.models import Task
from clearcrm.timeline.services import add_note, log_activity

MAX_DESCRIPTION = 20_000
MAX_ADDRESSES_TEXT = 2_000
MAX_NAME = 200  # Lead.name


@dataclass(slots=True)
class Effects:
    """What applying a decision created, for the ledger entry's links."""

    lead: Lead | None = None
    lead_email: LeadEmail | None = None
    task: Task | None = None
    customer: Customer | None = None

    def links(self) -> dict[str, Any]:
        return {
            "lead": self.lead,
            "lead_email": self.lead_email,
            "task": self.task,
            "customer": self.customer,
        }


def apply(message: Incoming, decision: Decision) -> Effects:
    """Create what the decision says; outcomes that create nothing have no effects."""
    if isinstance(decision, JoinLead):
        return append_to_lead(message, decision.lead)
    if isinstance(decision, FromCustomer):
        customer = decision.contact.customer
        if decision.outcome == Outcome.TASK_CREATED:
            return create_task(message, customer)
        return log_on_customer(message, customer)
    if isinstance(decision, Bounce):
        return record_bounce(message, decision.bounced)
    if decision.outcome == Outcome.LEAD_CREATED:
        return create_lead(message)
    if decision.outcome == Outcome.RATE_LIMITED:
        return warn_rate_limited(message)
    return Effects()


def create_lead(message: Incoming) -> Effects:
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


def filled_fields(details: LeadDetails) -> dict[str, Any]:
    """Lead columns filled from the extracted details (name and email are chosen apart)."""
    max_lengths = {field.name: field.max_length for field in Lead._meta.concrete_fields}
    return {
        name: details.fields[name].value[: max_lengths[name]]
        for name in COPIED_FIELDS
        if name in details.fields
    }


SOURCE_WORDING = {
    "form_id": "form field",
    "form": "form",
    "header": "email header",
    "signature": "signature",
    "address": "email address",
    "phone": "phone number's country code",
    "domain": "email or website domain",
}
# Regions the extractor inferred for a national phone number (the mailbox's own region
# and a number's "+" prefix need no word).
REGION_WORDING = {
    "country": "the country given",
    "domain": "the email or website domain",
    "language": "the form's language",
    "installation": "CLEARCRM_PHONE_REGION",
}


def describe_filled(details: LeadDetails) -> str:
    """'phone (signature), company (form)': what the lead's log says was filled, and from where."""
    return ", ".join(
        f"{name} ({SOURCE_WORDING.get(value.source, value.source)}{phone_note(value)})"
        for name, value in details.fields.items()
        if name in (*COPIED_FIELDS, "name", "email") and value.source != "header"
    )


def phone_note(value: Value) -> str:
    """How a phone number was read: for which inferred region, or that it was not checked."""
    if not value.checked:
        return "; could not be checked, kept as written"
    reason = REGION_WORDING.get(value.region_source)
    return f"; read as a number in {value.region}, from {reason}" if reason else ""


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


def append_to_lead(message: Incoming, lead: Lead) -> Effects:
    email = add_to_conversation(lead, message, activity=True)
    notify.lead_wrote_again(message.mailbox, lead, subject(message))
    return Effects(lead=lead, lead_email=email)


def create_task(message: Incoming, customer: Customer) -> Effects:
    """A task about the customer, for its account manager (else the mailbox's responsible)."""
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


def log_on_customer(message: Incoming, customer: Customer) -> Effects:
    customers.add_incoming_email(
        customer,
        from_name=sender_name(message),
        from_email=sender_email(message),
        subject=subject(message),
        text=body_text(message),
        attachments=message.parsed.attachments,
    )
    return Effects(customer=customer)


def record_bounce(message: Incoming, bounced: tuple[str, ...]) -> Effects:
    """A bounce for a lead's or contact's address goes on that record's activity log."""
    effects = Effects()
    for address in bounced:
        for lead in Lead.objects.filter(email=address):
            log_activity(lead, f"Email to {address} bounced: {subject(message)}")
            effects.lead = effects.lead or lead
        for contact in Contact.objects.filter(email=address).select_related("customer"):
            log_activity(contact.customer, f"Email to {address} bounced: {subject(message)}")
            effects.customer = effects.customer or contact.customer
    return effects


def warn_rate_limited(message: Incoming) -> Effects:
    """Tell the admins once, when a correspondent first goes over the hourly limit."""
    limit = message.mailbox.sender_rate_limit
    if message.known.sent_lately[message.correspondent] == limit + 1:
        notify.sender_rate_limited(message.mailbox, message.correspondent, limit)
    return Effects()


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
    """The correspondent's address if mail could be written back to it, else ''."""
    return usable_address(message.correspondent)


def sender_name(message: Incoming) -> str:
    """The correspondent's name: the extracted name, else the reply address's display
    name, else its local part."""
    if name := message.details.fields.get("name"):
        return name.value[:MAX_NAME]
    reply = message.parsed.reply_address
    if reply and reply.name.strip():
        return reply.name.strip()[:MAX_NAME]
    if reply and "@" in reply.email:
        return reply.email.split("@", 1)[0][:MAX_NAME] or "Unknown sender"
    return "Unknown sender"


def subject(message: Incoming) -> str:
    return message.parsed.subject or "(no subject)"


def sent_at(message: Incoming) -> datetime:
    return message.parsed.date or message.received_at or timezone.now()


def body_text(message: Incoming) -> str:
    if message.headers_only:
        size_mb = message.size / MB
        limit_mb = message.mailbox.max_message_size / MB
        return (
            f"[The message's body was not imported: it is {size_mb:.1f} MB, over the "
            f"mailbox's limit of {limit_mb:.0f} MB. Read it in the mailbox itself.]"
        )
    return message.parsed.text
