"""Address lists (From, To, Cc, Reply-To): tolerant, linear, bounded.

The addr-spec is kept as written (:attr:`Address.email`); the form it is
matched in is :attr:`Address.normalized` (``clearcrm.addresses``).
"""

from __future__ import annotations

import re

from .headers import decode_words, fix_8bit
from .limits import (
    MAX_ADDRESSES,
    MAX_COMMENT_WORDS,
    MAX_EMAIL_CHARS,
    MAX_NAME_CHARS,
    MAX_STRUCTURED_HEADER_CHARS,
)
from .text import one_line, scrub, unfold
from .types import Address

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
_MAILTO = "mailto:"


def addr_spec(candidate: str) -> str:
    """The addr-spec in a token of an address header, as written; '' when there is none."""
    candidate = candidate.strip().strip("<>").strip()
    if ":" in candidate and not candidate.startswith('"'):  # obsolete route: @a,@b:user@host
        candidate = candidate.rsplit(":", 1)[1].strip()
    if candidate.lower().startswith(_MAILTO):
        candidate = candidate[len(_MAILTO) :]
    if len(candidate) > MAX_EMAIL_CHARS or not _EMAIL_RE.fullmatch(candidate):
        return ""
    if not candidate.isascii():
        candidate = scrub(candidate)
    return candidate


def _clean_name(name: str, hint: str | None, problems: list[str]) -> str:
    if not name:
        return ""
    if "=?" in name:
        name = decode_words(name, hint, problems)
    name = one_line(name, MAX_NAME_CHARS)
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


def parse_addresses(raw: object, hint: str | None, problems: list[str]) -> list[Address]:
    """Tolerant, linear address-list parser (group syntax skipped, bounded)."""
    value = unfold(raw, MAX_STRUCTURED_HEADER_CHARS)
    value, _ = fix_8bit(value, hint)  # already reported for the header list
    simple = _parse_simple_addresses(value, hint, problems)
    if simple is not None:
        return simple
    reader = _AddressReader(hint, problems)
    for match in _ADDR_TOKEN_RE.finditer(value):
        if not reader.read(match.lastgroup, match.group()):
            problems.append(f"more than {MAX_ADDRESSES} addresses, rest ignored")
            return reader.result
    reader.finish()
    return reader.result[:MAX_ADDRESSES]


class _AddressReader:
    """The full parser's state: the address being read, and those read."""

    __slots__ = ("angle", "comments", "depth", "hint", "plain", "problems", "result", "words")

    def __init__(self, hint: str | None, problems: list[str]) -> None:
        self.hint = hint
        self.problems = problems
        self.result: list[Address] = []
        self.words: list[str] = []  # display-name pieces (" " for white space)
        self.plain: list[str] = []  # raw tokens outside angle brackets (addr-spec candidates)
        self.comments: list[str] = []
        self.angle: str | None = None
        self.depth = 0  # of (nested (comments))

    def read(self, kind: str | None, token: str) -> bool:
        """Take one token; False when the list is full."""
        if self.depth:
            self._in_comment(token)
        elif kind == "c":
            if token == "(":
                self.depth = 1
        elif kind == "sep":
            if token == ":" and self.angle is None:  # group display name: skip it
                self._clear()
            elif token != ":":
                self.finish()
                return len(self.result) < MAX_ADDRESSES
        elif kind == "a":
            self.angle = token[1:].rstrip(">")
        elif kind == "q":
            inner = token[1:-1] if len(token) > 1 and token.endswith('"') else token[1:]
            self.words.append(inner.replace("\\\\", "\\").replace('\\"', '"'))
            self.plain.append(token)
        elif kind == "ws":
            if self.words:
                self.words.append(" ")
            self.plain.append(" ")
        else:  # atom, encoded word, stray bracket
            self.words.append(token)
            self.plain.append(token)
        return True

    def _in_comment(self, token: str) -> None:
        if token == "(":
            self.depth += 1
        elif token == ")":
            self.depth -= 1
        elif len(self.comments) < MAX_COMMENT_WORDS:
            self.comments.append(token.strip())

    def finish(self) -> None:
        """The address read so far is complete."""
        name = "".join(self.words)
        email = ""
        if self.angle is not None:
            email = addr_spec(self.angle)
        elif bare := self._bare_addr_spec():
            email, name = bare
        if not name.strip() and self.comments:
            name = " ".join(self.comments)
        name = _clean_name(name, self.hint, self.problems)
        if not email and self.angle is None and "@" in name:
            email = addr_spec(name)  # e.g. an encoded word holding only the address
        if name or email:
            self.result.append(Address(name=name, email=email))
        self._clear()
        self.angle = None

    def _bare_addr_spec(self) -> tuple[str, str] | None:
        """(email, '') for an address without angle brackets; None when there is no @."""
        spec = "".join(t for t in self.plain if not t.isspace())
        if "@" not in spec:
            return None
        email = addr_spec(spec)
        if not email:  # e.g. "foo@x.com Foo": pick the token with '@'
            token = next((t for t in self.plain if "@" in t), "")
            email = addr_spec(token) if token else ""
        return email, ""

    def _clear(self) -> None:
        self.words.clear()
        self.plain.clear()
        self.comments.clear()
