"""The decision rules' input without a server or a database: an Incoming over a parsed message."""

from __future__ import annotations

from datetime import datetime

from clearcrm.inbound.decide import decide
from clearcrm.inbound.extract import LeadDetails
from clearcrm.inbound.known import Known
from clearcrm.inbound.machine_mail import Verdict
from clearcrm.inbound.message import Incoming
from clearcrm.inbound.models import Mailbox, Outcome
from clearcrm.inbound.parse import ParsedEmail


def incoming(
    parsed: ParsedEmail,
    raw: bytes = b"",
    *,
    mailbox: Mailbox | None = None,
    details: LeadDetails | None = None,
    known: Known | None = None,
    folder: str = "INBOX",
    received_at: datetime | None = None,
) -> Incoming:
    """A message to an unsaved mailbox with the default settings, from a stranger."""
    return Incoming(
        mailbox or Mailbox(name="Sales"),
        parsed,
        details or LeadDetails(),
        raw,
        folder,
        received_at=received_at,
        known=known or Known(),
    )


def decided(parsed: ParsedEmail, raw: bytes) -> Verdict | None:
    """What decide.RULES make of a stranger's message, as a Verdict; None: it is a new lead."""
    decision = decide(incoming(parsed, raw))
    if decision.outcome == Outcome.LEAD_CREATED:
        return None
    return Verdict(decision.outcome, decision.reason, getattr(decision, "bounced", ()))
