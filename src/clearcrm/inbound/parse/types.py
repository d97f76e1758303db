"""What the parser returns: plain, bounded, decoded data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from clearcrm.addresses import normalize_address


@dataclass(frozen=True, slots=True)
class Address:
    name: str  # decoded display name, single line ('' when none)
    email: str  # addr-spec as written, stripped; '' when unusable

    @property
    def normalized(self) -> str:
        """The address in the form it is stored and matched in."""
        return normalize_address(self.email)


@dataclass(slots=True)
class ParsedAttachment:
    filename: str  # safe display name, never empty, at most 200 characters
    content_type: str  # lower-case maintype/subtype
    data: bytes  # decoded content (attached messages: the message's bytes)
    content_id: str = ""  # without angle brackets
    inline: bool = False  # Content-Disposition: inline, or a Content-ID and no disposition


@dataclass(slots=True)
class ParsedEmail:
    message_id: str = ""  # normalize_message_id() form, '' when absent
    subject: str = ""  # decoded, single line, at most 998 characters
    sender: Address | None = None  # From: first address with a usable email
    reply_to: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)  # all To: fields together
    cc: list[Address] = field(default_factory=list)
    date: datetime | None = None  # timezone-aware (UTC when the header has no zone)
    in_reply_to: list[str] = field(default_factory=list)  # normalised message ids
    references: list[str] = field(default_factory=list)  # thread root + the 99 most recent
    text: str = ""  # text/plain body, else the HTML body as text (inscriptis); "\n" newlines
    html: str = ""  # sanitised HTML body (nh3), '' when none
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)  # (lower name, decoded value)
    content_type: str = "text/plain"  # top-level content type, lower-case
    defects: list[str] = field(default_factory=list)  # human-readable problems found
    size: int = 0  # len(raw)

    def header(self, name: str) -> str:
        """First value of header ``name`` (case-insensitive), '' if absent."""
        key = name.strip().lower()
        for hname, value in self.headers:
            if hname == key:
                return value
        return ""

    def header_all(self, name: str) -> list[str]:
        """All values of header ``name`` (case-insensitive), in message order."""
        key = name.strip().lower()
        return [value for hname, value in self.headers if hname == key]

    @property
    def reply_address(self) -> Address | None:
        """Where a reply goes: a single Reply-To address wins over From (RFC 5322 §3.6.2).

        Web forms send from their own address and put the visitor in Reply-To;
        several Reply-To addresses (mailing lists) are not a person, so From wins.
        """
        usable = [a for a in self.reply_to if a.email]
        if len(usable) == 1:
            return usable[0]
        return self.sender
