"""Header values: raw 8-bit bytes, RFC 2047 encoded words, MIME parameters, message ids.

Small, linear, tolerant decoders instead of ``policy.default`` header objects:
those cost 40-260 us per header, mis-parse some hostile forms, can raise
RecursionError on nested comments and leak lone surrogates for unknown charsets.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable
from itertools import islice

from .charsets import decode_bytes
from .limits import (
    MAX_HEADER_VALUE_CHARS,
    MAX_MESSAGE_ID_CHARS,
    MAX_MESSAGE_IDS,
    MAX_PARAM_NAME_CHARS,
    MAX_PARAM_SECTIONS,
    MAX_PARAMS,
    MAX_REFERENCES,
    MAX_STRUCTURED_HEADER_CHARS,
)
from .text import scrub, unfold

# --------------------------------------------------------------------------- encoded words


def fix_8bit(value: str, hint: str | None) -> tuple[str, str | None]:
    """Decode raw 8-bit bytes (surrogate-escaped by the parser) in a header value."""
    if value.isascii():
        return value, None
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "replace")
    text, problem = decode_bytes(data, "utf-8", hint=hint, fallback=True, header=True)
    if problem:
        problem = "8-bit bytes: " + problem
    return text or "", problem


# An encoded word.  Tolerant: works without surrounding spaces, inside quotes,
# with spaces or non-ASCII inside the payload, and unterminated at the very end.
_EW_RE = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*)(?:\?=|\Z)")
_B64_JUNK_RE = re.compile(r"[^A-Za-z0-9+/]")
#: Encoded words inside encoded words happen; a value is decoded at most this often.
_ENCODED_WORD_PASSES = 2


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


def decode_words(value: str, hint: str | None, problems: list[str]) -> str:
    """Decode RFC 2047 encoded words, tolerating common violations.

    Adjacent encoded words (separated only by white space) are joined, and their
    bytes are decoded together when the charset is the same, so characters split
    across words survive.  Unknown or wrong charsets fall back to detection.
    """
    for _ in range(_ENCODED_WORD_PASSES):  # a second pass for doubly encoded values
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
        text, problem = decode_bytes(bytes(data), charset, hint=hint, fallback=True, header=True)
        if problem:
            problems.append("encoded word: " + problem)
        texts.append(text or "")
    return texts


def decode_header(raw: object, hint: str | None, problems: list[str]) -> str:
    """Unfold, fix 8-bit bytes and decode encoded words of one header value."""
    value = unfold(raw, MAX_HEADER_VALUE_CHARS * 2)
    value, problem = fix_8bit(value, hint)
    if problem:
        problems.append(problem)
    if "=?" in value:
        value = decode_words(value, hint, problems)
    return value


# --------------------------------------------------------------------------- message ids

_MSGID_BRACKET_RE = re.compile(r"<([^<>]*)>")
_MSGID_SPLIT_RE = re.compile(r"[\s,;]+")
_MSGID_BAD_RE = re.compile(r"[\x00-\x1f\x7f<>\"]")
_WHITESPACE_RE = re.compile(r"\s")
#: Characters a raw References value may take, per id kept.
_CHARS_PER_MESSAGE_ID = 120


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
    return scrub(value[:MAX_MESSAGE_ID_CHARS])


def parse_message_ids(value: str) -> list[str]:
    """All message ids in a References / In-Reply-To / Message-ID value.

    Ids in angle brackets are preferred; when there are none, bare tokens
    containing ``@`` are accepted.  Normalised, de-duplicated, in order.
    """
    if not isinstance(value, str) or not value:
        return []
    value = unfold(value, MAX_MESSAGE_IDS * _CHARS_PER_MESSAGE_ID)
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


def bound_references(ids: list[str]) -> list[str]:
    """Keep the thread root (first) and the most recent ids."""
    if len(ids) <= MAX_REFERENCES:
        return ids
    return [ids[0], *ids[-(MAX_REFERENCES - 1) :]]


# --------------------------------------------------------------------------- MIME parameters

_PARAM_CHUNK_RE = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*(?:"|\Z))+', re.DOTALL)
MIME_TYPE_RE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,127}")
_PCT_RE = re.compile(rb"%([0-9A-Fa-f]{2})")
#: RFC 2231 section numbers (``name*12*=``) longer than this are junk: section 0.
_MAX_SECTION_DIGITS = 3

#: RFC 2231 sections of one parameter: {number: (percent-encoded, text)}.
Sections = dict[int, tuple[bool, str]]


def unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
        # Like the stdlib: only \\ and \" are escapes, so C:\dir\file survives.
        value = value.replace("\\\\", "\\").replace('\\"', '"')
    return value


def parse_mime_header(
    raw: str | None, hint: str | None, problems: list[str]
) -> tuple[str, dict[str, str]]:
    """Split a Content-Type / Content-Disposition value into (value, params).

    Handles quoting, RFC 2231 (``name*=charset'lang'%XX`` and ``name*0*=``
    continuations, joined as bytes before decoding) and RFC 2047 words inside
    quoted parameters.  Keys are lower-case; bounded.
    """
    if raw is None:
        return "", {}
    value = unfold(raw, MAX_STRUCTURED_HEADER_CHARS)
    value, problem = fix_8bit(value, hint)
    if problem:
        problems.append(problem)
    chunks = _PARAM_CHUNK_RE.findall(value)
    if not chunks:
        return "", {}
    main = chunks[0].strip().lower()
    if "=" in main:  # no main value at all, only parameters
        chunks.insert(0, "")
        main = ""
    simple, extended = _split_params(islice(chunks, 1, MAX_PARAMS + 1))
    for base, sections in extended.items():
        simple[base] = _join_sections(base, sections, hint, problems)
    for key, val in simple.items():
        if "=?" in val:
            simple[key] = decode_words(val, hint, problems)
    return main, simple


def _split_params(chunks: Iterable[str]) -> tuple[dict[str, str], dict[str, Sections]]:
    """``key=value`` chunks: plain parameters, and the RFC 2231 sections of the others."""
    simple: dict[str, str] = {}
    extended: dict[str, Sections] = {}
    for chunk in chunks:
        key, sep, val = chunk.partition("=")
        if not sep:
            continue
        key = key.strip().lower()
        if not key or len(key) > MAX_PARAM_NAME_CHARS:
            continue
        val = val.strip()
        if "*" in key:
            base, _, rest = key.partition("*")
            encoded = rest.endswith("*") or rest == ""
            number = rest.rstrip("*")
            index = int(number) if number.isdigit() and len(number) <= _MAX_SECTION_DIGITS else 0
            sections = extended.setdefault(base, {})
            if len(sections) < MAX_PARAM_SECTIONS and index not in sections:
                sections[index] = (encoded, unquote(val))
        elif key not in simple:
            simple[key] = unquote(val)
    return simple, extended


def _join_sections(base: str, sections: Sections, hint: str | None, problems: list[str]) -> str:
    """RFC 2231 §3-4: sections joined as bytes, then decoded with the first one's charset."""
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
    decoded, problem = decode_bytes(
        bytes(data), charset or "utf-8", hint=hint, fallback=True, header=True
    )
    if problem:
        problems.append(f"parameter {base}: {problem}")
    return decoded or ""
