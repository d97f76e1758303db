"""Result types of lead extraction and the bounds every value must respect."""

from __future__ import annotations

from dataclasses import dataclass, field

LEAD_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "description",
)

# Where a value came from; the activity log words these for the user. "phone" and
# "domain" fill only the country: the phone number's own prefix, the country-code
# domain of the visitor's email or website.
SOURCES = ("form_id", "form", "header", "signature", "address", "phone", "domain")

# Longest value a field may hold; longer values are treated as garbage, except the
# free-text message, which is cut instead (a long enquiry is still a real enquiry).
FIELD_LIMITS = {
    "name": 150,
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "phone": 40,
    "company": 150,
    "title": 150,
    "website": 300,
    "address": 250,
    "city": 100,
    "state": 100,
    "zip": 20,
    "country": 100,
    "description": 10_000,
}

EXTRA_MAX_ITEMS = 50
EXTRA_MAX_CHARS = 2000
INVALID_MAX_ITEMS = 50
INVALID_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class Value:
    value: str  # normalised value stored in the field (phone: E.164, or as written)
    source: str  # one of SOURCES
    display: str = ""  # the phone number as written, else ''
    # Phones only: the region a national number was read for, where that region came
    # from (phones.REGION_SOURCES), and False for a number kept as written because
    # it could not be checked (then region and region_source are '').
    region: str = ""
    region_source: str = ""
    checked: bool = True


@dataclass(slots=True)
class LeadDetails:
    fields: dict[str, Value] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    is_form: bool = False
    sender_is_service: bool = False
