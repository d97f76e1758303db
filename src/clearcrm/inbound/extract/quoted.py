"""The newest part of an email: what the sender wrote, without quoted history.

Quoted history is removed with mail-parser-reply and quotequail, each tried only on
the lines where one of its patterns can match; tests/extract/test_fast_paths.py
compares the outcome with both libraries run on the whole text.
"""

from __future__ import annotations

import re

import quotequail
from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage

# How many lines quotequail joins to match a wrapped intro line; private, but the
# windows it is shown below must hold the lines each pattern may wrap onto.
from quotequail._patterns import MAX_WRAP_LINES

MAX_BODY_CHARS = 100_000
_REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt"]
# quotequail.quote() counts everything past this many lines as quoted (its default).
QUOTE_LINE_LIMIT = 1000
# Each quotequail pattern ends the (possibly wrapped) line it matches like this:
# "On ... wrote:", "2025/3/3 Jane <jane@x>", "--- Forwarded message ---", "_____".
_QUOTE_INTRO_ENDINGS = (":", ">", "---", "_")
# Each reply header mail-parser-reply knows holds a colon ("On ... wrote:", "From: ...")
# or the dashes of "-----Original Message-----", at most this many lines below the line
# it starts on ("Am\nMontag ...\nschrieb\nJane\n<j@x>:" wraps at four places).
_REPLY_HEADER_MAX_LINES = 4
# A separator line below a blank line, which mail-parser-reply joins to the text above.
_SEPARATOR_AFTER_BLANK = re.compile(r"\n\n ?[_-]{32}")


def newest_part(text: str) -> str:
    """The text the sender wrote in this message, without quoted history."""
    text = (text or "")[:MAX_BODY_CHARS].replace("\r\n", "\n")
    visible = _above_quote_intro(_without_reply_history(text))
    return "\n".join(line for line in visible.split("\n") if not line.lstrip().startswith(">"))


def _without_reply_history(text: str) -> str:
    """The first reply that holds unquoted text (replies may sit above or below quotes)."""
    try:
        message = _Replies(
            text=text, languages=list(_REPLY_PARSER_LANGUAGES), _header_regex=_HEADER_SCAN
        ).read()
    except (IndexError, ValueError, re.error, RecursionError):
        return text
    for reply in message.replies:
        content = reply.content or ""
        if reply.headers:
            content = content.replace(reply.headers, "", 1)
        own = [line for line in content.split("\n") if not line.lstrip().startswith(">")]
        if any(line.strip() for line in own):
            return "\n".join(own)
    return text


class _Replies(EmailMessage):
    """mail-parser-reply's split of a message into replies, doing only what we read.

    Only each reply's text and header are read, so the signature and disclaimer search
    (two more regexes over the whole text) is left out, and the library's rule for
    separator lines only runs where there is one. tests/extract/test_fast_paths.py
    compares the outcome with the library's own on every kind of reply header.
    """

    text: str  # set by the library, which has no type hints

    def _process_signatures_disclaimers(self, text: str) -> tuple[list[str], str]:
        return [], ""

    def _normalize_text(self) -> None:
        stripped = "\n".join(line.strip() for line in self.text.replace("\r\n", "\n").split("\n"))
        if _SEPARATOR_AFTER_BLANK.search(stripped):
            super()._normalize_text()  # the library's own rule for "_____" lines
        else:
            self.text = stripped


class _HeaderScan:
    """``HEADER_REGEX.findall()``, trying the regex only where a reply header can start.

    findall() tries the regex at every character, 0.7 µs each: most of what reading a
    signature cost. Every header the regex knows starts at a line start or at the
    newline before one, and holds a colon or "-----" within _REPLY_HEADER_MAX_LINES
    lines, so only the starts of the lines at and above such a line are tried.
    """

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def findall(self, text: str) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        resume = 0
        for start in _header_starts(text):
            match = self.regex.match(text, start) if start >= resume else None
            if match:
                found.append(match.groups(""))  # findall's "" for groups that did not take part
                resume = match.end()
        return found


def _header_starts(text: str) -> list[int]:
    """Offsets of the line starts, and of the newlines ending those lines, near a mark."""
    lines = text.split("\n")
    near: set[int] = set()
    for index, line in enumerate(lines):
        if ":" in line or "-----" in line:
            near.update(range(max(0, index - _REPLY_HEADER_MAX_LINES), index + 1))
    starts, offset = [], 0
    for index, line in enumerate(lines):
        if index in near:
            starts += [offset, offset + len(line)]
        offset += len(line) + 1
    return starts


# The languages EmailReplyParser keeps of ours, and its header regex built once for them.
_REPLY_PARSER_LANGUAGES = EmailReplyParser(languages=list(_REPLY_LANGUAGES)).languages
_HEADER_SCAN = _HeaderScan(
    EmailMessage(text="", languages=list(_REPLY_PARSER_LANGUAGES)).HEADER_REGEX
)


def _above_quote_intro(text: str) -> str:
    """What quotequail.quote() leaves expanded: the text down to a quote's intro line.

    quotequail tries some 35 patterns on every line (about 0.1 ms a line), so it is
    only shown the lines where one can match: a line ending like a pattern and the
    lines above it that may wrap onto it.
    """
    lines = text.split("\n")
    try:
        for first, last in _quote_intro_runs(lines):
            if last + MAX_WRAP_LINES > QUOTE_LINE_LIMIT:
                return _expanded(quotequail.quote(text))  # its line limit decides
            window = lines[first : last + MAX_WRAP_LINES]
            parts = quotequail.quote("\n".join(window), limit=len(window) + 1)
            if len(parts) > 1:
                return "\n".join([*lines[:first], _expanded(parts)])
    except (IndexError, ValueError, re.error):
        return text
    return "\n".join(lines[:QUOTE_LINE_LIMIT])


def _expanded(parts: list[tuple[bool, str]]) -> str:
    return "\n".join(part for expanded, part in parts if expanded)


def _quote_intro_runs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line numbers, inclusive, where a quotequail pattern may match.

    Adjacent runs are merged: every line a window shows past ``last`` then cannot match,
    even though the window cuts off the lines it would wrap onto.
    """
    runs: list[tuple[int, int]] = []
    for index, line in enumerate(lines[: QUOTE_LINE_LIMIT + MAX_WRAP_LINES - 1]):
        if not line.rstrip().endswith(_QUOTE_INTRO_ENDINGS):
            continue
        first, last = max(0, index - MAX_WRAP_LINES + 1), min(index, QUOTE_LINE_LIMIT - 1)
        if runs and first <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], last)
        elif first <= last:
            runs.append((first, last))
    return runs
