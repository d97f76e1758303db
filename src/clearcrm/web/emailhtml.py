"""An email's HTML for reading: sanitised for display, remote images held back.

The importer stores a sanitised HTML body made for the lead extractor, with
remote images already removed. For reading, the HTML part of the message as
received (kept since import, see LeadEmail.raw_file) is sanitised again here
with a display policy: layout tags and table attributes, and only style
properties that cannot take a url(). Remote images stay out unless the user
asked for them; inline (cid:) images become data: URLs, when their bytes are
really an image. Emails without a stored original show the stored HTML.

The result is served in a sandboxed iframe from its own URL with its own
Content-Security-Policy (see views.emails), so even what this policy let
through could neither run a script nor load anything the CSP does not allow.
"""

from __future__ import annotations

import base64
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

import nh3
from charset_normalizer import from_bytes

MAX_HTML_CHARS = 2_000_000
MAX_PARTS = 200
MAX_INLINE_IMAGE = 2 * 1024 * 1024
MAX_INLINE_TOTAL = 8 * 1024 * 1024

TAGS = {
    "a", "abbr", "address", "b", "big", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
# Removed with everything inside them, so no script or style text shows as text.
DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "svg", "math", "iframe", "object",
                        "embed", "noscript", "template", "textarea", "select", "xmp"}  # fmt: skip
CELL = {"align", "valign", "width", "height", "bgcolor", "colspan", "rowspan", "nowrap"}
ATTRIBUTES = {
    "*": {"style", "title", "align", "dir", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor", "align"},
    "tr": {"valign", "bgcolor", "align"},
    "td": CELL,
    "th": CELL,
    "col": {"width", "span"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
}
# No property here accepts a url() (background-image, list-style-image,
# border-image, content, cursor … are left out), so CSS cannot fetch anything.
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "text-align", "text-decoration", "text-indent", "text-transform",
    "line-height", "letter-spacing", "word-spacing", "white-space", "vertical-align",
    "width", "min-width", "max-width", "height", "min-height", "max-height", "display",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "list-style-type", "table-layout", "text-overflow", "overflow",
}  # fmt: skip
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
_CID_SRC = re.compile(r'src="cid:([^"]{1,500})"', re.IGNORECASE)


@dataclass
class _Images:
    show_remote: bool
    remote: int = 0


_images: ContextVar[_Images] = ContextVar("images")


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        url = value.strip()
        scheme = url.split(":", 1)[0].lower()
        if scheme in ("http", "https"):
            images = _images.get()
            images.remote += 1
            return url if images.show_remote else None
        return url if scheme == "cid" else None
    return value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes={"http", "https", "mailto", "cid"},
    url_relative="deny",
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    filter_style_properties=STYLE_PROPERTIES,
    strip_comments=True,
)


@dataclass
class DisplayHtml:
    html: str
    remote_images: int = 0  # how many remote images the email has (shown or not)
    inline: dict[str, str] = field(default_factory=dict)


def display_html(raw: bytes, stored_html: str, *, show_remote: bool) -> DisplayHtml:
    """The HTML to show for an email: from its original when kept, else the stored HTML."""
    html, inline = original_html(raw) if raw else ("", {})
    images = _Images(show_remote)
    token = _images.set(images)
    try:
        cleaned = _CLEANER.clean((html or stored_html)[:MAX_HTML_CHARS])
    finally:
        _images.reset(token)
    cleaned = _CID_SRC.sub(lambda m: _inline_src(inline, m.group(1)), cleaned)
    return DisplayHtml(cleaned, images.remote, inline)


def _inline_src(inline: dict[str, str], cid: str) -> str:
    data_url = inline.get(cid.strip().strip("<>").lower())
    return f'src="{data_url}"' if data_url else 'alt=""'


def original_html(raw: bytes) -> tuple[str, dict[str, str]]:
    """The text/html body of a raw message, and its inline images as data: URLs by Content-ID."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage):
        return "", {}
    body = message.get_body(preferencelist=("html",))
    html = decoded_text(body) if body is not None else ""
    return html, inline_images(message)


def decoded_text(part: Message) -> str:
    """A text part's content; an unknown or lying charset is guessed, never fatal."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or ""
    try:
        return payload.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        guess = from_bytes(payload[:200_000]).best()
        return payload.decode(guess.encoding if guess else "utf-8", errors="replace")


def inline_images(message: EmailMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    total = 0
    for number, part in enumerate(message.walk()):
        if number >= MAX_PARTS:
            break
        cid = str(part.get("Content-ID", "")).strip().strip("<>").lower()
        if not cid or part.get_content_maintype() != "image":
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        kind = image_type(data)
        if kind is None or len(data) > MAX_INLINE_IMAGE or total + len(data) > MAX_INLINE_TOTAL:
            continue
        total += len(data)
        found[cid] = f"data:{kind};base64,{base64.b64encode(data).decode()}"
    return found


def image_type(data: bytes) -> str | None:
    """The image type the bytes really are (PNG, JPEG, GIF, WebP), or None."""
    for signature, kind in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
