"""Reading .eml files into the arguments of extract_lead_details().

Two readers: the pipeline's own ``clearcrm.inbound.parse.parse_message`` (when that
module exists) and a small standard-library reader that passes the HTML unsanitised.
``load`` prefers the pipeline and falls back to the standard library.
"""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from inscriptis import get_text

try:  # written concurrently; fall back to the local reader until it lands
    from clearcrm.inbound.parse import parse_message
except ImportError:  # pragma: no cover - depends on the state of the tree
    parse_message = None


@dataclass
class MailInput:
    sender_name: str = ""
    sender_email: str = ""
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""

    def kwargs(self) -> dict:
        return {
            "sender_name": self.sender_name,
            "sender_email": self.sender_email,
            "reply_to": self.reply_to,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
        }


def load(raw: bytes) -> MailInput:
    if parse_message is not None:
        try:
            return read_with_pipeline(raw)
        except Exception:  # the local reader is the fallback
            pass
    return read_with_stdlib(raw)


def read_with_pipeline(raw: bytes) -> MailInput:
    if parse_message is None:
        raise RuntimeError("clearcrm.inbound.parse is not available")
    return _from_parsed(parse_message(raw))


def _from_parsed(parsed) -> MailInput:
    sender = parsed.sender
    return MailInput(
        sender_name=getattr(sender, "name", "") or "",
        sender_email=getattr(sender, "email", "") or "",
        reply_to=[(a.name or "", a.email or "") for a in (parsed.reply_to or [])],
        subject=parsed.subject or "",
        text=_text_or_derived(parsed.text or "", parsed.html or ""),
        html=parsed.html or "",
    )


def read_with_stdlib(raw: bytes) -> MailInput:
    message = email.message_from_bytes(raw, policy=policy.default)
    name, address = _first_address(message, "From")
    html = _body(message, "html")
    return MailInput(
        sender_name=name,
        sender_email=address,
        reply_to=_addresses(message, "Reply-To"),
        subject=_header(message, "Subject"),
        text=_text_or_derived(_body(message, "plain"), html),
        html=html,
    )


def _text_or_derived(text: str, html: str) -> str:
    """Like the pipeline: the text body, or the HTML rendered as text when there is none."""
    if text.strip() or not html.strip():
        return text
    try:
        return get_text(html)
    except Exception:
        return ""


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except Exception:
        return ""


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    try:
        header = message.get(name)
        if header is None:
            return []
        if hasattr(header, "addresses"):
            return [(a.display_name or "", a.addr_spec or "") for a in header.addresses]
        return getaddresses([str(header)])
    except Exception:
        return getaddresses([_raw_header(message, name)])


def _first_address(message: Message, name: str) -> tuple[str, str]:
    found = _addresses(message, name)
    return found[0] if found else parseaddr(_raw_header(message, name))


def _raw_header(message: Message, name: str) -> str:
    for key, value in message.raw_items() if hasattr(message, "raw_items") else []:
        if key.lower() == name.lower():
            return str(value)
    return ""


def _body(message: Message, subtype: str) -> str:
    try:
        part = (
            message.get_body(preferencelist=(subtype,))
            if isinstance(message, EmailMessage)
            else None
        )
    except Exception:
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""
