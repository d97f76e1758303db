"""Cleaning and validating single values before they may fill a lead field."""

from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr
from itertools import filterfalse
from urllib.parse import urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email

from clearcrm.addresses import normalize_address

from .countries import canonical_country
from .model import FIELD_LIMITS
from .names import join_name, split_name

HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{60,}")
ENCODED_WORD = re.compile(r"=\?[\w-]+\?[bqBQ]\?")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP_EDGE_CHARS = " *_`"
_BLANK_RUNS = re.compile(r"\n{3,}")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_ZIP = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 -]{1,10}$")
_COUNTRY_AS_WRITTEN = re.compile(r"^[^\W\d_][\w .'()&-]{1,59}$")
_HTTP_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_NAME_FORBIDDEN = re.compile(r"@|https?:|www\.|\d|[<>{}\[\]=|/\\]")

# What people type into optional fields instead of leaving them empty.
PLACEHOLDERS = frozenset(
    {
        "-",
        "--",
        "---",
        "—",
        "\u2013",
        ".",
        "/",
        "?",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "empty",
        "(empty)",
        "(leer)",
        "(vide)",
        "(vacío)",
        "not provided",
        "keine angabe",
        "k.a.",
        "nicht angegeben",
        "non renseigné",
        "no aplica",
        "non specificato",
        "niet ingevuld",
        "não informado",
        "not answered",
        "(not answered)",
        "[not answered]",
        "no answer",
        "nicht ausgefüllt",
    }
)


def fold(text: str) -> str:
    """Case- and accent-free text for matching: "Grüße" -> "grusse"."""
    text = text or ""
    if text.isascii():
        return text.lower()  # nothing to decompose: the common case, kept cheap
    decomposed = unicodedata.normalize("NFKD", text.casefold()).replace("ß", "ss")
    return drop_combining(decomposed)


def drop_combining(text: str) -> str:
    """``text`` without combining marks (accents once NFKD has split them off).

    Only runs of non-ASCII characters are looked at one by one: ASCII has none.
    """
    return _NON_ASCII_RUN.sub(_without_combining, text)


def _without_combining(match: re.Match[str]) -> str:
    return "".join(filterfalse(unicodedata.combining, match.group()))


def clean_line(value: str) -> str:
    """One line of text without invisible characters, markup edges or runs of spaces."""
    text = _without_invisible(unicodedata.normalize("NFC", value or ""))
    text = _CONTROL.sub(" ", text.replace("\xa0", " "))
    # split() leaves plain spaces as the only whitespace, so stripping these characters
    # removes the markup edges (a regex tried at every space cost 50 µs on long lines).
    return " ".join(text.split()).strip(_MARKUP_EDGE_CHARS)


def clean_block(value: str) -> str:
    """Multi-line text (a message) keeping its line breaks but not blank-line runs."""
    text = _without_invisible(unicodedata.normalize("NFC", value or ""))
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(" ".join(line.replace("\xa0", " ").split()) for line in text.split("\n"))
    if "\n\n\n" in text:  # the regex alone tries every character
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def _without_invisible(text: str) -> str:
    # The invisible characters are not ASCII, and translating ASCII text through a table
    # that lacks its characters costs a lookup per character.
    return text if text.isascii() else text.translate(_INVISIBLE)


def is_placeholder(value: str) -> bool:
    return clean_line(value).casefold() in PLACEHOLDERS


def looks_like_garbage(value: str) -> bool:
    """Markup, MIME leftovers or encoded blobs that must never reach a field."""
    return bool(HTML_TAG.search(value) or BASE64_RUN.search(value) or ENCODED_WORD.search(value))


def normalise(field: str, raw: str) -> tuple[str, str] | None:
    """(stored value, '') for ``field``; None when the value is not valid.

    Phone numbers are read by phones.read_phone(), which needs the message's hints.
    """
    if field == "description":
        return _normalise_message(raw)
    value = clean_line(raw)
    if not value or looks_like_garbage(value) or len(value) > 4 * FIELD_LIMITS[field]:
        return None
    result = _NORMALISERS.get(field, _normalise_plain)(value, field)
    if result is None or len(result[0]) > FIELD_LIMITS[field]:
        return None
    return result


def normalise_email(raw: str) -> str:
    """The address in lower case, or '' when it is not a valid address."""
    value = clean_line(raw)
    if value.lower().startswith("mailto:"):
        value = value[7:].split("?", 1)[0]
    if "<" in value:
        value = parseaddr(value)[1]
    value = value.strip(" <>.,;:")
    if not value or " " in value or len(value) > FIELD_LIMITS["email"]:
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return ""
    return normalize_address(result.normalized)


def _normalise_email(value: str, field: str) -> tuple[str, str] | None:
    email = normalise_email(value)
    return (email, "") if email else None


def normalise_website(raw: str) -> str:
    """An http(s) URL with a lower-case host, '' when it is not a website address."""
    value = clean_line(raw).strip("<>()[]\"'.,;")
    if not value or " " in value:
        return ""
    if not _HTTP_SCHEME.match(value):
        if "://" in value:
            return ""
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").rstrip(".")
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except (ValueError, UnicodeError):
        return ""
    if not _is_public_host(host) or parts.username or parts.password:
        return ""
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    path = "" if parts.path == "/" else parts.path
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def _is_public_host(host: str) -> bool:
    labels = host.lower().split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return False
    tld = labels[-1]
    return (tld.isalpha() and len(tld) >= 2) or tld.startswith("xn--")


def _normalise_website(value: str, field: str) -> tuple[str, str] | None:
    url = normalise_website(value)
    return (url, "") if url else None


def recase_name(value: str) -> str:
    """Fix the case of an all-caps or all-lower name part; keep everything else."""
    first, last = split_name(value)
    return join_name(first, last)


def _normalise_name(value: str, field: str) -> tuple[str, str] | None:
    if _NAME_FORBIDDEN.search(value) or len(value.split()) > 8:
        return None
    name = recase_name(value) if field == "name" else _recase_part(value)
    return (name, "") if name else None


def _recase_part(value: str) -> str:
    if value.isupper() or value.islower():
        first, last = split_name(value)
        return join_name(first, last)
    return value


def _normalise_zip(value: str, field: str) -> tuple[str, str] | None:
    value = value.upper()
    return (value, "") if _ZIP.match(value) else None


def _normalise_country(value: str, field: str) -> tuple[str, str] | None:
    canonical = canonical_country(value)
    if canonical:
        return canonical, ""
    return (value, "") if _COUNTRY_AS_WRITTEN.match(value) else None


def _normalise_plain(value: str, field: str) -> tuple[str, str] | None:
    if "@" in value and field != "address":
        return None
    return value, ""


def _normalise_message(raw: str) -> tuple[str, str] | None:
    text = HTML_TAG.sub("", raw or "")
    text = BASE64_RUN.sub("", ENCODED_WORD.sub("", text))
    text = clean_block(text)[: FIELD_LIMITS["description"]].strip()
    return (text, "") if text else None


_NORMALISERS = {
    "email": _normalise_email,
    "website": _normalise_website,
    "name": _normalise_name,
    "first_name": _normalise_name,
    "last_name": _normalise_name,
    "zip": _normalise_zip,
    "country": _normalise_country,
}
