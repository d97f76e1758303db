"""Turn one raw RFC 5322 message into plain, bounded, decoded data.

This is the parser stage of the inbound pipeline.  It is deliberately free of
Django (it may run in a bare worker process) and treats every message as
hostile input:

* every size, count and loop is bounded (see the ``MAX_*`` constants);
* :func:`parse_message` never raises for ``bytes`` input - problems are
  reported as human-readable strings in :attr:`ParsedEmail.defects`;
* text is always valid, NUL-free Unicode, header fields are single-line;
* HTML is sanitised with nh3 (keeping what the lead extractor reads: definition
  lists and ``id="field_x"`` / ``id="custom_field_x"``), file names are made safe.

The MIME *structure* is parsed by the standard library
(``email.feedparser.BytesFeedParser``, fed in chunks; long runs of plain body
lines such as base64 attachments are kept out of it and decoded straight from
the raw bytes, see ``_Blobs``: a big message costs about its decoded size, not
7-8x its size).  Header *values* (addresses, subjects, MIME
parameters, file names) are decoded by the small, linear, tolerant decoders in
this module instead of ``policy.default`` header objects: those cost
40-260 us per header, mis-parse some hostile forms, can raise RecursionError on
nested comments and leak lone surrogates for unknown charsets.
"""

from __future__ import annotations

import binascii
import codecs
import html as html_lib
import mimetypes
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import parsedate_to_datetime
from functools import lru_cache
from itertools import islice

import nh3
from charset_normalizer import from_bytes as _cn_from_bytes
from inscriptis import get_text as _inscriptis_get_text

__all__ = [
    "MAX_ADDRESSES",
    "MAX_ATTACHMENT_NAME_CHARS",
    "MAX_DEPTH",
    "MAX_HEADERS",
    "MAX_HEADER_VALUE_CHARS",
    "MAX_HTML_CHARS",
    "MAX_MESSAGE_BYTES",
    "MAX_PARTS",
    "MAX_REFERENCES",
    "MAX_SUBJECT_CHARS",
    "MAX_TEXT_CHARS",
    "Address",
    "ParsedAttachment",
    "ParsedEmail",
    "normalize_message_id",
    "parse_message",
    "parse_message_ids",
]

# --------------------------------------------------------------------------- bounds

#: Messages bigger than this are parsed as if ``headers_only=True`` (safety net;
#: the fetcher normally enforces a smaller limit itself).
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
#: In headers-only mode at most this much of the input is looked at.
MAX_HEADER_BLOCK_BYTES = 1024 * 1024
#: MIME parts visited (depth-first, document order); the rest is ignored.
MAX_PARTS = 200
#: Multipart nesting below this depth is ignored.
MAX_DEPTH = 20
#: If the raw message has more lines starting with ``--`` than this (each MIME
#: part needs one), only the text before that line is given to the MIME parser.
MAX_DELIMITER_LINES = 5000
#: The MIME parser keeps each line as an object (60-130 bytes, and header lines
#: cost CPU time too); only about this many lines are given to it.  Long runs of
#: plain body lines (e.g. base64 attachments) are not given to it and not counted.
MAX_PARSE_LINES = 500_000
#: Headers kept in :attr:`ParsedEmail.headers`.
MAX_HEADERS = 300
#: Raw header fields scanned for the well-known headers (From, Subject, ...).
MAX_HEADER_SCAN = 2000
#: Characters kept of one decoded header value in :attr:`ParsedEmail.headers`.
MAX_HEADER_VALUE_CHARS = 16 * 1024
#: Characters of a raw header value given to a structured decoder.
MAX_STRUCTURED_HEADER_CHARS = 32 * 1024
MAX_HEADER_NAME_CHARS = 100
MAX_SUBJECT_CHARS = 998
MAX_NAME_CHARS = 256
MAX_EMAIL_CHARS = 320
MAX_ADDRESSES = 100
MAX_MESSAGE_ID_CHARS = 500
MAX_MESSAGE_IDS = 1000
MAX_REFERENCES = 100
MAX_CONTENT_ID_CHARS = 250
MAX_ATTACHMENT_NAME_CHARS = 200
MAX_PARAMS = 50
MAX_PARAM_SECTIONS = 64
MAX_TEXT_CHARS = 1_000_000
MAX_HTML_CHARS = 1_000_000
#: HTML converted to text with inscriptis (its cost grows with the size).
MAX_HTML_TO_TEXT_CHARS = 500_000
#: nh3 (html5ever) gets quadratically slow with deep nesting; deeper HTML is dropped.
MAX_HTML_DEPTH = 256
#: Only HTML with more tags than this is checked for its nesting depth.
HTML_DEPTH_CHECK_MIN_TAGS = 3000
#: Bytes given to charset-normalizer for detection.
MAX_DETECT_BYTES = 64 * 1024
MAX_DEFECTS = 100
MAX_DEFECT_CHARS = 300


class _ParsePolicy(Compat32):
    """compat32 that unfolds header values when the parser reads them.

    Like policy.default this finds boundaries folded across lines (Outlook
    2000), but it builds no header objects while parsing: about 4.5x faster
    than policy.default on the test corpus, 13x on messages with many parts,
    and hostile Content-Type values cannot make it raise RecursionError.
    Nothing in this module depends on the parse policy: header values are read
    with ``raw_items()`` and decoded here.
    """

    def header_fetch_parse(self, name, value):  # type: ignore[override]
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            value = value.replace("\r", "").replace("\n", "")
        return super().header_fetch_parse(name, value)


# The MIME structure parse (see _ParsePolicy); policy.default also works here.
PARSE_POLICY = _ParsePolicy()
# Used to re-serialise attached messages: keeps 8-bit bytes and does not build
# header objects (a generator switches the message to its own policy).
_SERIALIZE_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=None)


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class Address:
    name: str  # decoded display name, single line ('' when none)
    email: str  # addr-spec as written, stripped; '' when unusable

    @property
    def normalized(self) -> str:
        """Lower-cased address, for matching."""
        return self.email.lower()


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
    def contact(self) -> Address | None:
        """The correspondent: a single Reply-To address wins over From.

        Web forms send from their own address and put the visitor in Reply-To;
        several Reply-To addresses (mailing lists) are not a person, so From wins.
        """
        usable = [a for a in self.reply_to if a.email]
        if len(usable) == 1:
            return usable[0]
        return self.sender


# --------------------------------------------------------------------------- small text helpers

# C0/C1 controls and DEL become spaces; bidi embedding/override/isolate
# controls (used to disguise file names and senders) are removed.
_SINGLE_LINE_TABLE: dict[int, str | None] = {c: " " for c in range(0x20)}
_SINGLE_LINE_TABLE.update({c: " " for c in range(0x7F, 0xA0)})
_SINGLE_LINE_TABLE.update({c: None for c in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E)})
_SINGLE_LINE_TABLE.update({c: None for c in (0x2066, 0x2067, 0x2068, 0x2069)})
_SINGLE_LINE_TABLE[0] = None
_NEEDS_TRANSLATE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _controls_to_spaces(text: str) -> str:
    """Controls become spaces, bidi overrides and NUL disappear (fast when clean)."""
    if "\t" in text:
        text = text.replace("\t", " ")
    if _NEEDS_TRANSLATE_RE.search(text):
        text = text.translate(_SINGLE_LINE_TABLE)
    return text


def _scrub(text: str) -> str:
    """Remove NUL characters and lone surrogates (invalid in UTF-8 / PostgreSQL)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def _one_line(text: str, limit: int) -> str:
    """Single line: controls to spaces, whitespace runs collapsed, bounded."""
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = " ".join(_controls_to_spaces(text).split())
    if len(text) > limit:
        text = text[:limit].rstrip()
    return _scrub(text)


def _unfold(value: object, limit: int) -> str:
    """Header value without folding line breaks, bounded to ``limit`` chars."""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:
            return ""
    if len(value) > limit:
        value = value[:limit]
    if "\n" in value or "\r" in value:
        value = value.replace("\r", "").replace("\n", "")
    return value


# --------------------------------------------------------------------------- charsets

# Labels seen in mail that Python does not know, or knows as a narrower codec.
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "utf8mb4": "utf-8",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-gbk": "gb18030",
    "x-euc-cn": "gb18030",
    "cn-gb": "gb18030",
    "ks_c_5601": "cp949",
    "x-euc-kr": "cp949",
    "x-mac-roman": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "cp-850": "cp850",
    "ansi_x3.4-1968": "ascii",
    "us": "ascii",
    "x-user-defined": "cp1252",
}
# Codecs that are text encodings in name only (escape syntaxes, IDNA, ...).
_BLOCKED_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined", "mbcs", "oem"}
)
_CHARSET_LABEL_RE = re.compile(r"[a-z0-9][a-z0-9_.:+()-]{0,39}")
_ASCII_SAMPLE = "".join(chr(c) for c in range(0x20, 0x7F)) + "\t\r\n"
_ASCII_SAMPLE_BYTES = _ASCII_SAMPLE.encode("ascii")
# Single-byte codecs whose bytes are almost never valid multi-byte UTF-8 by
# accident: when such a part is valid UTF-8, the label is wrong.
_SINGLE_BYTE_PREFIXES = ("ascii", "iso8859", "cp125", "koi8", "mac-", "cp437", "cp85", "cp86")


# What senders labelling mail with these really use (as browsers assume too).
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "cp950",
}


@lru_cache(maxsize=512)
def _resolve_charset(label: str) -> str | None:
    """Python codec name for a MIME charset label, None when unknown/unsafe."""
    label = label.strip().strip("\"'").strip().lower()
    if "*" in label:  # RFC 2231 language suffix: utf-8*en
        label = label.split("*", 1)[0]
    if not _CHARSET_LABEL_RE.fullmatch(label):
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    name = info.name
    if name in _BLOCKED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return _SUPERSETS.get(name, name)


@lru_cache(maxsize=128)
def _ascii_compatible(codec: str) -> bool:
    """True when pure-ASCII bytes decode to the same text with ``codec``."""
    if codec.startswith(("iso2022", "hz", "utf-7", "utf_7")):
        return False  # stateful 7-bit encodings
    try:
        return _ASCII_SAMPLE.encode(codec) == _ASCII_SAMPLE_BYTES
    except (LookupError, UnicodeError, ValueError):
        return False


# Among detection results that look equally clean, prefer the common ones
# (e.g. cp1252 over cp1258, which turns Italian "ì" into a combining accent).
_PREFERRED_DETECTIONS = (
    "utf_8", "ascii", "cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r",
    "gb18030", "cp932", "euc_jp", "cp949", "big5", "cp1250", "iso8859_2",
)  # fmt: skip


def _detect_encoding(data: bytes) -> str | None:
    try:
        results = _cn_from_bytes(data[:MAX_DETECT_BYTES])
        best = results.best()
        if best is None:
            return None
        encoding = best.encoding
        tied = {m.encoding for m in islice(results, 20) if m.chaos <= best.chaos + 0.01}
    except Exception:
        return None
    for preferred in _PREFERRED_DETECTIONS:
        if preferred in tied:
            encoding = preferred
            break
    return _resolve_charset(encoding) if encoding else None


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few broken bytes (e.g. a name cut in the middle of a character)."""
    for cut in (1, 2, 3):  # only the last character is cut (and the rest is UTF-8)
        lead = data[-cut] if len(data) > cut else 0
        if lead >= 0xC0:
            needed = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            head = data[:-cut]
            if cut < needed and not head.isascii():
                try:
                    return head.decode("utf-8") + "\ufffd", 1
                except UnicodeDecodeError:
                    pass
            break
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    # Every valid multi-byte character makes the text at least one char shorter.
    if bad > 0 and len(data) - len(text) >= 2 * bad:
        return text, bad
    return None


_ASCII_BYTES = bytes(range(128))
#: Fewer non-ASCII header bytes than this are too little for detection.
_MIN_HEADER_DETECT_BYTES = 12


def _decode_bytes(
    data: bytes,
    label: str | None,
    *,
    hint: str | None = None,
    fallback: bool = False,
    header: bool = False,
) -> tuple[str | None, str | None]:
    """Decode ``data`` declared as ``label``.

    Returns ``(text, problem)``.  ``text`` is None only when the bytes cannot be
    decoded sensibly and ``fallback`` is false.  ``hint`` is a codec to try
    before detection (the declared charset of the body, for 8-bit headers).
    ``header``: short data, where detection is unreliable; only ASCII-compatible
    detection results are used there (ASCII addresses must survive).
    Cheap paths first; charset-normalizer only when strict decoding failed.
    """
    declared = label.strip() if label else ""
    codec = _resolve_charset(declared) if declared else "ascii"
    problem = None
    if declared and codec is None:
        problem = f"unknown charset {declared[:40]!r}"

    if (codec is None or _ascii_compatible(codec)) and data.isascii():
        return _scrub(data.decode("ascii")), problem
    # Byte order marks override labels.
    if data[:3] == codecs.BOM_UTF8:
        try:
            return _scrub(data[3:].decode("utf-8")), problem
        except UnicodeDecodeError:
            pass
    elif data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and not (
        codec and codec.startswith("utf-16")
    ):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            return _scrub(text), _join(problem, "byte order mark: decoded as utf-16")

    tried_utf8 = False
    if codec is not None:
        if codec != "utf-8" and codec.startswith(_SINGLE_BYTE_PREFIXES):
            tried_utf8 = True
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                shown = declared or "us-ascii (default)"
                return _scrub(text), f"declared charset {shown[:40]!r} but content is utf-8"
        try:
            return _strict_decode(data, codec), problem
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            shown = declared or "us-ascii (default)"
            problem = f"invalid bytes for charset {shown[:40]!r}"
    if not tried_utf8 and codec != "utf-8":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return _scrub(text), _join(problem, "decoded as utf-8")
    almost = _mostly_utf8(data)
    if almost is not None:
        return _scrub(almost[0]), _join(
            problem, f"decoded as utf-8 with {almost[1]} invalid byte(s) replaced"
        )
    if hint and hint != codec:
        try:
            text = _strict_decode(data, hint)
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            pass
        else:
            return text, _join(problem, f"decoded as {hint} (message charset)")
    detected = None
    if not header or len(data.translate(None, _ASCII_BYTES)) >= _MIN_HEADER_DETECT_BYTES:
        detected = _detect_encoding(data)
        if detected and header and not _ascii_compatible(detected):
            detected = None
    if detected:
        try:
            text = data.decode(detected, "replace")
        except (LookupError, ValueError, TypeError):
            pass
        else:
            return _scrub(text), _join(problem, f"decoded as {detected} (detected)")
    if fallback:
        return _scrub(data.decode("cp1252", "replace")), _join(
            problem, "decoded as windows-1252 (fallback)"
        )
    return None, _join(problem, "could not be decoded")


def _strict_decode(data: bytes, codec: str) -> str:
    if codec in ("iso8859-1", "cp1252"):
        try:  # what iso-8859-1 labels mean in practice (smart quotes, euro sign)
            return _scrub(data.decode("cp1252"))
        except UnicodeDecodeError:
            return _scrub(data.decode("iso8859-1"))
    return _scrub(data.decode(codec))


def _join(problem: str | None, what: str) -> str:
    return f"{problem}, {what}" if problem else what


# --------------------------------------------------------------------------- header decoding


def _fix_8bit(value: str, hint: str | None) -> tuple[str, str | None]:
    """Decode raw 8-bit bytes (surrogate-escaped by the parser) in a header value."""
    if value.isascii():
        return value, None
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "replace")
    text, problem = _decode_bytes(data, "utf-8", hint=hint, fallback=True, header=True)
    if problem:
        problem = "8-bit bytes: " + problem
    return text or "", problem


# An encoded word.  Tolerant: works without surrounding spaces, inside quotes,
# with spaces or non-ASCII inside the payload, and unterminated at the very end.
_EW_RE = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*)(?:\?=|\Z)")
_B64_JUNK_RE = re.compile(r"[^A-Za-z0-9+/]")


def _ew_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("utf-8", "surrogateescape") if not payload.isascii() else payload
    if encoding in "qQ":
        return binascii.a2b_qp(raw, header=True)
    text = _B64_JUNK_RE.sub("", payload)
    if len(text) % 4 == 1:
        text = text[:-1]
    text += "=" * (-len(text) % 4)
    try:
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        return b""


def _decode_words(value: str, hint: str | None, problems: list[str]) -> str:
    """Decode RFC 2047 encoded words, tolerating common violations.

    Adjacent encoded words (separated only by white space) are joined, and their
    bytes are decoded together when the charset is the same, so characters split
    across words survive.  Unknown or wrong charsets fall back to detection.
    """
    for _ in range(2):  # a second pass for doubly encoded values
        if "=?" not in value:
            break
        decoded = _decode_words_once(value, hint, problems)
        if decoded is None:
            break
        value = decoded
    return value


def _decode_words_once(value: str, hint: str | None, problems: list[str]) -> str | None:
    # Runs of encoded words: (text before the run, charset, bytes) segments.
    out: list[str] = []
    pos = 0
    run: list[tuple[str, bytearray]] = []  # [(charset, bytes)] of the current run
    for match in _EW_RE.finditer(value):
        gap = value[pos : match.start()]
        if gap and not (run and gap.isspace()):
            out.extend(_decode_run(run, hint, problems))
            run = []
            out.append(gap)
        charset = match.group(1).split("*", 1)[0].lower()
        data = _ew_bytes(match.group(2), match.group(3))
        if run and run[-1][0] == charset:
            run[-1][1].extend(data)
        else:
            run.append((charset, bytearray(data)))
        pos = match.end()
    if pos == 0 and not run:
        return None
    out.extend(_decode_run(run, hint, problems))
    out.append(value[pos:])
    return "".join(out)


def _decode_run(
    run: list[tuple[str, bytearray]], hint: str | None, problems: list[str]
) -> list[str]:
    texts = []
    for charset, data in run:
        text, problem = _decode_bytes(bytes(data), charset, hint=hint, fallback=True, header=True)
        if problem:
            problems.append("encoded word: " + problem)
        texts.append(text or "")
    return texts


def _decode_header(raw: object, hint: str | None, problems: list[str]) -> str:
    """Unfold, fix 8-bit bytes and decode encoded words of one header value."""
    value = _unfold(raw, MAX_HEADER_VALUE_CHARS * 2)
    value, problem = _fix_8bit(value, hint)
    if problem:
        problems.append(problem)
    if "=?" in value:
        value = _decode_words(value, hint, problems)
    return value


# --------------------------------------------------------------------------- addresses

_ADDR_TOKEN_RE = re.compile(
    r"""
    (?P<q>"(?:[^"\\]|\\.)*(?:"|\Z))        # quoted string (maybe unterminated)
   |(?P<c>[()])                            # comment delimiters, depth counted below
   |(?P<a><[^<>]*(?:>|\Z))                 # angle address (maybe unterminated)
   |(?P<ew>=\?[^?\s]+\?[bBqQ]\?[^?]*\?=)   # encoded word (may contain , and spaces)
   |(?P<sep>[,;:])
   |(?P<t>[^"(),;:<>\s]+|[<>])             # atoms and stray brackets
   |(?P<ws>\s+)
    """,
    re.VERBOSE | re.DOTALL,
)
_EMAIL_RE = re.compile(
    r'(?:"[^"\x00-\x1f\x7f]+"|[^\s"<>()\[\],;:@\\\x00-\x1f\x7f]+)@[^\s"<>()\[\],;:@\\\x00-\x1f\x7f]+'
)


def _clean_email(candidate: str) -> str:
    candidate = candidate.strip().strip("<>").strip()
    if ":" in candidate and not candidate.startswith('"'):  # obsolete route: @a,@b:user@host
        candidate = candidate.rsplit(":", 1)[1].strip()
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    if len(candidate) > MAX_EMAIL_CHARS or not _EMAIL_RE.fullmatch(candidate):
        return ""
    if not candidate.isascii():
        candidate = _scrub(candidate)
    return candidate


def _clean_name(name: str, hint: str | None, problems: list[str]) -> str:
    if not name:
        return ""
    if "=?" in name:
        name = _decode_words(name, hint, problems)
    name = _one_line(name, MAX_NAME_CHARS)
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        name = name[1:-1].strip()
    return name


_ADDR_SPEC = r'[^<>"\s(),;:\\@\[\]\x00-\x1f\x7f]+@[^<>"\s(),;:\\@\[\]\x00-\x1f\x7f]+'
# The common shapes: ``Name <a@b>``, ``"Name, Q" <a@b>``, ``a@b``, comma separated.
_SIMPLE_ADDR_RE = re.compile(
    rf"""\s*(?:
        (?:"(?P<qn>[^"\\]*)"|(?P<n>[^",;:<>()\\@\[\]]*?))\s*<(?P<a>{_ADDR_SPEC})>
       |(?P<b>{_ADDR_SPEC})
    )\s*(?:,|\Z)""",
    re.VERBOSE,
)


def _parse_simple_addresses(
    value: str, hint: str | None, problems: list[str]
) -> list[Address] | None:
    """Fast path for plain address lists; None when the full parser is needed."""
    result: list[Address] = []
    pos = 0
    end = len(value)
    while pos < end:
        match = _SIMPLE_ADDR_RE.match(value, pos)
        if match is None or match.end() == pos:
            return None if value[pos:].strip() else result
        email = match.group("a") or match.group("b")
        if len(email) > MAX_EMAIL_CHARS:
            return None
        name = match.group("qn") if match.group("qn") is not None else match.group("n")
        result.append(Address(name=_clean_name(name or "", hint, problems), email=email))
        if len(result) >= MAX_ADDRESSES:
            return None  # let the full parser report the truncation
        pos = match.end()
    return result


def _parse_addresses(raw: object, hint: str | None, problems: list[str]) -> list[Address]:
    """Tolerant, linear address-list parser (group syntax skipped, bounded)."""
    value = _unfold(raw, MAX_STRUCTURED_HEADER_CHARS)
    value, _ = _fix_8bit(value, hint)  # already reported for the header list
    simple = _parse_simple_addresses(value, hint, problems)
    if simple is not None:
        return simple
    result: list[Address] = []
    words: list[str] = []  # display-name pieces (" " for white space)
    plain: list[str] = []  # raw tokens outside angle brackets (addr-spec candidates)
    comments: list[str] = []
    angle: str | None = None
    depth = 0

    def finish() -> None:
        nonlocal angle
        name = "".join(words)
        email = ""
        if angle is not None:
            email = _clean_email(angle)
        else:
            spec = "".join(t for t in plain if not t.isspace())
            if "@" in spec:
                email = _clean_email(spec)
                if not email:  # e.g. "foo@x.com Foo": pick the token with '@'
                    for token in plain:
                        if "@" in token:
                            email = _clean_email(token)
                            break
                name = ""
        if not name.strip() and comments:
            name = " ".join(comments)
        name = _clean_name(name, hint, problems)
        if not email and angle is None and "@" in name:
            email = _clean_email(name)  # e.g. an encoded word holding only the address
        if name or email:
            result.append(Address(name=name, email=email))
        words.clear()
        plain.clear()
        comments.clear()
        angle = None

    for match in _ADDR_TOKEN_RE.finditer(value):
        kind = match.lastgroup
        token = match.group()
        if depth:
            if token == "(":
                depth += 1
            elif token == ")":
                depth -= 1
            elif len(comments) < 20:
                comments.append(token.strip())
            continue
        if kind == "c":
            if token == "(":
                depth = 1
        elif kind == "sep":
            if token == ":" and angle is None:  # group display name: skip it
                words.clear()
                plain.clear()
                comments.clear()
            elif token != ":":
                finish()
                if len(result) >= MAX_ADDRESSES:
                    problems.append(f"more than {MAX_ADDRESSES} addresses, rest ignored")
                    return result
        elif kind == "a":
            angle = token[1:].rstrip(">")
        elif kind == "q":
            inner = token[1:-1] if len(token) > 1 and token.endswith('"') else token[1:]
            inner = inner.replace("\\\\", "\\").replace('\\"', '"')
            words.append(inner)
            plain.append(token)
        elif kind == "ws":
            if words:
                words.append(" ")
            plain.append(" ")
        else:  # atom, encoded word, stray bracket
            words.append(token)
            plain.append(token)
    finish()
    return result[:MAX_ADDRESSES]


# --------------------------------------------------------------------------- message ids

_MSGID_BRACKET_RE = re.compile(r"<([^<>]*)>")
_MSGID_SPLIT_RE = re.compile(r"[\s,;]+")
_MSGID_BAD_RE = re.compile(r"[\x00-\x1f\x7f<>\"]")
_WHITESPACE_RE = re.compile(r"\s")


def normalize_message_id(value: str) -> str:
    """Canonical form of one Message-ID for matching.

    Strips white space and angle brackets, lower-cases the domain (after the
    last ``@``) but keeps the case-sensitive local part.  '' for empty or garbage
    values (control characters, stray brackets); at most 500 characters.
    """
    if not isinstance(value, str):
        return ""
    value = value[: MAX_MESSAGE_ID_CHARS * 4].strip().strip("<>").strip()
    if not value:
        return ""
    if _WHITESPACE_RE.search(value):  # folded ids: drop the white space
        value = "".join(value.split())
    if _MSGID_BAD_RE.search(value):
        return ""
    at = value.rfind("@")
    if at >= 0:
        value = value[:at] + "@" + value[at + 1 :].lower()
    if value.strip("@.") == "":
        return ""
    return _scrub(value[:MAX_MESSAGE_ID_CHARS])


def parse_message_ids(value: str) -> list[str]:
    """All message ids in a References / In-Reply-To / Message-ID value.

    Ids in angle brackets are preferred; when there are none, bare tokens
    containing ``@`` are accepted.  Normalised, de-duplicated, in order.
    """
    if not isinstance(value, str) or not value:
        return []
    value = _unfold(value, MAX_MESSAGE_IDS * 120)
    candidates = _MSGID_BRACKET_RE.findall(value)
    if not candidates:
        candidates = [t for t in _MSGID_SPLIT_RE.split(value) if "@" in t]
    seen: set[str] = set()
    ids: list[str] = []
    for candidate in candidates:
        mid = normalize_message_id(candidate)
        if mid and mid not in seen:
            seen.add(mid)
            ids.append(mid)
            if len(ids) >= MAX_MESSAGE_IDS:
                break
    return ids


def _bound_references(ids: list[str]) -> list[str]:
    """Keep the thread root (first) and the most recent ids."""
    if len(ids) <= MAX_REFERENCES:
        return ids
    return [ids[0], *ids[-(MAX_REFERENCES - 1) :]]


# --------------------------------------------------------------------------- MIME parameters

_PARAM_CHUNK_RE = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*(?:"|\Z))+', re.DOTALL)
_MIME_TYPE_RE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,127}")
_PCT_RE = re.compile(rb"%([0-9A-Fa-f]{2})")


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
        # Like the stdlib: only \\ and \" are escapes, so C:\dir\file survives.
        value = value.replace("\\\\", "\\").replace('\\"', '"')
    return value


def _parse_mime_header(
    raw: str | None, hint: str | None, problems: list[str]
) -> tuple[str, dict[str, str]]:
    """Split a Content-Type / Content-Disposition value into (value, params).

    Handles quoting, RFC 2231 (``name*=charset'lang'%XX`` and ``name*0*=``
    continuations, joined as bytes before decoding) and RFC 2047 words inside
    quoted parameters.  Keys are lower-case; bounded.
    """
    if raw is None:
        return "", {}
    value = _unfold(raw, MAX_STRUCTURED_HEADER_CHARS)
    value, problem = _fix_8bit(value, hint)
    if problem:
        problems.append(problem)
    chunks = _PARAM_CHUNK_RE.findall(value)
    if not chunks:
        return "", {}
    main = chunks[0].strip().lower()
    if "=" in main:  # no main value at all, only parameters
        chunks.insert(0, "")
        main = ""
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[bool, str]]] = {}
    for chunk in islice(chunks, 1, MAX_PARAMS + 1):
        key, sep, val = chunk.partition("=")
        if not sep:
            continue
        key = key.strip().lower()
        if not key or len(key) > 80:
            continue
        val = val.strip()
        if "*" in key:
            base, _, rest = key.partition("*")
            encoded = rest.endswith("*") or rest == ""
            number = rest.rstrip("*")
            index = int(number) if number.isdigit() and len(number) <= 3 else 0
            sections = extended.setdefault(base, {})
            if len(sections) < MAX_PARAM_SECTIONS and index not in sections:
                sections[index] = (encoded, _unquote(val))
        elif key not in simple:
            simple[key] = _unquote(val)
    for base, sections in extended.items():
        data = bytearray()
        charset = ""
        first_index = min(sections)
        for index in sorted(sections):
            encoded, text = sections[index]
            if encoded:
                if index == first_index and text.count("'") >= 2:
                    charset, _, text = text.split("'", 2)
                raw_text = text.encode("utf-8", "surrogateescape")
                data.extend(_PCT_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw_text))
            else:
                data.extend(text.encode("utf-8", "surrogateescape"))
        decoded, problem = _decode_bytes(
            bytes(data), charset or "utf-8", hint=hint, fallback=True, header=True
        )
        if problem:
            problems.append(f"parameter {base}: {problem}")
        simple[base] = decoded or ""
    for key, val in simple.items():
        if "=?" in val:
            simple[key] = _decode_words(val, hint, problems)
    return main, simple


# --------------------------------------------------------------------------- file names

_MIMETYPES = mimetypes.MimeTypes()  # built-in table only: same result on every host
_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/news": ".eml",
    "message/delivery-status": ".txt",
    "message/global-delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "image/jpeg": ".jpg",
    "application/octet-stream": ".bin",
}
_FILENAME_BAD_RE = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


def _guess_extension(content_type: str) -> str:
    ext = _EXTENSIONS.get(content_type)
    if ext is None:
        try:
            ext = _MIMETYPES.guess_extension(content_type, strict=False)
        except Exception:
            ext = None
        if ext is None:
            ext = ".txt" if content_type.startswith("text/") else ".bin"
    return ext


def _safe_filename(name: str, content_type: str, number: int) -> str:
    """A display-safe file name: no directories, controls or reserved names."""
    name = name.replace("\\", "/")
    name = name.rsplit("/", 1)[-1]
    name = _one_line(name, MAX_STRUCTURED_HEADER_CHARS)
    name = _FILENAME_BAD_RE.sub("_", name).strip(" .")
    stem = name.split(".", 1)[0].strip().lower()
    if stem in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name) > MAX_ATTACHMENT_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            keep = MAX_ATTACHMENT_NAME_CHARS - len(ext) - 1
            name = stem[:keep].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_ATTACHMENT_NAME_CHARS].rstrip(" .")
    if not name:
        name = f"attachment-{number}{_guess_extension(content_type)}"
    return name


def _type_from_filename(filename: str) -> str | None:
    try:
        guessed, _ = _MIMETYPES.guess_type("x/" + filename, strict=False)
    except Exception:
        return None
    return guessed


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = frozenset(
    {
        "p", "br", "div", "span", "b", "strong", "i", "em", "u", "ul", "ol", "li",
        "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
        "a", "img", "blockquote", "pre", "code", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    }
)  # fmt: skip
_HTML_CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "title", "iframe", "object", "embed", "noscript", "template",
        "svg", "math", "textarea", "select", "noframes", "noembed", "xmp", "frameset",
    }
)  # fmt: skip


# Web-form notifications of an older CRM mark values with id="field_email" /
# id="custom_field_7"; the lead extractor reads them.  No other ids are kept
# (ids invite CSS and DOM clobbering tricks).
_HTML_FIELD_ID_RE = re.compile(r"(?:custom_)?field_[A-Za-z0-9_\-]{1,64}")


def _html_attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if _HTML_FIELD_ID_RE.fullmatch(value) else None
    if element == "img" and attribute == "src":
        # No remote images (tracking pixels) and no data: URLs: only cid: parts.
        return value if value.strip().lower().startswith("cid:") else None
    return value


_HTML_CLEANER = nh3.Cleaner(
    tags=set(_HTML_TAGS),
    clean_content_tags=set(_HTML_CLEAN_CONTENT_TAGS),
    attributes={
        "*": {"id"},  # field ids only, see _html_attribute_filter
        "a": {"href", "title"},
        "img": {"src", "alt"},
        "td": {"colspan", "rowspan"},
        "th": {"colspan", "rowspan"},
    },
    attribute_filter=_html_attribute_filter,
    url_schemes={"http", "https", "mailto", "cid"},
    link_rel="noopener noreferrer",
    url_relative="deny",
    strip_comments=True,
)
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][^\s/>]{0,30})")
_HTML_VOID_OR_AUTOCLOSE = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr", "p", "li", "dt", "dd", "option", "tr", "td", "th",
    }
)  # fmt: skip
_CRUDE_TAG_RE = re.compile(r"<[^>]{0,2000}>")
_CRUDE_SKIP_RE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _html_too_deep(html: str) -> bool:
    """Rough nesting depth check (html5ever is quadratic in the depth)."""
    if html.count("<") <= HTML_DEPTH_CHECK_MIN_TAGS:
        return False
    depth = 0
    for match in _HTML_TAG_RE.finditer(html):
        if match.group(1):
            if depth:
                depth -= 1
        elif match.group(2).lower() not in _HTML_VOID_OR_AUTOCLOSE:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return True
    return False


def _sanitize_html(html: str, defects: list[str]) -> str:
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        _defect(defects, f"HTML body longer than {MAX_HTML_CHARS} characters, truncated")
    if _html_too_deep(html):
        _defect(defects, f"HTML nested deeper than {MAX_HTML_DEPTH} elements, HTML dropped")
        return ""
    try:
        cleaned = _HTML_CLEANER.clean(html)
    except Exception as exc:
        _defect(defects, f"HTML could not be sanitised ({type(exc).__name__}), HTML dropped")
        return ""
    if len(cleaned) > 2 * MAX_HTML_CHARS:  # escaping can grow the text; re-clean a cut
        cleaned = _HTML_CLEANER.clean(cleaned[: 2 * MAX_HTML_CHARS])
    return _scrub(cleaned)


def _html_to_text(html: str, defects: list[str]) -> str:
    if len(html) > MAX_HTML_TO_TEXT_CHARS:
        html = html[:MAX_HTML_TO_TEXT_CHARS]
    try:
        text = _inscriptis_get_text(html)
    except Exception as exc:
        _defect(defects, f"HTML to text conversion failed ({type(exc).__name__}), tags stripped")
        text = html_lib.unescape(_CRUDE_TAG_RE.sub(" ", _CRUDE_SKIP_RE.sub(" ", html)))
    return _scrub(text)


# --------------------------------------------------------------------------- MIME walk


def _defect(defects: list[str], message: str) -> None:
    message = message[:MAX_DEFECT_CHARS]
    if message in defects:
        return
    if len(defects) < MAX_DEFECTS:
        defects.append(message)
    elif len(defects) == MAX_DEFECTS:
        defects.append("more defects omitted")


def _raw_headers(part: Message, names: frozenset[str]) -> dict[str, str]:
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


_PART_HEADERS = frozenset({"content-type", "content-disposition", "content-id"})
_META_CHARSET_RE = re.compile(r"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]{1,40})", re.I)
_TEXT_CHARSET_SKIP = frozenset({"ascii", "utf-8"})


def _raw_payload(part: Message) -> object:
    """The payload as parsed (a list of parts or a str with surrogate escapes).

    ``get_payload()`` would return a copy of 8-bit text with U+FFFD for the
    escapes: more memory, and not what the parser read.
    """
    return part._payload


_UUENCODE_CTES = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


def _decoded_payload(part: Message, payload: object, blobs: _Blobs | None) -> bytes | None:
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
        return part.get_payload(decode=True)
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
        elif cte not in _UUENCODE_CTES:
            return payload.encode("ascii", "surrogateescape")
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        pass
    return part.get_payload(decode=True)


class _Walker:
    """Depth-first, bounded walk over the MIME tree collecting body and files."""

    def __init__(self, result: ParsedEmail, hint: str | None, blobs: _Blobs | None = None) -> None:
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
                _defect(self.defects, f"more than {MAX_PARTS} MIME parts, the rest was ignored")
                return
            try:
                children = self._visit(part, depth, headers)
            except Exception as exc:  # one bad part must not lose the others
                _defect(self.defects, f"part {self.number}: skipped ({type(exc).__name__})")
                continue
            if children:
                if depth + 1 > MAX_DEPTH:
                    _defect(
                        self.defects,
                        f"part {self.number}: MIME nesting deeper than {MAX_DEPTH}, ignored",
                    )
                    continue
                stack.extend((child, depth + 1, None) for child in reversed(children))

    def _visit(self, part: Message, depth: int, headers: dict[str, str] | None) -> list[Message]:
        number = self.number
        problems: list[str] = []
        if headers is None:
            headers = _raw_headers(part, _PART_HEADERS)
        for d in islice(getattr(part, "defects", ()), 10):
            _defect(self.defects, f"part {number}: {type(d).__name__}")
        default_type = part.get_default_type()
        ctype, cparams = _parse_mime_header(headers.get("content-type"), self.hint, problems)
        declared_type = ctype
        if not _MIME_TYPE_RE.fullmatch(ctype):
            if "content-type" in headers:
                problems.append(f"invalid content type {ctype[:60]!r}, using {default_type}")
            ctype = default_type
            declared_type = ""
        payload = _raw_payload(part)
        if isinstance(payload, list) and not ctype.startswith("message/"):
            if declared_type and not ctype.startswith("multipart/"):
                problems.append(f"{ctype} part has sub-parts, treated as multipart/mixed")
            self._report(number, problems)
            return [p for p in islice(payload, MAX_PARTS + 1) if isinstance(p, Message)]
        if ctype.startswith("multipart/"):
            # No usable boundary: the stdlib left the body unparsed.
            problems.append(f"{ctype} without parts, treated as text/plain")
            ctype = "text/plain"

        disposition, dparams = _parse_mime_header(
            headers.get("content-disposition"), self.hint, problems
        )
        filename = dparams.get("filename") or cparams.get("name") or ""
        content_id = headers.get("content-id", "")
        if content_id:
            content_id = _one_line(_unfold(content_id, 1000), 1000)
            content_id = content_id.strip("<> ")[:MAX_CONTENT_ID_CHARS]

        if ctype.startswith("message/"):
            data = self._message_bytes(part, payload, number)
            payload = None
            part.set_payload("")  # the attached message is not walked
            self._attach(data, ctype, filename, content_id, disposition, declared_type)
            self._report(number, problems)
            return []

        try:
            data = _decoded_payload(part, payload, self.blobs)
        except Exception as exc:
            problems.append(f"transfer encoding could not be decoded ({type(exc).__name__})")
            data = None
        # The encoded text is not needed any more: let it go before the next
        # (maybe big) part is decoded.
        payload = None
        part.set_payload("")
        if not isinstance(data, bytes):
            data = b""

        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            charset = cparams.get("charset")
            if not charset and ctype == "text/html" and not data.isascii():
                match = _META_CHARSET_RE.search(data[:4096].decode("latin-1"))
                charset = match.group(1) if match else None
            hint = self.hint or (self.charsets[0] if self.charsets else None)
            text, problem = _decode_bytes(data, charset, hint=hint)
            if problem:
                problems.append(problem)
            if text is not None:
                if charset:
                    codec = _resolve_charset(charset)
                    if codec and codec not in _TEXT_CHARSET_SKIP:
                        self.charsets.append(codec)
                self._add_body(ctype, text, number)
                self._report(number, problems)
                return []
            problems.append("kept as attachment")
        self._attach(data, ctype, filename, content_id, disposition, declared_type)
        self._report(number, problems)
        return []

    def _report(self, number: int, problems: list[str]) -> None:
        for problem in problems[:10]:
            _defect(self.defects, f"part {number}: {problem}")

    def _add_body(self, ctype: str, text: str, number: int) -> None:
        if ctype == "text/plain":
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            room = MAX_TEXT_CHARS - self.plain_len
            if len(text) > room:
                text = text[: max(room, 0)]
                _defect(self.defects, f"part {number}: text longer than limit, truncated")
            if text:
                self.plain.append(text)
                self.plain_len += len(text) + 1
        else:
            room = MAX_HTML_CHARS - self.html_len
            if len(text) > room:
                text = text[: max(room, 0)]
                _defect(self.defects, f"part {number}: HTML longer than limit, truncated")
            if text:
                self.html.append(text)
                self.html_len += len(text) + 1

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
                _defect(
                    self.defects,
                    f"part {number}: attached message could not be serialised "
                    f"({type(exc).__name__})",
                )
        return b"".join(chunks)

    def _attach(
        self,
        data: bytes,
        ctype: str,
        filename: str,
        content_id: str,
        disposition: str,
        declared_type: str,
    ) -> None:
        index = len(self.result.attachments) + 1
        safe_name = _safe_filename(filename, ctype, index)
        content_type = ctype
        if not declared_type and filename:
            content_type = _type_from_filename(safe_name) or "application/octet-stream"
        self.result.attachments.append(
            ParsedAttachment(
                filename=safe_name,
                content_type=content_type,
                data=data,
                content_id=content_id,
                inline=disposition == "inline" or (not disposition and bool(content_id)),
            )
        )

    def finish(self) -> None:
        result = self.result
        if self.html:
            html = "\n".join(self.html)
            result.html = _sanitize_html(html, self.defects)
        else:
            html = ""
        text = "\n".join(self.plain)
        if not text.strip() and html:
            text = _html_to_text(html, self.defects)
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
        result.text = text


# --------------------------------------------------------------------------- message


def _structure_parse(
    raw: bytes, headers_only: bool, defects: list[str]
) -> tuple[Message | None, bool, _Blobs | None]:
    """Parse the MIME structure; returns (message, headers_only, blobs).

    When the full parse fails (e.g. RecursionError on absurd nesting) the
    header block alone is parsed and the body is reported as a defect.
    """
    raw = _header_block(raw) if headers_only else _bound_delimiters(raw, defects)
    try:
        if headers_only:
            msg = BytesParser(policy=PARSE_POLICY).parsebytes(raw, headersonly=True)
            return msg, True, None
        msg, blobs = _feed_parse(raw, defects)
        return msg, False, blobs
    except Exception as exc:
        _defect(defects, f"MIME structure could not be parsed ({type(exc).__name__})")
    if headers_only:
        return None, True, None
    try:
        msg = BytesParser(policy=PARSE_POLICY).parsebytes(_header_block(raw), headersonly=True)
    except Exception as exc:
        _defect(defects, f"header block could not be parsed ({type(exc).__name__})")
        return None, True, None
    _defect(defects, "body ignored: only the headers could be parsed")
    return msg, True, None


#: Bytes given to the feed parser at a time.
_FEED_CHUNK_BYTES = 64 * 1024
#: Messages at least this big have their long runs of plain body lines kept
#: out of the MIME parser (see :class:`_Blobs`); smaller ones are parsed as is.
_BLOB_MIN_MESSAGE_BYTES = 256 * 1024
#: Shortest run of lines (bytes) that is kept out of the parser.
_BLOB_MIN_BYTES = 16 * 1024
# A run of lines that the feed parser can only ever treat as body text: not
# empty, no ":" (no header), not starting with white space (no continuation),
# "-" (no boundary) or "From " (no envelope line).  Line ends as the parser's.
# Possessive: the plain ``(...)+`` keeps backtracking state for every line.
_BLOB_RUN_RE = re.compile(rb"^(?:(?:[^\s:\-F]|F(?!rom ))[^\r\n:]*+(?:\r\n|\r|\n))++", re.MULTILINE)
_BASE64_SIGNIFICANT_RE = re.compile(r"[A-Za-z0-9+/=]")


class _Blobs:
    """Long runs of body lines of a big message, kept out of the MIME parser.

    The feed parser holds each line of a part as its own str (about 50 bytes
    of overhead per line) and then joins them, so a base64 attachment costs
    about 3x its size before it is decoded.  Each run of lines that can only
    be body text (see ``_BLOB_RUN_RE``) is given to the parser as one marker
    line instead, which builds exactly the same tree; the walker decodes base64
    runs straight from ``raw`` and puts the text back everywhere else.
    """

    __slots__ = ("marker", "raw", "spans", "token_re")

    def __init__(self, raw: bytes, spans: list[tuple[int, int]]) -> None:
        self.raw = raw
        self.spans = spans
        # Random per message: the message itself cannot contain (forge) markers.
        # (os.urandom, not secrets: that imports hashlib/OpenSSL, +3.5 MB RSS.)
        self.marker = f"\x00blob-{os.urandom(8).hex()}-"
        self.token_re = re.compile(re.escape(self.marker) + r"(\d+)\x00")

    def token(self, index: int) -> bytes:
        return f"{self.marker}{index}\x00".encode("ascii")

    def _pieces(self, text: str) -> list[str | memoryview]:
        """``text`` split into its own pieces and the runs' bytes (odd places)."""
        pieces: list[str | memoryview] = list(self.token_re.split(text))
        view = memoryview(self.raw)
        for i in range(1, len(pieces), 2):
            start, end = self.spans[int(pieces[i])]
            pieces[i] = view[start:end]
        return pieces

    def restore(self, text: str) -> str:
        """``text`` as the parser would have made it from the original lines."""
        return "".join(
            str(p, "ascii", "surrogateescape") if isinstance(p, memoryview) else p
            for p in self._pieces(text)
        )  # 8-bit bytes as the parser decodes them

    def decode(self, text: str, cte: str) -> bytes | None:
        """The payload ``text`` decoded as ``get_payload(decode=True)`` would.

        None when that has to be left to the stdlib (uuencode, bad base64).
        """
        if cte in _UUENCODE_CTES:
            return None
        pieces = self._pieces(text)
        try:
            # One run and nothing else that base64 would use: decode it in place.
            if (
                cte == "base64"
                and len(pieces) == 3
                and not any(_BASE64_SIGNIFICANT_RE.search(str(p)) for p in pieces[::2])
            ):
                return binascii.a2b_base64(pieces[1])
            # The bytes the stdlib would decode (it encodes the text like this).
            data = b"".join(
                p if isinstance(p, memoryview) else p.encode("ascii", "surrogateescape")
                for p in pieces
            )
            del pieces
            if cte == "base64":
                return binascii.a2b_base64(data)
            if cte == "quoted-printable":
                return binascii.a2b_qp(data)
            return data
        except (binascii.Error, ValueError):
            return None

    def restore_tree(self, root: Message) -> None:
        """Put the text back into a subtree (before it is serialised)."""
        stack = [root]
        while stack:
            msg = stack.pop()
            payload = _raw_payload(msg)
            if isinstance(payload, list):
                stack.extend(p for p in payload if isinstance(p, Message))
            elif isinstance(payload, str) and self.marker in payload:
                msg.set_payload(self.restore(payload))
            for name in ("preamble", "epilogue"):
                value = getattr(msg, name, None)
                if isinstance(value, str) and self.marker in value:
                    setattr(msg, name, self.restore(value))


def _blob_spans(raw: bytes) -> list[tuple[int, int]]:
    """(start, end) of the long runs of body lines, without the last line end."""
    spans: list[tuple[int, int]] = []
    if len(raw) < _BLOB_MIN_MESSAGE_BYTES:
        return spans
    for match in _BLOB_RUN_RE.finditer(raw):
        start, end = match.span()
        if end - start >= _BLOB_MIN_BYTES:
            # The parser takes the line end before a boundary from the payload.
            end -= 2 if raw[end - 2 : end] == b"\r\n" else 1
            spans.append((start, end))
    return spans


def _line_ends(raw: bytes, start: int, end: int) -> int:
    """About the number of lines in ``raw[start:end]`` (CR LF counts once)."""
    return max(raw.count(b"\n", start, end), raw.count(b"\r", start, end))


def _parse_stop(raw: bytes, spans: list[tuple[int, int]]) -> int:
    """Offset where the parser's input ends: about MAX_PARSE_LINES lines outside the spans."""
    budget = MAX_PARSE_LINES
    pos = 0
    for start, end in [*spans, (len(raw), len(raw))]:
        lines = _line_ends(raw, pos, start)
        if lines > budget:  # the limit is in this gap: halve it until it is found
            low, high = pos, start
            while high - low > 4096:
                middle = (low + high) // 2
                lines = _line_ends(raw, low, middle)
                if lines > budget:
                    high = middle
                else:
                    budget -= lines
                    low = middle
            for _ in range(budget):  # and cut after a line end
                line_end = raw.find(b"\n", low, high)
                if line_end < 0:
                    break
                low = line_end + 1
            return low
        budget -= lines
        pos = end
    return len(raw)


def _feed_parse(raw: bytes, defects: list[str]) -> tuple[Message, _Blobs | None]:
    """``BytesParser.parsebytes(raw)`` without its copies of the whole message.

    parsebytes decodes all of ``raw`` to one str and wraps it in a StringIO
    (4 bytes per character): 5x the message before any part is built.  Fed
    in chunks, the parser holds only the lines it has not consumed yet, and
    long runs of body lines are not given to it at all (see :class:`_Blobs`).
    """
    parser = BytesFeedParser(policy=PARSE_POLICY)
    spans = _blob_spans(raw)
    stop = _parse_stop(raw, spans) if len(raw) > MAX_PARSE_LINES else len(raw)
    if stop < len(raw):
        _defect(
            defects,
            f"more than {MAX_PARSE_LINES} lines, only the first {stop} bytes were parsed",
        )
        spans = [span for span in spans if span[1] <= stop]
    blobs = _Blobs(raw, spans) if spans else None
    view = memoryview(raw)
    pos = 0
    for index, (start, end) in enumerate([*spans, (stop, stop)]):
        for chunk in range(pos, start, _FEED_CHUNK_BYTES):
            parser.feed(bytes(view[chunk : min(chunk + _FEED_CHUNK_BYTES, start)]))
        if blobs is not None and index < len(spans):
            parser.feed(blobs.token(index))
        pos = end
    return parser.close(), blobs


def _header_block(raw: bytes) -> bytes:
    block = raw[:MAX_HEADER_BLOCK_BYTES]
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := block.find(sep)) >= 0]
    if ends:
        end, length = min(ends)
        block = block[: end + length]
    return block


def _bound_delimiters(raw: bytes, defects: list[str]) -> bytes:
    if raw.count(b"\n--") <= MAX_DELIMITER_LINES:
        return raw
    pos = -1
    for _ in range(MAX_DELIMITER_LINES):
        pos = raw.find(b"\n--", pos + 1)
    _defect(
        defects,
        f"more than {MAX_DELIMITER_LINES} boundary-like lines, only the first "
        f"{pos} bytes were parsed",
    )
    return raw[:pos]


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
            _defect(result.defects, f"input is {type(raw).__name__}, not bytes")
            return result
        result.size = len(raw)
        if not headers_only and len(raw) > MAX_MESSAGE_BYTES:
            _defect(result.defects, f"message larger than {MAX_MESSAGE_BYTES} bytes, body ignored")
            headers_only = True
        _parse_into(result, raw, headers_only)
    except Exception as exc:  # last resort: keep whatever was filled in
        _defect(result.defects, f"parser failure ({type(exc).__name__})")
    return result


def _parse_into(result: ParsedEmail, raw: bytes, headers_only: bool) -> None:
    defects = result.defects
    msg, headers_only, blobs = _structure_parse(raw, headers_only, defects)
    if msg is None:
        return

    # One pass over the raw header fields.
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
            if len(values) < 20:
                values.append(value)
    if len(fields) >= MAX_HEADERS and len(msg) > MAX_HEADERS:
        _defect(defects, f"more than {MAX_HEADERS} header fields, the rest was ignored")

    def first(key: str) -> str | None:
        values = wanted.get(key)
        return values[0] if values else None

    root_headers = {k: v[0] for k, v in wanted.items() if k in _PART_HEADERS}
    if headers_only:  # otherwise the walk reports them as part 1
        for d in islice(msg.defects, 10):
            _defect(defects, f"message: {type(d).__name__}")

    # Body first: its charset is the best hint for raw 8-bit header bytes.
    ctype_problems: list[str] = []
    root_type, root_params = _parse_mime_header(first("content-type"), None, ctype_problems)
    hint = _resolve_charset(root_params["charset"]) if root_params.get("charset") else None
    if hint in _TEXT_CHARSET_SKIP:
        hint = None
    if not _MIME_TYPE_RE.fullmatch(root_type):
        root_type = "text/plain"
    result.content_type = root_type
    if not headers_only:
        walker = _Walker(result, hint, blobs)
        walker.walk(msg, root_headers)
        walker.finish()
        if hint is None and walker.charsets:
            hint = walker.charsets[0]

    # Headers.
    problems: list[str] = []
    decoded: list[tuple[str, str]] = []
    for name, value in fields:
        if isinstance(name, str) and name.isascii() and name.isprintable():
            hname = name.strip().lower()[:MAX_HEADER_NAME_CHARS]
        else:
            hname = _one_line(name if isinstance(name, str) else "", MAX_HEADER_NAME_CHARS).lower()
        if value.isascii() and "=?" not in value:  # fast path: nothing to decode
            text = _controls_to_spaces(_unfold(value, MAX_HEADER_VALUE_CHARS)).strip()
        else:
            header_problems: list[str] = []
            text = _decode_header(value, hint, header_problems)
            text = _scrub(_controls_to_spaces(text).strip())[:MAX_HEADER_VALUE_CHARS]
            for problem in header_problems[:3]:
                problems.append(f"header {hname[:40]}: {problem}")
        decoded.append((hname, text))
    result.headers = decoded

    subject = next((v for k, v in decoded if k == "subject"), None)
    if subject is None and first("subject") is not None:
        subject = _decode_header(first("subject"), hint, problems)
    result.subject = _one_line(subject or "", MAX_SUBJECT_CHARS)

    def addresses(key: str, *, all_fields: bool = False) -> list[Address]:
        found: list[Address] = []
        for value in wanted.get(key, [])[: 10 if all_fields else 1]:
            field_problems: list[str] = []
            found.extend(_parse_addresses(value, hint, field_problems))
            for problem in field_problems[:3]:
                problems.append(f"{key}: {problem}")
        return found[:MAX_ADDRESSES]

    senders = addresses("from")
    result.sender = next((a for a in senders if a.email), senders[0] if senders else None)
    result.reply_to = addresses("reply-to")
    result.to = addresses("to", all_fields=True)
    result.cc = addresses("cc", all_fields=True)

    raw_id = first("message-id")
    if raw_id is not None:
        ids = parse_message_ids(raw_id)
        result.message_id = ids[0] if ids else normalize_message_id(_unfold(raw_id, 2000))
    if not result.message_id:
        problems.append("no usable Message-ID")
    if first("in-reply-to") is not None:
        result.in_reply_to = parse_message_ids(first("in-reply-to"))[:MAX_REFERENCES]
    if first("references") is not None:
        result.references = _bound_references(parse_message_ids(first("references")))

    raw_date = first("date")
    if raw_date is not None:
        result.date = _parse_date(_unfold(raw_date, 200), problems)

    for problem in problems:
        _defect(defects, problem)


def _parse_date(value: str, problems: list[str]) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        parsed = None
    if parsed is None:
        problems.append(f"invalid Date header {value[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
