"""Small text helpers: single-line values, valid Unicode, and the defect list."""

from __future__ import annotations

import re

from .limits import MAX_DEFECT_CHARS, MAX_DEFECTS

#: ``one_line`` looks at no more than this many times its limit (before collapsing).
ONE_LINE_SLACK = 4

# C0/C1 controls and DEL become spaces; bidi embedding/override/isolate
# controls (used to disguise file names and senders) are removed.
_SINGLE_LINE_TABLE: dict[int, str | None] = {c: " " for c in range(0x20)}
_SINGLE_LINE_TABLE.update({c: " " for c in range(0x7F, 0xA0)})
_SINGLE_LINE_TABLE.update({c: None for c in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E)})
_SINGLE_LINE_TABLE.update({c: None for c in (0x2066, 0x2067, 0x2068, 0x2069)})
_SINGLE_LINE_TABLE[0] = None
_NEEDS_TRANSLATE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def controls_to_spaces(text: str) -> str:
    """Controls become spaces, bidi overrides and NUL disappear (fast when clean)."""
    if "\t" in text:
        text = text.replace("\t", " ")
    if _NEEDS_TRANSLATE_RE.search(text):
        text = text.translate(_SINGLE_LINE_TABLE)
    return text


def scrub(text: str) -> str:
    """Remove NUL characters and lone surrogates (invalid in UTF-8 / PostgreSQL)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def one_line(text: str, limit: int) -> str:
    """Single line: controls to spaces, whitespace runs collapsed, bounded."""
    if len(text) > limit * ONE_LINE_SLACK:
        text = text[: limit * ONE_LINE_SLACK]
    text = " ".join(controls_to_spaces(text).split())
    if len(text) > limit:
        text = text[:limit].rstrip()
    return scrub(text)


def unfold(value: object, limit: int) -> str:
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


def defect(defects: list[str], message: str) -> None:
    """Report one problem, once, in a bounded list."""
    message = message[:MAX_DEFECT_CHARS]
    if message in defects:
        return
    if len(defects) < MAX_DEFECTS:
        defects.append(message)
    elif len(defects) == MAX_DEFECTS:
        defects.append("more defects omitted")


def join_problems(problem: str | None, what: str) -> str:
    return f"{problem}, {what}" if problem else what
