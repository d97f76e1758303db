"""Accumulates validated field values, extra pairs and rejected values."""

from __future__ import annotations

from urllib.parse import urlsplit

from .countries import country_name, region_of_country
from .domains import domain_of
from .model import (
    EXTRA_MAX_CHARS,
    EXTRA_MAX_ITEMS,
    FIELD_LIMITS,
    INVALID_MAX_CHARS,
    INVALID_MAX_ITEMS,
    LEAD_FIELDS,
    LeadDetails,
    Value,
)
from .names import join_name, split_name
from .normalise import (
    BASE64_RUN,
    HTML_TAG,
    clean_block,
    clean_line,
    is_placeholder,
    looks_like_garbage,
    normalise,
)
from .phones import (
    RegionHint,
    main_region_when_shared,
    read_phone,
    region_hint,
    region_of_domain,
)

MAX_EXTRA_LABEL = 100


# Countries the extractor inferred rather than read: no evidence for a phone's region.
INFERRED_COUNTRY_SOURCES = frozenset({"phone", "domain"})


class Collector:
    """First valid value per field wins; later ones become extra data, bad ones invalid."""

    def __init__(self, default_region: str | None, installation_region: str | None = None) -> None:
        self.default_region = (default_region or "").upper() or None
        self.installation_region = (installation_region or "").upper() or None
        # The regions a form's label language points to (set by the caller for forms).
        self.language_hints: tuple[RegionHint, ...] = ()
        self.phone_written = ""  # the phone as offered, read again once all is known
        self.phone_hints: tuple[RegionHint, ...] = ()  # the hints it was read with
        self.fields: dict[str, Value] = {}
        self.extra: dict[str, str] = {}
        self.invalid: list[tuple[str, str]] = []
        # The split as written: "García López, María José" splits at the comma, which
        # the normalised full name no longer shows.
        self.name_parts: tuple[str, str] = ("", "")

    def offer(self, field: str, raw: str, source: str, label: str) -> bool:
        """Fill ``field`` unless filled already; True when the value was taken."""
        if field not in LEAD_FIELDS or field in self.fields:
            return False
        if not clean_line(raw) or is_placeholder(raw):
            return False
        value = self._read(field, raw, source)
        if value is None:
            self.add_invalid(label or field, raw)
            return False
        self._store(field, value, raw)
        return True

    def _read(self, field: str, raw: str, source: str) -> Value | None:
        if field == "phone":
            return self._read_phone(raw, source)
        result = normalise(field, raw)
        return Value(result[0], source, result[1]) if result else None

    def _read_phone(self, raw: str, source: str) -> Value | None:
        text = clean_line(raw)
        if not text or len(text) > FIELD_LIMITS["phone"] or looks_like_garbage(text):
            return None
        reading = read_phone(text, self.region_hints())
        if reading is None:
            return None
        return Value(
            reading.value,
            source,
            reading.display,
            region=reading.region,
            region_source=reading.region_source,
            checked=reading.checked,
        )

    def _store(self, field: str, value: Value, raw: str) -> None:
        self.fields[field] = value
        if field == "name":
            self.name_parts = split_name(raw)
        elif field == "phone":
            self.phone_written, self.phone_hints = raw, self.region_hints()

    def offer_or_keep(self, field: str, raw: str, source: str, label: str) -> None:
        """Like offer(); a second, different value for a filled field is kept as extra."""
        if field not in self.fields:
            self.offer(field, raw, source, label)
            return
        if not is_placeholder(raw) and not self._repeats(field, raw):
            self.add_extra(label, raw)

    def _repeats(self, field: str, raw: str) -> bool:
        """The same value again (the table row beside an id="field_x" cell, say)."""
        existing = self.fields[field]
        cleaned = clean_line(raw).casefold()
        if cleaned in {existing.value.casefold(), existing.display.casefold()}:
            return True
        value = self._read(field, raw, existing.source)
        return value is not None and value.value.casefold() == existing.value.casefold()

    def add_silently(self, field: str, raw: str, source: str) -> bool:
        """Offer a value from headers: unusable header values are no visitor input."""
        if field in self.fields or not clean_line(raw):
            return False
        value = self._read(field, raw, source)
        if value is None:
            return False
        self._store(field, value, raw)
        return True

    def region_hints(self) -> tuple[RegionHint, ...]:
        """Where national phone numbers may be from, in phones.REGION_SOURCES order."""
        country = self.fields.get("country")
        written = (
            country.value if country and country.source not in INFERRED_COUNTRY_SOURCES else ""
        )
        return (
            *region_hint(self.default_region or "", "mailbox"),
            *region_hint(region_of_country(written), "country"),
            *(hint for region in self._domain_regions() for hint in region_hint(region, "domain")),
            *self.language_hints,
            *region_hint(self.installation_region or "", "installation"),
        )

    def _reading_stands(self, phone: Value) -> bool:
        """A checked phone holds while the hints up to the one it was read for are unchanged.

        Hints are tried in order and the first valid one wins, so later ones cannot
        change it; an unchecked phone may still be read for any of them.
        """
        if phone.region_source == "number":
            return True
        used = self.phone_hints
        for index, hint in enumerate(used):
            if hint.source == phone.region_source and phone.region in hint.regions:
                return self.region_hints()[: index + 1] == used[: index + 1]
        return False

    def _domain_regions(self) -> list[str]:
        """Countries of the visitor's email and website domains (country-code TLDs)."""
        email, website = self.fields.get("email"), self.fields.get("website")
        hosts = [domain_of(email.value) if email else ""]
        hosts.append(urlsplit(website.value).hostname or "" if website else "")
        return [region for region in map(region_of_domain, hosts) if region]

    def complete_phone_and_country(self) -> None:
        """Read the phone again with everything known, then infer a missing country.

        The country comes from the phone's own prefix, else the visitor's domain;
        a phone read for the mailbox's region or a guess says nothing about it.
        """
        phone = self.fields.get("phone")
        if phone is not None and not self._reading_stands(phone):
            self.fields["phone"] = self._read_phone(self.phone_written, phone.source) or phone
            phone = self.fields["phone"]
        if "country" in self.fields:
            return
        domains = self._domain_regions()
        if phone is not None and phone.region_source == "number" and phone.region:
            region, source = main_region_when_shared(phone.region, domains), "phone"
        elif domains:
            region, source = domains[0], "domain"
        else:
            return
        if name := country_name(region):
            self.fields["country"] = Value(name, source)

    def add_extra(self, label: str, value: str) -> None:
        label = clean_line(label).rstrip(":\uff1a").strip()[:MAX_EXTRA_LABEL]
        text = clean_block(BASE64_RUN.sub("", HTML_TAG.sub("", value or "")))
        if not label or not text or is_placeholder(text) or len(self.extra) >= EXTRA_MAX_ITEMS:
            return
        key, number = label, 2
        while key in self.extra:
            key, number = f"{label} ({number})", number + 1
        self.extra[key] = text[:EXTRA_MAX_CHARS]

    def add_invalid(self, label: str, raw: str) -> None:
        if len(self.invalid) < INVALID_MAX_ITEMS:
            self.invalid.append(
                (clean_line(label)[:MAX_EXTRA_LABEL], (raw or "")[:INVALID_MAX_CHARS])
            )

    def complete_names(self) -> None:
        """Derive the full name from its parts or the parts from the full name."""
        name = self.fields.get("name")
        first, last = self.fields.get("first_name"), self.fields.get("last_name")
        part = first or last
        if name is None and part is not None:
            full = join_name(first.value if first else "", last.value if last else "")
            self.add_silently("name", full, part.source)
        elif name is not None and first is None and last is None:
            given, family = self.name_parts if any(self.name_parts) else split_name(name.value)
            if given:
                self.fields["first_name"] = Value(given, name.source)
            if family:
                self.fields["last_name"] = Value(family, name.source)

    def result(self, *, is_form: bool, sender_is_service: bool) -> LeadDetails:
        ordered = {field: self.fields[field] for field in LEAD_FIELDS if field in self.fields}
        return LeadDetails(
            fields=ordered,
            extra=dict(self.extra),
            invalid=list(self.invalid),
            is_form=is_form,
            sender_is_service=sender_is_service,
        )
