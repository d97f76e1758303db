"""A small forgiving HTML tree built with the standard library's html.parser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Notifications are small; anything bigger is a newsletter or an attachment gone wrong.
MAX_HTML_CHARS = 1_000_000
MAX_NODES = 50_000
# Deeper markup is flattened into its ancestor: the text stays, recursion stays bounded.
MAX_DEPTH = 150

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
SKIPPED = frozenset(["script", "style", "head", "title", "template", "noscript", "svg"])
BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
BOLD = frozenset(["b", "strong"])
CELLS = frozenset(["td", "th"])
# Opening one of these closes an unclosed sibling of the listed kinds.
_AUTO_CLOSE = {
    "p": {"p"},
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "option": {"option"},
}
_SCOPES = frozenset(["table", "ul", "ol", "dl"])


@dataclass(slots=True, eq=False)
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def elements(self) -> Iterator[Node]:
        """Every element below this one, in document order."""
        stack = [child for child in reversed(self.children) if isinstance(child, Node)]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(child for child in reversed(node.children) if isinstance(child, Node))

    def child_elements(self, *tags: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and (not tags or c.tag in tags)]

    def contains(self, tag: str) -> bool:
        return any(node.tag == tag for node in self.elements())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.count >= MAX_NODES:
            return
        self.count += 1
        self._auto_close(tag)
        if len(self.stack) >= MAX_DEPTH:
            return
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.count < MAX_NODES:
            self.stack[-1].children.append(data)

    def _auto_close(self, tag: str) -> None:
        closes = _AUTO_CLOSE.get(tag)
        if not closes:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            current = self.stack[depth].tag
            if current in _SCOPES:
                return
            if current in closes:
                del self.stack[depth:]
                return


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    try:
        builder.feed((html or "")[:MAX_HTML_CHARS])
        builder.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    return builder.root


_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_CELL_GAP = re.compile(r" *\t[ \t]*")
_BLANK_LINES = re.compile(r"\n{3,}")


def text_of(node: Node) -> str:
    """Visible text with <br> and block ends as line breaks."""
    parts: list[str] = []
    _collect_text(node, parts, bold=False)
    # split() takes every run of spaces, tabs and no-break spaces as one separator.
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(lines).strip("\n")


def to_text(node: Node) -> str:
    """The document as text lines, bold runs marked ``**...**`` like Markdown."""
    parts: list[str] = []
    _collect_text(node, parts, bold=True)
    text = "\n".join(_tidy_cells(line) for line in "".join(parts).split("\n"))
    if "\n\n\n" in text:  # the regex alone tries every character (20 µs on 2 KB)
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _tidy_cells(line: str) -> str:
    """Collapse spaces but keep one tab between table cells."""
    # Most lines are prose with single spaces, which both substitutions keep as they
    # are; skipping them saves a substitution per word on long paragraphs. (Tabs, the
    # other spaces and NULs, which stand in for tabs below, are all unprintable.)
    if "  " not in line and line.isprintable():
        return line.strip(" \t")
    line = _SPACES.sub(" ", line.replace("\t", "\x00")).replace("\x00", "\t")
    return _CELL_GAP.sub("\t", line).strip(" \t")


def _is_header_row(node: Node) -> bool:
    """A "Field | Value" column header row: labels of a table, no data."""
    if node.tag != "tr":
        return False
    cells = node.child_elements("td", "th")
    return len(cells) > 1 and all(cell.tag == "th" for cell in cells)


def _collect_text(node: Node, parts: list[str], *, bold: bool) -> None:
    for child in node.children:
        if isinstance(child, str):
            parts.append(child.replace("\n", " "))
            continue
        if child.tag in SKIPPED or _is_header_row(child):
            continue
        if child.tag == "br":
            parts.append("\n")
            continue
        if child.tag in BLOCK:
            parts.append("\n")
        elif child.tag in CELLS:
            parts.append("\t")
        marker = "**" if bold and child.tag in BOLD and not child.contains("table") else ""
        parts.append(marker)
        _collect_text(child, parts, bold=bold and not marker)
        parts.append(marker)
        if child.tag in BLOCK:
            parts.append("\n")
