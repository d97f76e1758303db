"""Phone numbers as people write them: read for the right region, or kept as written.

A value is first asked whether it can be a phone number at all: dates, prices,
postcodes, order numbers and IBANs are not, however many digits they hold. A
number written with its own "+" or "00" prefix is read as such. A national
number is read for the regions the message points to, in the order of
REGION_SOURCES: the first in which it is valid is used and recorded. The
message's evidence (mailbox region, written country, domain) is tried first; the
guesses (the form's label language, the installation's default) only when there
is none, so a number that is invalid where the evidence points is kept as written
rather than read for some other country. A language counts only when the number
fits just one of its countries, as a valid number written in that country's
grouping. A phone-shaped value that no region validates (an unassigned range, a
region we cannot tell) is kept as written and marked unchecked; only values that
are clearly no phone number are refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import phonenumbers

from .domains import registrable_domain

# Where the region of a national number came from, strongest first.
REGION_SOURCES = ("number", "mailbox", "country", "domain", "language", "installation")
GUESSES = frozenset({"language", "installation"})

MIN_DIGITS = 6  # shorter values are postcodes, house numbers or extensions
MAX_DIGITS = 15  # ITU-T E.164: no number is longer

_DIALLED_ABROAD = re.compile(r"^(\(?)00\s*(?=[1-9])")
_TEL_SCHEME = re.compile(r"^tel:\s*", re.IGNORECASE)
# Words that label a number, in front of it in a field or on a signature line.
PHONE_LABEL = re.compile(
    r"\b(?:t[eé]l|tele|tlf|tlm|phone|fon|telefon|t[eé]l[eé]phone|tel[eé]fono|telefoon|"
    r"telefone|mobile?|mobil|handy|cell|cel|cellulare|celular|m[oó]vil|mobiel|telem[oó]vel|"
    r"portable|gsm|direct|direkt|office|whatsapp|[tmpdo])\b\.?\s*[:.]?",
    re.IGNORECASE,
)
_LEADING_LABEL = re.compile(rf"^(?:{PHONE_LABEL.pattern})\s*(?=[+(\d])", re.IGNORECASE)
# "(evenings)", "(WhatsApp)": a note beside the number, which phonenumbers would read
# as letters on a keypad.
_NOTE = re.compile(r"\s*\((?=[^)]*[^\W\d_])[^)]*\)\s*$")
_EXTENSION = re.compile(
    r"\s*(?:ext|extension|x|durchwahl|dw|poste|int|interno|toestel|ramal)\.?\s*:?\s*\d{1,6}$",
    re.IGNORECASE,
)
# Digits and the punctuation people put between them; anything else (letters, "#",
# a currency, a comma) is no phone number.
_SHAPE = re.compile(r"^\(?\+?[\d\s().\-/]+$")
# Several numbers in one field: "0171 2345678 / 030 1234567", "... oder ...".
_ALTERNATIVES = re.compile(r"\s*(?:[,;|]|\s/\s|\s(?:or|oder|ou|o|of|e)\s)\s*", re.IGNORECASE)
_DIGIT_GROUPS = re.compile(r"\d+")
# Values with a phone's digits and punctuation that are something else.
_NOT_A_PHONE = re.compile(
    # dates: 12.03.2025, 12/03/25, 2025-03-12, 12. 03. 2025
    r"\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}"
    # amounts: 1299.00, 1.250.000 (grouped in thousands, so not led by a 0)
    r"|\d+\.\d{2}|[1-9]\d{0,2}(?:\.\d{3})+"
    # postcodes: Portugal 1000-001, Brazil 01310-100, US ZIP+4 94103-1234
    r"|\d{4}-\d{3}|\d{5}-\d{3,4}"
    # order and invoice numbers led by a year: 2025-000123, 2025/004217
    r"|(?:19|20)\d{2}[-/]\d{4,}"
)

_LANGUAGE_REGIONS = {
    # Countries whose national language it is, countries of under a million people
    # left out: their short numbering plans would make most numbers ambiguous.
    "en": ("US", "GB", "IE", "AU", "NZ"),
    "de": ("DE", "AT"),
    "fr": ("FR",),
    "es": ("ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "UY"),
    "it": ("IT",),
    "nl": ("NL",),
    "pt": ("PT", "BR", "AO", "MZ"),
}
# Country-code top-level domains sold as generic names (.io, .co, .me, .tv ...).
_GENERIC_CCTLDS = frozenset(
    [
        "ac",
        "ad",
        "ag",
        "ai",
        "am",
        "as",
        "bz",
        "cc",
        "cd",
        "cm",
        "co",
        "cx",
        "dj",
        "fm",
        "gd",
        "gg",
        "gl",
        "gs",
        "im",
        "io",
        "je",
        "la",
        "ly",
        "md",
        "me",
        "ms",
        "mu",
        "nu",
        "pw",
        "sc",
        "sh",
        "so",
        "st",
        "su",
        "tk",
        "to",
        "tv",
        "vc",
        "vg",
        "ws",
    ]
)


class RegionHint(NamedTuple):
    """Regions a national number may be read for, and where that idea came from."""

    regions: tuple[str, ...]  # several only for a language: then one must fit alone
    source: str  # one of REGION_SOURCES


class PhoneReading(NamedTuple):
    value: str  # E.164, or the number as written when it could not be checked
    display: str  # as written
    region: str  # the region it was read for, '' when unchecked
    region_source: str  # one of REGION_SOURCES, '' when unchecked

    @property
    def checked(self) -> bool:
        return bool(self.region_source)


def read_phone(text: str, hints: tuple[RegionHint, ...]) -> PhoneReading | None:
    """The number in ``text`` (a cleaned line), None when it is clearly no phone number."""
    core = _number_part(text)
    if core is None:
        return None
    found = _read(core, hints)
    if found is None:
        return PhoneReading(text, text, "", "")
    number, region, source = found
    return PhoneReading(format_e164(number), text, region, source)


def is_phone_shaped(text: str) -> bool:
    """Whether read_phone() would take ``text`` as a phone number, without reading it."""
    return _number_part(text) is not None


def _number_part(text: str) -> str | None:
    """The (first) number written in ``text``, see _core()."""
    core = _core(text)
    if core is None:
        parts = _ALTERNATIVES.split(text)
        core = _core(parts[0]) if len(parts) > 1 else None
    return core


def _core(text: str) -> str | None:
    """The number without scheme, label or note, "00" as "+"; None if it is no number."""
    core = _NOTE.sub("", _LEADING_LABEL.sub("", _TEL_SCHEME.sub("", text.strip())))
    extension = _EXTENSION.search(core)
    number = (core[: extension.start()] if extension else core).strip()
    if not _SHAPE.match(number) or _NOT_A_PHONE.fullmatch(number):
        return None
    if not MIN_DIGITS <= sum(ch.isdigit() for ch in number) <= MAX_DIGITS:
        return None
    return _DIALLED_ABROAD.sub(r"\1+", core)


def _read(
    core: str, hints: Sequence[RegionHint]
) -> tuple[phonenumbers.PhoneNumber, str, str] | None:
    if core.lstrip("(").startswith("+"):
        number = parse_phone(core, None)
        if number is None:
            return None
        region = phonenumbers.region_code_for_number(number) or ""
        return number, region if region in phonenumbers.SUPPORTED_REGIONS else "", "number"
    evidence = [hint for hint in hints if hint.source not in GUESSES]
    for hint in evidence or hints:
        found: dict[str, tuple[phonenumbers.PhoneNumber, str]] = {}
        for region in hint.regions:
            number = parse_phone(core, region)
            if number is not None and (len(hint.regions) == 1 or _grouped_as_in(number, core)):
                found.setdefault(format_e164(number), (number, region))
        if len(found) == 1:
            number, region = next(iter(found.values()))
            return number, region, hint.source
    return None


def _grouped_as_in(number: phonenumbers.PhoneNumber, written: str) -> bool:
    """Written in the region's own grouping, or in one run of digits.

    A language spoken in several countries must point to one of them by how the
    number is written too: "0711 2345678" is a Stuttgart number, not the British
    mobile "07112 345678" that the same digits make.
    """
    groups = [len(group) for group in _DIGIT_GROUPS.findall(_EXTENSION.sub("", written))]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return len(groups) < 2 or groups == [len(group) for group in _DIGIT_GROUPS.findall(national)]


def parse_phone(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """A valid number, or None (unparsable, or not valid for ``region``)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def format_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of_domain(host: str) -> str:
    """The country of a host's country-code TLD: "acme.co.uk" -> "GB", "acme.com" -> ''."""
    tld = registrable_domain(host).rpartition(".")[2]
    if tld == "uk":
        return "GB"
    region = tld.upper()
    if len(tld) != 2 or tld in _GENERIC_CCTLDS or region not in phonenumbers.SUPPORTED_REGIONS:
        return ""
    return region


def main_region_when_shared(region: str, others: Sequence[str]) -> str:
    """The main region of ``region``'s calling code when ``others`` hold it, else ``region``.

    A +44 number in a Guernsey range from a .co.uk address is British: both agree on
    the calling code, and phonenumbers' finer split says nothing the address does not.
    """
    code = phonenumbers.country_code_for_region(region)
    main = phonenumbers.region_code_for_country_code(code)
    return main if main in others else region


def region_hint(region: str, source: str) -> tuple[RegionHint, ...]:
    """A one-region hint for a known region, none for ''."""
    return (RegionHint((region,), source),) if region else ()


def language_hint(languages: frozenset[str]) -> tuple[RegionHint, ...]:
    """The countries a form's label languages point to (one language, or a tie)."""
    regions = tuple(
        dict.fromkeys(r for language in sorted(languages) for r in _LANGUAGE_REGIONS[language])
    )
    return (RegionHint(regions, "language"),) if regions else ()
