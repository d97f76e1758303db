"""Stage 3, parse: turn one raw RFC 5322 message into plain, bounded, decoded data.

Deliberately free of Django (it may run in a bare worker process); every
message is hostile input:

* every size, count and loop is bounded (``limits``);
* :func:`parse_message` never raises for ``bytes`` input - problems are
  reported as human-readable strings in :attr:`ParsedEmail.defects`;
* text is always valid, NUL-free Unicode, header fields are single-line;
* HTML is sanitised with nh3 (keeping what the lead extractor reads: definition
  lists and ``id="field_x"`` / ``id="custom_field_x"``), file names are made safe.

The modules, in the order a message goes through them:

* ``structure``: the MIME structure, parsed by the standard library's feed
  parser in bounded memory;
* ``walk``: the MIME tree walked into body text, sanitised HTML (``html_body``)
  and attachments (``filenames``), decoded per ``charsets``;
* ``headers`` and ``addresses``: header values decoded by small, linear,
  tolerant decoders instead of ``policy.default`` header objects;
* ``core``: :func:`parse_message`, which puts it all into a :class:`ParsedEmail`
  (``types``).
"""

from .core import parse_message
from .headers import normalize_message_id, parse_message_ids
from .limits import (
    MAX_ADDRESSES,
    MAX_ATTACHMENT_NAME_CHARS,
    MAX_DEFECTS,
    MAX_DEPTH,
    MAX_HEADER_VALUE_CHARS,
    MAX_HEADERS,
    MAX_HTML_CHARS,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    MAX_REFERENCES,
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
)
from .types import Address, ParsedAttachment, ParsedEmail

__all__ = [
    "MAX_ADDRESSES",
    "MAX_ATTACHMENT_NAME_CHARS",
    "MAX_DEFECTS",
    "MAX_DEPTH",
    "MAX_HEADERS",
    "MAX_HEADER_VALUE_CHARS",
    "MAX_HTML_CHARS",
    "MAX_MESSAGE_BYTES",
    "MAX_PARTS",
    "MAX_REFERENCES",
    "MAX_SUBJECT_CHARS",
    "MAX_TEXT_CHARS",
    "Address",
    "ParsedAttachment",
    "ParsedEmail",
    "normalize_message_id",
    "parse_message",
    "parse_message_ids",
]
