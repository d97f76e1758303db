"""HTML bodies: sanitised with nh3 (what is kept is listed here), and read as text."""

from __future__ import annotations

import html as html_lib
import re

import nh3
from inscriptis import get_text as _inscriptis_get_text

from .limits import (
    HTML_DEPTH_CHECK_MIN_TAGS,
    MAX_HTML_CHARS,
    MAX_HTML_DEPTH,
    MAX_HTML_TO_TEXT_CHARS,
)
from .text import defect, scrub

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
#: Escaping can make sanitised HTML longer than its input; past this factor it is cut.
_ESCAPED_GROWTH = 2


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


def sanitize_html(html: str, defects: list[str]) -> str:
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        defect(defects, f"HTML body longer than {MAX_HTML_CHARS} characters, truncated")
    if _html_too_deep(html):
        defect(defects, f"HTML nested deeper than {MAX_HTML_DEPTH} elements, HTML dropped")
        return ""
    try:
        cleaned = _HTML_CLEANER.clean(html)
    except Exception as exc:
        defect(defects, f"HTML could not be sanitised ({type(exc).__name__}), HTML dropped")
        return ""
    limit = _ESCAPED_GROWTH * MAX_HTML_CHARS
    if len(cleaned) > limit:  # re-clean a cut, so no tag is left half open
        cleaned = _HTML_CLEANER.clean(cleaned[:limit])
    return scrub(cleaned)


def html_to_text(html: str, defects: list[str]) -> str:
    if len(html) > MAX_HTML_TO_TEXT_CHARS:
        html = html[:MAX_HTML_TO_TEXT_CHARS]
    try:
        text = _inscriptis_get_text(html)
    except Exception as exc:
        defect(defects, f"HTML to text conversion failed ({type(exc).__name__}), tags stripped")
        text = html_lib.unescape(_CRUDE_TAG_RE.sub(" ", _CRUDE_SKIP_RE.sub(" ", html)))
    return scrub(text)
