"""One message between the ledger and the decision, and who it is from.

Three words name who a message is from, each with one meaning everywhere
(code, ledger, docs):

* **sender**: the From address (``ParsedEmail.sender``), as the headers claim it.
* **reply address**: where a reply goes, a single Reply-To, else the sender
  (``ParsedEmail.reply_address``).  Spam rules judge these two addresses.
* **correspondent**: the person the CRM files the message under, a web form's
  visitor (read from the body), else the reply address (:func:`correspondent`).
  Leads and customer contacts are matched on it; assignment rules' "sender"
  conditions, the hourly limit and the ledger's ``sender_address`` use it.

A **contact** is never an address: it is a customer's Contact record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from clearcrm.inbound.extract import LeadDetails, extract_lead_details
from clearcrm.inbound.known import Known
from clearcrm.inbound.ledger import Recorded
from clearcrm.inbound.models import LedgerEntry, Mailbox
from clearcrm.inbound.parse import ParsedEmail, parse_message


@dataclass(frozen=True, slots=True)
class Read:
    """Stage 3's result: a recorded message, parsed, with the lead details read from it."""

    recorded: Recorded
    parsed: ParsedEmail
    details: LeadDetails

    @property
    def entry(self) -> LedgerEntry:
        return self.recorded.entry

    @property
    def correspondent(self) -> str:
        return correspondent(self.parsed, self.details)


def read(recorded: Recorded, mailbox: Mailbox) -> Read:
    """Parse a message, and extract who it is from and what it says about them."""
    fetched = recorded.fetched
    parsed = parse_message(fetched.raw, headers_only=fetched.headers_only)
    sender = parsed.sender
    details = extract_lead_details(
        sender_name=sender.name if sender else "",
        sender_email=sender.email if sender else "",
        reply_to=[(a.name, a.email) for a in parsed.reply_to],
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        default_region=mailbox.phone_region or None,
        installation_region=settings.PHONE_REGION or None,
    )
    return Read(recorded, parsed, details)


def correspondent(parsed: ParsedEmail, details: LeadDetails) -> str:
    """Whose message this is: a web form's visitor, else the reply address.

    A form notification comes from the site's mailer; matching leads or customers
    on that address would file every enquiry under the web site itself.
    """
    if email := details.fields.get("email"):
        return email.value
    if details.is_form:
        return ""
    return parsed.reply_address.normalized if parsed.reply_address else ""


@dataclass(slots=True)
class Incoming:
    """A read message, where it came from, and what the CRM knows about its correspondent."""

    mailbox: Mailbox
    parsed: ParsedEmail
    details: LeadDetails
    raw: bytes
    folder: str
    received_at: datetime | None
    known: Known
    size: int = 0
    headers_only: bool = False

    @classmethod
    def of(cls, message: Read, mailbox: Mailbox, folder: str, known: Known) -> Incoming:
        fetched = message.recorded.fetched
        return cls(
            mailbox,
            message.parsed,
            message.details,
            fetched.raw,
            folder,
            received_at=fetched.envelope.internal_date,
            known=known,
            size=fetched.envelope.size,
            headers_only=fetched.headers_only,
        )

    @property
    def correspondent(self) -> str:
        return correspondent(self.parsed, self.details)
