"""The MIME walk: depth-first and bounded, collecting the body and the attachments."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from itertools import islice

from .charsets import decode_bytes, resolve_charset
from .filenames import safe_filename, type_from_filename
from .headers import MIME_TYPE_RE, parse_mime_header
from .html_body import html_to_text, sanitize_html
from .limits import (
    MAX_CONTENT_ID_CHARS,
    MAX_DEPTH,
    MAX_HEADER_SCAN,
    MAX_HTML_CHARS,
    MAX_PARTS,
    MAX_PROBLEMS_PER_PART,
    MAX_RAW_CONTENT_ID_CHARS,
    MAX_TEXT_CHARS,
    QUOTED_VALUE_CHARS,
)
from .structure import UUENCODE_CTES, Blobs, raw_payload
from .text import defect, one_line, unfold
from .types import ParsedAttachment, ParsedEmail

PART_HEADERS = frozenset({"content-type", "content-disposition", "content-id"})
_META_CHARSET_RE = re.compile(r"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]{1,40})", re.I)
#: An HTML part without a charset parameter is searched this far for a <meta charset>.
_META_SCAN_BYTES = 4096
#: Charsets that say nothing about the 8-bit bytes of headers (so are no hint).
TEXT_CHARSET_SKIP = frozenset({"ascii", "utf-8"})
# Used to re-serialise attached messages: keeps 8-bit bytes and does not build
# header objects (a generator switches the message to its own policy).
_SERIALIZE_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=None)


def raw_headers(part: Message, names: frozenset[str]) -> dict[str, str]:
    """First raw value of each wanted header of a MIME part."""
    found: dict[str, str] = {}
    try:
        for name, value in islice(part.raw_items(), MAX_HEADER_SCAN):
            key = name.strip().lower() if isinstance(name, str) else ""
            if key in names and key not in found:
                found[key] = value if isinstance(value, str) else str(value)
    except Exception:
        pass
    return found


def _decoded_payload(part: Message, payload: object, blobs: Blobs | None) -> bytes | None:
    """``part.get_payload(decode=True)`` without most of its copies.

    For base64 the stdlib encodes the text to bytes, splits it into lines,
    joins them and pads the result: 4x the part.  ``a2b_base64`` skips line
    breaks itself and returns the same bytes whenever it succeeds (see
    ``email._encoded_words.decode_b``), ``a2b_qp`` is what ``quopri`` calls,
    and other text is just encoded back; anything odd (bad padding, 8-bit
    bytes in base64) still goes the stdlib way.  Runs of lines kept out of the
    parser (``blobs``) are decoded where they are, or put back.
    """
    if not isinstance(payload, str):
        return _stdlib_decoded(part)
    cte = str(part.get("content-transfer-encoding", "")).lower()  # as get_payload
    if blobs is not None and blobs.marker in payload:
        data = blobs.decode(payload, cte)
        if data is not None:
            return data
        payload = blobs.restore(payload)
        part.set_payload(payload)
    try:
        if cte == "base64":
            if payload.isascii():
                return binascii.a2b_base64(payload)
        elif cte == "quoted-printable":
            if payload.isascii():
                return binascii.a2b_qp(payload)
        elif cte not in UUENCODE_CTES:
            return payload.encode("ascii", "surrogateescape")
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        pass
    return _stdlib_decoded(part)


def _stdlib_decoded(part: Message) -> bytes | None:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else None


@dataclass(slots=True)
class _Leaf:
    """A part that is not multipart: what its headers say it is."""

    ctype: str  # what it is treated as
    declared_type: str  # its valid Content-Type, '' when none
    filename: str
    content_id: str
    disposition: str

    @property
    def may_be_body(self) -> bool:
        """Text not marked as a file: the message's body (else an attachment)."""
        return (
            self.ctype in ("text/plain", "text/html")
            and self.disposition != "attachment"
            and not self.filename
        )


class Walker:
    """Depth-first, bounded walk over the MIME tree collecting body and files."""

    def __init__(self, result: ParsedEmail, hint: str | None, blobs: Blobs | None = None) -> None:
        self.result = result
        self.blobs = blobs
        self.defects = result.defects
        self.hint = hint
        self.plain: list[str] = []
        self.plain_len = 0
        self.html: list[str] = []
        self.html_len = 0
        self.charsets: list[str] = []
        self.number = 0

    def walk(self, root: Message, root_headers: dict[str, str]) -> None:
        stack: list[tuple[Message, int, dict[str, str] | None]] = [(root, 0, root_headers)]
        while stack:
            part, depth, headers = stack.pop()
            self.number += 1
            if self.number > MAX_PARTS:
                defect(self.defects, f"more than {MAX_PARTS} MIME parts, the rest was ignored")
                return
            try:
                children = self._visit(part, headers)
            except Exception as exc:  # one bad part must not lose the others
                defect(self.defects, f"part {self.number}: skipped ({type(exc).__name__})")
                continue
            if children:
                if depth + 1 > MAX_DEPTH:
                    defect(
                        self.defects,
                        f"part {self.number}: MIME nesting deeper than {MAX_DEPTH}, ignored",
                    )
                    continue
                stack.extend((child, depth + 1, None) for child in reversed(children))

    def _visit(self, part: Message, headers: dict[str, str] | None) -> list[Message]:
        problems: list[str] = []
        if headers is None:
            headers = raw_headers(part, PART_HEADERS)
        for d in islice(getattr(part, "defects", ()), MAX_PROBLEMS_PER_PART):
            defect(self.defects, f"part {self.number}: {type(d).__name__}")
        ctype, cparams, declared_type = self._content_type(part, headers, problems)
        children = _sub_parts(part, ctype)
        if children is not None:
            if declared_type and not ctype.startswith("multipart/"):
                problems.append(f"{ctype} part has sub-parts, treated as multipart/mixed")
        else:
            if ctype.startswith("multipart/"):
                # No usable boundary: the stdlib left the body unparsed.
                problems.append(f"{ctype} without parts, treated as text/plain")
                ctype = "text/plain"
            disposition, dparams = parse_mime_header(
                headers.get("content-disposition"), self.hint, problems
            )
            filename = dparams.get("filename") or cparams.get("name") or ""
            leaf = _Leaf(ctype, declared_type, filename, _content_id(headers), disposition)
            self._read_leaf(part, leaf, cparams.get("charset"), problems)
        self._report(self.number, problems)
        return children or []

    def _content_type(
        self, part: Message, headers: dict[str, str], problems: list[str]
    ) -> tuple[str, dict[str, str], str]:
        """(the type the part is treated as, its parameters, its valid declared type or '')."""
        default_type = part.get_default_type()
        ctype, cparams = parse_mime_header(headers.get("content-type"), self.hint, problems)
        if MIME_TYPE_RE.fullmatch(ctype):
            return ctype, cparams, ctype
        if "content-type" in headers:
            shown = ctype[:QUOTED_VALUE_CHARS]
            problems.append(f"invalid content type {shown!r}, using {default_type}")
        return default_type, cparams, ""

    def _read_leaf(
        self, part: Message, leaf: _Leaf, charset: str | None, problems: list[str]
    ) -> None:
        payload = raw_payload(part)
        if leaf.ctype.startswith("message/"):
            data = self._message_bytes(part, payload, self.number)
            payload = None
            part.set_payload("")  # the attached message is not walked
            self._attach(data, leaf)
            return
        try:
            decoded = _decoded_payload(part, payload, self.blobs)
        except Exception as exc:
            problems.append(f"transfer encoding could not be decoded ({type(exc).__name__})")
            decoded = None
        # The encoded text is not needed any more: let it go before the next
        # (maybe big) part is decoded.
        payload = None
        part.set_payload("")
        data = decoded if isinstance(decoded, bytes) else b""
        if leaf.may_be_body:
            if self._read_text(leaf.ctype, data, charset, problems):
                return
            problems.append("kept as attachment")
        self._attach(data, leaf)

    def _read_text(self, ctype: str, data: bytes, charset: str | None, problems: list[str]) -> bool:
        """Add a text part to the body; False when its bytes cannot be decoded."""
        if not charset and ctype == "text/html" and not data.isascii():
            match = _META_CHARSET_RE.search(data[:_META_SCAN_BYTES].decode("latin-1"))
            charset = match.group(1) if match else None
        hint = self.hint or (self.charsets[0] if self.charsets else None)
        text, problem = decode_bytes(data, charset, hint=hint)
        if problem:
            problems.append(problem)
        if text is None:
            return False
        if charset:
            codec = resolve_charset(charset)
            if codec and codec not in TEXT_CHARSET_SKIP:
                self.charsets.append(codec)
        self._add_body(ctype, text)
        return True

    def _report(self, number: int, problems: list[str]) -> None:
        for problem in problems[:MAX_PROBLEMS_PER_PART]:
            defect(self.defects, f"part {number}: {problem}")

    def _add_body(self, ctype: str, text: str) -> None:
        if ctype == "text/plain":
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            self.plain_len = self._append(self.plain, self.plain_len, MAX_TEXT_CHARS, text, "text")
        else:
            self.html_len = self._append(self.html, self.html_len, MAX_HTML_CHARS, text, "HTML")

    def _append(self, parts: list[str], length: int, limit: int, text: str, what: str) -> int:
        """Add a body part within the limit of all parts together; returns the new length."""
        room = limit - length
        if len(text) > room:
            text = text[: max(room, 0)]
            defect(self.defects, f"part {self.number}: {what} longer than limit, truncated")
        if text:
            parts.append(text)
            length += len(text) + 1
        return length

    def _message_bytes(self, part: Message, payload: object, number: int) -> bytes:
        if not isinstance(payload, list):
            try:
                data = _decoded_payload(part, payload, self.blobs)
            except Exception:
                data = None
            return data if isinstance(data, bytes) else b""
        chunks = []
        for sub in islice(payload, MAX_PARTS):
            if not isinstance(sub, Message):
                continue
            try:
                if self.blobs is not None:
                    self.blobs.restore_tree(sub)
                chunks.append(sub.as_bytes(policy=_SERIALIZE_POLICY))
            except Exception as exc:
                defect(
                    self.defects,
                    f"part {number}: attached message could not be serialised "
                    f"({type(exc).__name__})",
                )
        return b"".join(chunks)

    def _attach(self, data: bytes, leaf: _Leaf) -> None:
        index = len(self.result.attachments) + 1
        safe_name = safe_filename(leaf.filename, leaf.ctype, index)
        content_type = leaf.ctype
        if not leaf.declared_type and leaf.filename:
            content_type = type_from_filename(safe_name) or "application/octet-stream"
        self.result.attachments.append(
            ParsedAttachment(
                filename=safe_name,
                content_type=content_type,
                data=data,
                content_id=leaf.content_id,
                inline=leaf.disposition == "inline"
                or (not leaf.disposition and bool(leaf.content_id)),
            )
        )

    def finish(self) -> None:
        result = self.result
        if self.html:
            html = "\n".join(self.html)
            result.html = sanitize_html(html, self.defects)
        else:
            html = ""
        text = "\n".join(self.plain)
        if not text.strip() and html:
            text = html_to_text(html, self.defects)
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
        result.text = text


def _sub_parts(part: Message, ctype: str) -> list[Message] | None:
    """The parts of a multipart (or of a part that has them anyway); None for a leaf."""
    payload = raw_payload(part)
    if isinstance(payload, list) and not ctype.startswith("message/"):
        return [p for p in islice(payload, MAX_PARTS + 1) if isinstance(p, Message)]
    return None


def _content_id(headers: dict[str, str]) -> str:
    content_id = headers.get("content-id", "")
    if content_id:
        content_id = one_line(
            unfold(content_id, MAX_RAW_CONTENT_ID_CHARS), MAX_RAW_CONTENT_ID_CHARS
        )
        content_id = content_id.strip("<> ")[:MAX_CONTENT_ID_CHARS]
    return content_id
