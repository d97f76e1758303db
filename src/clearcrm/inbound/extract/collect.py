"""Accumulates validated field values, extra pairs and rejected values."""

from __future__ import annotations

from .countries import region_of_country
from .model import (
    EXTRA_MAX_CHARS,
    EXTRA_MAX_ITEMS,
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
    normalise,
)

MAX_EXTRA_LABEL = 100


class Collector:
    """First valid value per field wins; later ones become extra data, bad ones invalid."""

    def __init__(self, default_region: str | None) -> None:
        self.default_region = (default_region or "").upper() or None
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
        result = normalise(field, raw, region=self.phone_region())
        if result is None:
            self.add_invalid(label or field, raw)
            return False
        self._store(field, result, source, raw)
        return True

    def _store(self, field: str, result: tuple[str, str], source: str, raw: str) -> None:
        self.fields[field] = Value(result[0], source, result[1])
        if field == "name":
            self.name_parts = split_name(raw)

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
        result = normalise(field, raw, region=self.phone_region())
        return result is not None and result[0].casefold() == existing.value.casefold()

    def add_silently(self, field: str, raw: str, source: str) -> bool:
        """Offer a value from headers: unusable header values are no visitor input."""
        if field in self.fields or not clean_line(raw):
            return False
        result = normalise(field, raw, region=self.phone_region())
        if result is None:
            return False
        self._store(field, result, source, raw)
        return True

    def phone_region(self) -> str | None:
        """Parse national numbers for the country the visitor named, else the default."""
        country = self.fields.get("country")
        region = region_of_country(country.value) if country else ""
        return region or self.default_region

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
        if name is None and (first or last):
            source = (first or last).source
            full = join_name(first.value if first else "", last.value if last else "")
            self.add_silently("name", full, source)
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
