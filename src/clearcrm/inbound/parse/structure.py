"""The bounded MIME structure parse: the standard library's feed parser, fed with care.

A big message costs about its decoded size, not 7-8x its size: the parser is
fed in chunks, and long runs of plain body lines (base64 attachments) are
kept out of it and decoded straight from the raw bytes (see :class:`Blobs`).
"""

from __future__ import annotations

import binascii
import os
import re
from email.feedparser import BytesFeedParser
from email.header import Header
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32

from .limits import MAX_DELIMITER_LINES, MAX_HEADER_BLOCK_BYTES, MAX_PARSE_LINES
from .text import defect


class _ParsePolicy(Compat32):
    """compat32 that unfolds header values when the parser reads them.

    Like policy.default this finds boundaries folded across lines (Outlook
    2000), but it builds no header objects while parsing: about 4.5x faster
    than policy.default on the test corpus, 13x on messages with many parts,
    and hostile Content-Type values cannot make it raise RecursionError.
    Nothing in this package depends on the parse policy: header values are read
    with ``raw_items()`` and decoded by ``headers``.
    """

    def header_fetch_parse(self, name: str, value: str) -> str | Header:  # type: ignore[override]
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            value = value.replace("\r", "").replace("\n", "")
        return super().header_fetch_parse(name, value)


# The MIME structure parse (see _ParsePolicy); policy.default also works here.
PARSE_POLICY = _ParsePolicy()

UUENCODE_CTES = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


def raw_payload(part: Message) -> object:
    """The payload as parsed (a list of parts or a str with surrogate escapes).

    ``get_payload()`` would return a copy of 8-bit text with U+FFFD for the
    escapes: more memory, and not what the parser read.
    """
    return part._payload  # type: ignore[attr-defined]


def structure_parse(
    raw: bytes, headers_only: bool, defects: list[str]
) -> tuple[Message | None, bool, Blobs | None]:
    """Parse the MIME structure; returns (message, headers_only, blobs).

    When the full parse fails (e.g. RecursionError on absurd nesting) the
    header block alone is parsed and the body is reported as a defect.
    """
    raw = header_block(raw) if headers_only else _bound_delimiters(raw, defects)
    try:
        if headers_only:
            msg = BytesParser(policy=PARSE_POLICY).parsebytes(raw, headersonly=True)
            return msg, True, None
        msg, blobs = _feed_parse(raw, defects)
        return msg, False, blobs
    except Exception as exc:
        defect(defects, f"MIME structure could not be parsed ({type(exc).__name__})")
    if headers_only:
        return None, True, None
    try:
        msg = BytesParser(policy=PARSE_POLICY).parsebytes(header_block(raw), headersonly=True)
    except Exception as exc:
        defect(defects, f"header block could not be parsed ({type(exc).__name__})")
        return None, True, None
    defect(defects, "body ignored: only the headers could be parsed")
    return msg, True, None


#: Bytes given to the feed parser at a time.
_FEED_CHUNK_BYTES = 64 * 1024
#: Messages at least this big have their long runs of plain body lines kept
#: out of the MIME parser (see :class:`Blobs`); smaller ones are parsed as is.
_BLOB_MIN_MESSAGE_BYTES = 256 * 1024
#: Shortest run of lines (bytes) that is kept out of the parser.
_BLOB_MIN_BYTES = 16 * 1024
#: Once the line budget runs out inside a gap, the gap is halved down to this size.
_LINE_SEARCH_BYTES = 4096
# A run of lines that the feed parser can only ever treat as body text: not
# empty, no ":" (no header), not starting with white space (no continuation),
# "-" (no boundary) or "From " (no envelope line).  Line ends as the parser's.
# Possessive: the plain ``(...)+`` keeps backtracking state for every line.
_BLOB_RUN_RE = re.compile(rb"^(?:(?:[^\s:\-F]|F(?!rom ))[^\r\n:]*+(?:\r\n|\r|\n))++", re.MULTILINE)
_BASE64_SIGNIFICANT_RE = re.compile(r"[A-Za-z0-9+/=]")


class Blobs:
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
        split = self.token_re.split(text)
        pieces: list[str | memoryview] = list(split)
        view = memoryview(self.raw)
        for i in range(1, len(split), 2):
            start, end = self.spans[int(split[i])]
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
        if cte in UUENCODE_CTES:
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
            payload = raw_payload(msg)
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
        if lines > budget:  # the limit is in this gap
            return _after_lines(raw, pos, start, budget)
        budget -= lines
        pos = end
    return len(raw)


def _after_lines(raw: bytes, low: int, high: int, budget: int) -> int:
    """The offset after ``budget`` more lines from ``low`` (found by halving the gap)."""
    while high - low > _LINE_SEARCH_BYTES:
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


def _feed_parse(raw: bytes, defects: list[str]) -> tuple[Message, Blobs | None]:
    """``BytesParser.parsebytes(raw)`` without its copies of the whole message.

    parsebytes decodes all of ``raw`` to one str and wraps it in a StringIO
    (4 bytes per character): 5x the message before any part is built.  Fed
    in chunks, the parser holds only the lines it has not consumed yet, and
    long runs of body lines are not given to it at all (see :class:`Blobs`).
    """
    parser = BytesFeedParser(policy=PARSE_POLICY)
    spans = _blob_spans(raw)
    stop = _parse_stop(raw, spans) if len(raw) > MAX_PARSE_LINES else len(raw)
    if stop < len(raw):
        defect(
            defects,
            f"more than {MAX_PARSE_LINES} lines, only the first {stop} bytes were parsed",
        )
        spans = [span for span in spans if span[1] <= stop]
    blobs = Blobs(raw, spans) if spans else None
    view = memoryview(raw)
    pos = 0
    for index, (start, end) in enumerate([*spans, (stop, stop)]):
        for chunk in range(pos, start, _FEED_CHUNK_BYTES):
            parser.feed(bytes(view[chunk : min(chunk + _FEED_CHUNK_BYTES, start)]))
        if blobs is not None and index < len(spans):
            parser.feed(blobs.token(index))
        pos = end
    return parser.close(), blobs


def header_block(raw: bytes) -> bytes:
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
    defect(
        defects,
        f"more than {MAX_DELIMITER_LINES} boundary-like lines, only the first "
        f"{pos} bytes were parsed",
    )
    return raw[:pos]
