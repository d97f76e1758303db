"""Attachment file names: never trusted, always safe to show and to save."""

from __future__ import annotations

import mimetypes
import re

from .limits import MAX_ATTACHMENT_NAME_CHARS, MAX_STRUCTURED_HEADER_CHARS
from .text import one_line

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
#: A shortened name keeps its extension when it is at most this long.
_MAX_KEPT_EXTENSION_CHARS = 16


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


def safe_filename(name: str, content_type: str, number: int) -> str:
    """A display-safe file name: no directories, controls or reserved names."""
    name = name.replace("\\", "/")
    name = name.rsplit("/", 1)[-1]
    name = one_line(name, MAX_STRUCTURED_HEADER_CHARS)
    name = _FILENAME_BAD_RE.sub("_", name).strip(" .")
    stem = name.split(".", 1)[0].strip().lower()
    if stem in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name) > MAX_ATTACHMENT_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= _MAX_KEPT_EXTENSION_CHARS:
            keep = MAX_ATTACHMENT_NAME_CHARS - len(ext) - 1
            name = stem[:keep].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_ATTACHMENT_NAME_CHARS].rstrip(" .")
    if not name:
        name = f"attachment-{number}{_guess_extension(content_type)}"
    return name


def type_from_filename(filename: str) -> str | None:
    try:
        guessed, _ = _MIMETYPES.guess_type("x/" + filename, strict=False)
    except Exception:
        return None
    return guessed
