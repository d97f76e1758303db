"""Charsets: decode the bytes of a body or a header as what they really are.

Labels in mail are often wrong or unknown; cheap paths first (ASCII, byte
order marks, the declared charset), charset-normalizer only when strict
decoding failed.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from itertools import islice

from charset_normalizer import from_bytes as _cn_from_bytes

from .limits import MAX_DETECT_BYTES, QUOTED_LABEL_CHARS
from .text import join_problems, scrub

#: (text, problem): the decoded text and what was wrong, None when nothing.
Decoded = tuple[str, str | None]

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
_STRICT_ERRORS = (UnicodeDecodeError, LookupError, ValueError, TypeError)


@lru_cache(maxsize=512)
def resolve_charset(label: str) -> str | None:
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
def ascii_compatible(codec: str) -> bool:
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
#: Detection results compared with the best one, and how much more "chaos" ties.
_DETECTION_CANDIDATES = 20
_CHAOS_TIE = 0.01


def _detect_encoding(data: bytes) -> str | None:
    try:
        results = _cn_from_bytes(data[:MAX_DETECT_BYTES])
        best = results.best()
        if best is None:
            return None
        encoding = best.encoding
        tied = {
            m.encoding
            for m in islice(results, _DETECTION_CANDIDATES)
            if m.chaos <= best.chaos + _CHAOS_TIE
        }
    except Exception:
        return None
    for preferred in _PREFERRED_DETECTIONS:
        if preferred in tied:
            encoding = preferred
            break
    return resolve_charset(encoding) if encoding else None


# The first byte of a multi-byte UTF-8 sequence says how long it is.
_UTF8_LEAD_2, _UTF8_LEAD_3, _UTF8_LEAD_4 = 0xC0, 0xE0, 0xF0
_UTF8_MAX_SEQUENCE = 4


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few broken bytes (e.g. a name cut in the middle of a character)."""
    for cut in range(1, _UTF8_MAX_SEQUENCE):  # only the last character is cut
        lead = data[-cut] if len(data) > cut else 0
        if lead >= _UTF8_LEAD_2:
            needed = 2 if lead < _UTF8_LEAD_3 else 3 if lead < _UTF8_LEAD_4 else 4
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


def decode_bytes(
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
    """
    declared = label.strip() if label else ""
    codec = resolve_charset(declared) if declared else "ascii"
    problem = None
    if declared and codec is None:
        problem = f"unknown charset {declared[:QUOTED_LABEL_CHARS]!r}"

    if (codec is None or ascii_compatible(codec)) and data.isascii():
        return scrub(data.decode("ascii")), problem
    found = _by_byte_order_mark(data, codec, problem)
    if found is None:
        text, problem = _as_declared(data, codec, declared, problem)
        if text is not None:
            return text, problem
        found = _guessed(data, codec, hint=hint, header=header, problem=problem)
    if found is not None:
        return found
    if fallback:
        text = scrub(data.decode("cp1252", "replace"))
        return text, join_problems(problem, "decoded as windows-1252 (fallback)")
    return None, join_problems(problem, "could not be decoded")


def _by_byte_order_mark(data: bytes, codec: str | None, problem: str | None) -> Decoded | None:
    """Byte order marks override labels."""
    if data[:3] == codecs.BOM_UTF8:
        text = _decoded_or_none(data[3:], "utf-8")
        return (text, problem) if text is not None else None
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and not (
        codec and codec.startswith("utf-16")
    ):
        text = _decoded_or_none(data, "utf-16")
        if text is not None:
            return text, join_problems(problem, "byte order mark: decoded as utf-16")
    return None


def _as_declared(
    data: bytes, codec: str | None, declared: str, problem: str | None
) -> tuple[str | None, str | None]:
    """The declared charset, else UTF-8; (None, problem) when neither fits."""
    shown = (declared or "us-ascii (default)")[:QUOTED_LABEL_CHARS]
    single_byte = codec is not None and codec != "utf-8" and codec.startswith(_SINGLE_BYTE_PREFIXES)
    if single_byte:
        text = _decoded_or_none(data, "utf-8")
        if text is not None:
            return text, f"declared charset {shown!r} but content is utf-8"
    if codec is not None:
        try:
            return strict_decode(data, codec), problem
        except _STRICT_ERRORS:
            problem = f"invalid bytes for charset {shown!r}"
    if not single_byte and codec != "utf-8":
        text = _decoded_or_none(data, "utf-8")
        if text is not None:
            return text, join_problems(problem, "decoded as utf-8")
    return None, problem


def _guessed(
    data: bytes, codec: str | None, *, hint: str | None, header: bool, problem: str | None
) -> Decoded | None:
    """UTF-8 with a few bad bytes, the message's charset, or what detection says."""
    almost = _mostly_utf8(data)
    if almost is not None:
        text, bad = almost
        return scrub(text), join_problems(
            problem, f"decoded as utf-8 with {bad} invalid byte(s) replaced"
        )
    if hint and hint != codec:
        try:
            text = strict_decode(data, hint)
        except _STRICT_ERRORS:
            pass
        else:
            return text, join_problems(problem, f"decoded as {hint} (message charset)")
    detected = _detected(data, header=header)
    if detected:
        try:
            text = data.decode(detected, "replace")
        except (LookupError, ValueError, TypeError):
            return None
        return scrub(text), join_problems(problem, f"decoded as {detected} (detected)")
    return None


def _detected(data: bytes, *, header: bool) -> str | None:
    """charset-normalizer's codec; for a header only with enough 8-bit bytes to go on."""
    if header and len(data.translate(None, _ASCII_BYTES)) < _MIN_HEADER_DETECT_BYTES:
        return None
    detected = _detect_encoding(data)
    if detected and header and not ascii_compatible(detected):
        return None
    return detected


def _decoded_or_none(data: bytes, codec: str) -> str | None:
    try:
        return scrub(data.decode(codec))
    except UnicodeDecodeError:
        return None


def strict_decode(data: bytes, codec: str) -> str:
    if codec in ("iso8859-1", "cp1252"):
        try:  # what iso-8859-1 labels mean in practice (smart quotes, euro sign)
            return scrub(data.decode("cp1252"))
        except UnicodeDecodeError:
            return scrub(data.decode("iso8859-1"))
    return scrub(data.decode(codec))
