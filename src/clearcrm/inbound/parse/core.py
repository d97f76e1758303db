"""parse_message: the structure, then the body, then the headers, into a ParsedEmail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from itertools import islice

from .addresses import parse_addresses
from .charsets import resolve_charset
from .headers import (
    MIME_TYPE_RE,
    bound_references,
    decode_header,
    normalize_message_id,
    parse_message_ids,
    parse_mime_header,
)
from .limits import (
    MAX_ADDRESS_FIELDS,
    MAX_ADDRESSES,
    MAX_DATE_CHARS,
    MAX_HEADER_NAME_CHARS,
    MAX_HEADER_SCAN,
    MAX_HEADER_VALUE_CHARS,
    MAX_HEADERS,
    MAX_MESSAGE_BYTES,
    MAX_PROBLEMS_PER_HEADER,
    MAX_PROBLEMS_PER_PART,
    MAX_RAW_MESSAGE_ID_CHARS,
    MAX_REFERENCES,
    MAX_REPEATED_HEADER,
    MAX_SUBJECT_CHARS,
    QUOTED_LABEL_CHARS,
    QUOTED_VALUE_CHARS,
)
from .structure import Blobs, structure_parse
from .text import controls_to_spaces, defect, one_line, scrub, unfold
from .types import Address, ParsedEmail
from .walk import PART_HEADERS, TEXT_CHARSET_SKIP, Walker

_ROOT_HEADERS = frozenset(
    {
        "from", "to", "cc", "reply-to", "subject", "date", "message-id",
        "in-reply-to", "references", "content-type", "content-disposition", "content-id",
    }
)  # fmt: skip


def parse_message(raw: bytes, *, headers_only: bool = False) -> ParsedEmail:
    """Parse one raw message.  Never raises for ``bytes`` input.

    ``headers_only=True``: ``raw`` holds just the header block (messages over
    the size limit); body fields stay empty.
    """
    result = ParsedEmail()
    try:
        if isinstance(raw, bytearray | memoryview):
            raw = bytes(raw)
        elif isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        elif not isinstance(raw, bytes):
            defect(result.defects, f"input is {type(raw).__name__}, not bytes")
            return result
        result.size = len(raw)
        if not headers_only and len(raw) > MAX_MESSAGE_BYTES:
            defect(result.defects, f"message larger than {MAX_MESSAGE_BYTES} bytes, body ignored")
            headers_only = True
        _parse_into(result, raw, headers_only)
    except Exception as exc:  # last resort: keep whatever was filled in
        defect(result.defects, f"parser failure ({type(exc).__name__})")
    return result


@dataclass(slots=True)
class _RootHeaders:
    """The top-level header fields, raw: the first MAX_HEADERS, and the well-known ones."""

    fields: list[tuple[str, str]]
    wanted: dict[str, list[str]]

    def first(self, key: str) -> str | None:
        values = self.wanted.get(key)
        return values[0] if values else None


def _parse_into(result: ParsedEmail, raw: bytes, headers_only: bool) -> None:
    defects = result.defects
    msg, headers_only, blobs = structure_parse(raw, headers_only, defects)
    if msg is None:
        return
    root = _scan_headers(msg, defects)
    if headers_only:  # otherwise the walk reports them as part 1
        for d in islice(msg.defects, MAX_PROBLEMS_PER_PART):
            defect(defects, f"message: {type(d).__name__}")
    # Body first: its charset is the best hint for raw 8-bit header bytes.
    hint = _read_body(result, msg, root, blobs, headers_only)
    problems: list[str] = []
    result.headers = _decode_headers(root.fields, hint, problems)
    subject = next((v for k, v in result.headers if k == "subject"), None)
    if subject is None and (raw_subject := root.first("subject")) is not None:
        subject = decode_header(raw_subject, hint, problems)
    result.subject = one_line(subject or "", MAX_SUBJECT_CHARS)
    _read_addresses(result, root, hint, problems)
    _read_thread(result, root, problems)
    if (raw_date := root.first("date")) is not None:
        result.date = _parse_date(unfold(raw_date, MAX_DATE_CHARS), problems)
    for problem in problems:
        defect(defects, problem)


def _scan_headers(msg: Message, defects: list[str]) -> _RootHeaders:
    """One pass over the raw header fields."""
    fields: list[tuple[str, str]] = []
    wanted: dict[str, list[str]] = {}
    for name, value in islice(msg.raw_items(), MAX_HEADER_SCAN):
        if not isinstance(value, str):
            value = str(value)
        key = name.strip().lower() if isinstance(name, str) else ""
        if len(fields) < MAX_HEADERS:
            fields.append((name, value))
        if key in _ROOT_HEADERS:
            values = wanted.setdefault(key, [])
            if len(values) < MAX_REPEATED_HEADER:
                values.append(value)
    if len(fields) >= MAX_HEADERS and len(msg) > MAX_HEADERS:
        defect(defects, f"more than {MAX_HEADERS} header fields, the rest was ignored")
    return _RootHeaders(fields, wanted)


def _read_body(
    result: ParsedEmail,
    msg: Message,
    root: _RootHeaders,
    blobs: Blobs | None,
    headers_only: bool,
) -> str | None:
    """Walk the MIME tree into ``result``; returns the charset hint for 8-bit headers."""
    root_type, root_params = parse_mime_header(root.first("content-type"), None, [])
    hint = resolve_charset(root_params["charset"]) if root_params.get("charset") else None
    if hint in TEXT_CHARSET_SKIP:
        hint = None
    result.content_type = root_type if MIME_TYPE_RE.fullmatch(root_type) else "text/plain"
    if not headers_only:
        walker = Walker(result, hint, blobs)
        walker.walk(msg, {k: v[0] for k, v in root.wanted.items() if k in PART_HEADERS})
        walker.finish()
        if hint is None and walker.charsets:
            hint = walker.charsets[0]
    return hint


def _decode_headers(
    fields: list[tuple[str, str]], hint: str | None, problems: list[str]
) -> list[tuple[str, str]]:
    """(lower-case name, decoded single-line value) of each kept header field."""
    decoded: list[tuple[str, str]] = []
    for name, value in fields:
        if isinstance(name, str) and name.isascii() and name.isprintable():
            hname = name.strip().lower()[:MAX_HEADER_NAME_CHARS]
        else:
            hname = one_line(name if isinstance(name, str) else "", MAX_HEADER_NAME_CHARS).lower()
        if value.isascii() and "=?" not in value:  # fast path: nothing to decode
            text = controls_to_spaces(unfold(value, MAX_HEADER_VALUE_CHARS)).strip()
        else:
            header_problems: list[str] = []
            text = decode_header(value, hint, header_problems)
            text = scrub(controls_to_spaces(text).strip())[:MAX_HEADER_VALUE_CHARS]
            for problem in header_problems[:MAX_PROBLEMS_PER_HEADER]:
                problems.append(f"header {hname[:QUOTED_LABEL_CHARS]}: {problem}")
        decoded.append((hname, text))
    return decoded


def _read_addresses(
    result: ParsedEmail, root: _RootHeaders, hint: str | None, problems: list[str]
) -> None:
    def addresses(key: str, *, all_fields: bool = False) -> list[Address]:
        found: list[Address] = []
        for value in root.wanted.get(key, [])[: MAX_ADDRESS_FIELDS if all_fields else 1]:
            field_problems: list[str] = []
            found.extend(parse_addresses(value, hint, field_problems))
            for problem in field_problems[:MAX_PROBLEMS_PER_HEADER]:
                problems.append(f"{key}: {problem}")
        return found[:MAX_ADDRESSES]

    senders = addresses("from")
    result.sender = next((a for a in senders if a.email), senders[0] if senders else None)
    result.reply_to = addresses("reply-to")
    result.to = addresses("to", all_fields=True)
    result.cc = addresses("cc", all_fields=True)


def _read_thread(result: ParsedEmail, root: _RootHeaders, problems: list[str]) -> None:
    """Message-ID, In-Reply-To and References (RFC 5322 §3.6.4)."""
    raw_id = root.first("message-id")
    if raw_id is not None:
        ids = parse_message_ids(raw_id)
        result.message_id = (
            ids[0] if ids else normalize_message_id(unfold(raw_id, MAX_RAW_MESSAGE_ID_CHARS))
        )
    if not result.message_id:
        problems.append("no usable Message-ID")
    if (in_reply_to := root.first("in-reply-to")) is not None:
        result.in_reply_to = parse_message_ids(in_reply_to)[:MAX_REFERENCES]
    if (references := root.first("references")) is not None:
        result.references = bound_references(parse_message_ids(references))


def _parse_date(value: str, problems: list[str]) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        parsed = None
    if parsed is None:
        problems.append(f"invalid Date header {value[:QUOTED_VALUE_CHARS]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
