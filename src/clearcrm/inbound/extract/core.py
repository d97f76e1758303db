"""extract_lead_details(): who the lead is and what we know about them.

Order of trust: ``id="field_x"`` elements (form_id), then the form's label/value
pairs (form), then the message headers (header), then the signature (signature),
then what the address itself says (address). The first valid value wins.
"""

from __future__ import annotations

import logging
import re

import phonenumbers

from .collect import Collector
from .detect import looks_like_form, pair_score, recognised_fields, sender_is_service
from .domains import domain_of, is_free_mail_domain, registrable_domain
from .htmldoc import Node, parse_html, to_text
from .htmlpairs import IdFields, Pair, fields_by_id, structured_pairs
from .labels import AMBIGUOUS_NAME, IGNORED, SENDER, field_for_label, label_languages
from .model import LeadDetails
from .names import clean_display_name, is_role_address, name_from_address
from .normalise import normalise_email
from .phones import GUESSES, language_hint
from .signature import extract_signature
from .textpairs import text_pairs

logger = logging.getLogger(__name__)

_ADDRESS_TOKEN = re.compile(
    r"[<(\[]?\s*(?:mailto:)?(?P<address>[^\s<>()\[\],;]+@[^\s<>()\[\],;]+)\s*[>)\]]?"
)

# The country goes first so national phone numbers parse for the visitor's country.
_FIRST_FIELDS = ("country",)


def extract_lead_details(
    *,
    sender_name: str,
    sender_email: str,
    reply_to: list[tuple[str, str]],
    subject: str,
    text: str,
    html: str,
    default_region: str | None = None,
    installation_region: str | None = None,
) -> LeadDetails:
    """Who the lead is and what the message says about them; never raises.

    ``default_region`` is the mailbox's region for national phone numbers,
    ``installation_region`` the last guess when nothing in the message points to one.
    An unexpected failure on hostile input is logged and answered from the headers
    alone, so one odd message can never stop an import.
    """
    sender_name, sender_email = sender_name or "", sender_email or ""
    collector = Collector(_valid_region(default_region), _valid_region(installation_region))
    try:
        return _extract(
            collector, sender_name, sender_email, reply_to or [], subject or "", text, html
        )
    except Exception:
        logger.exception("lead extraction failed; using the headers only")
        collector = Collector(collector.default_region, collector.installation_region)
        return _headers_only(collector, sender_name, sender_email, reply_to or [])


def _valid_region(region: str | None) -> str | None:
    region = (region or "").strip().upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def _headers_only(
    collector: Collector, sender_name: str, sender_email: str, reply_to: list[tuple[str, str]]
) -> LeadDetails:
    service = sender_is_service(sender_name, sender_email)
    _fill_person_for_email(collector, sender_name, sender_email, reply_to, service)
    collector.complete_names()
    return collector.result(is_form=False, sender_is_service=service)


def _extract(
    collector: Collector,
    sender_name: str,
    sender_email: str,
    reply_to: list[tuple[str, str]],
    subject: str,
    text: str,
    html: str,
) -> LeadDetails:
    service = sender_is_service(sender_name, sender_email)
    root = parse_html(html) if html else None
    id_fields = fields_by_id(root) if root is not None else IdFields([], [])
    pairs = _best_pairs(text or "", root)
    is_form = looks_like_form(
        pairs,
        has_field_ids=bool(id_fields.fields),
        service=service,
        subject=subject,
        sender_email=sender_email,
    )
    if is_form:
        collector.language_hints = language_hint(label_languages([p.label for p in pairs]))
        _fill_from_form(collector, id_fields, pairs)
        _fill_person_for_form(collector, sender_name, sender_email, reply_to, service)
    else:
        _fill_person_for_email(collector, sender_name, sender_email, reply_to, service)
        _fill_from_signature(collector, text or "", sender_name, sender_email, service)
    collector.complete_phone_and_country()
    collector.complete_names()
    return collector.result(is_form=is_form, sender_is_service=service)


def _best_pairs(text: str, root: Node | None) -> list[Pair]:
    """Tables and lists in the HTML, the plain text, or the HTML read as text.

    The reading that recognises the most fields wins, then the one with most pairs;
    on a full tie the earlier one, as table cells delimit values best. Fields only
    another reading found are added from it (the text part of a message may carry
    the message the HTML part only shows without a label, say).
    """
    candidates = []
    if root is not None:
        candidates.append(structured_pairs(root))
    candidates.append(text_pairs(text))
    if root is not None:
        candidates.append(text_pairs(to_text(root)))
    best = max(candidates, key=pair_score)
    found = recognised_fields(best)
    merged = list(best)
    for other in candidates:
        for pair in other:
            field = field_for_label(pair.label)
            if field and field not in found and field != IGNORED and pair.value.strip():
                merged.append(pair)
                found.add(field)
    return merged


def _fill_from_form(collector: Collector, id_fields: IdFields, pairs: list[Pair]) -> None:
    for field, element_id, raw in sorted(id_fields.fields, key=_country_first):
        collector.offer(field, raw, "form_id", element_id)
    for pair in id_fields.extra:
        collector.add_extra(pair.label, pair.value)
    id_values = {" ".join(value.split()) for _, _, value in id_fields.fields}
    id_values |= {" ".join(pair.value.split()) for pair in id_fields.extra}
    # Labels printed beside id="..." elements repeat what the ids already gave.
    pairs = [pair for pair in pairs if " ".join(pair.value.split()) not in id_values]
    resolved = _resolve_fields(pairs)
    for field, pair in sorted(resolved, key=lambda item: item[0] not in _FIRST_FIELDS):
        _take_pair(collector, field, pair)


def _country_first(item: tuple[str, str, str]) -> bool:
    return item[0] not in _FIRST_FIELDS


def _resolve_fields(pairs: list[Pair]) -> list[tuple[str, Pair]]:
    """Map labels to fields; "Name" beside "Vorname" is the surname (and the reverse)."""
    fields = [field_for_label(pair.label) for pair in pairs]
    present = set(fields)
    ambiguous = "name"
    if "first_name" in present and "last_name" not in present:
        ambiguous = "last_name"
    elif "last_name" in present and "first_name" not in present:
        ambiguous = "first_name"
    resolved = [ambiguous if field == AMBIGUOUS_NAME else field for field in fields]
    return list(zip(resolved, pairs, strict=True))


def _take_pair(collector: Collector, field: str, pair: Pair) -> None:
    if field == IGNORED:
        return
    if field == SENDER:
        _take_sender_line(collector, pair)
    elif field:
        collector.offer_or_keep(field, pair.value, "form", pair.label)
    else:
        collector.add_extra(pair.label, pair.value)


def _take_sender_line(collector: Collector, pair: Pair) -> None:
    """CF7's "From: Jane Doe <jane@example.com>" holds the visitor's name and address.

    Parsed by hand: the display name is not quoted, so "Müller, Jürgen <j@x>" would
    read as two addresses to an RFC 5322 parser.
    """
    value = " ".join(pair.value.split())
    match = _ADDRESS_TOKEN.search(value)
    if match is None:
        collector.offer_or_keep("name", value, "form", pair.label)
        return
    collector.offer_or_keep("email", match.group("address"), "form", pair.label)
    name = (value[: match.start()] + " " + value[match.end() :]).strip(" ,;:-\"'")
    if name:
        collector.offer_or_keep("name", name, "form", pair.label)


def _fill_person_for_form(
    collector: Collector,
    sender_name: str,
    sender_email: str,
    reply_to: list[tuple[str, str]],
    service: bool,
) -> None:
    """The visitor is the lead: form first, then Reply-To, then a personal sender.

    A Reply-To at the site's own domain (the owner replying to themselves) or at a
    service is no visitor; a visitor's role address (info@their-firm) still is.
    """
    site = registrable_domain(domain_of(sender_email))
    candidates = [
        (name, email)
        for name, email in reply_to
        if not sender_is_service(name, email)
        and not (service and registrable_domain(domain_of(email)) == site)
    ]
    if not service:
        candidates.append((sender_name, sender_email))
    if "email" not in collector.fields:
        for _name, email in candidates:
            if collector.add_silently("email", email, "header"):
                break
    lead_email = collector.fields["email"].value if "email" in collector.fields else ""
    if _has_name(collector) or not lead_email:
        return
    for name, email in candidates:
        if normalise_email(email) == lead_email and _offer_display_name(collector, name, email):
            return
    _offer_name_from_address(collector, lead_email)


def _fill_person_for_email(
    collector: Collector,
    sender_name: str,
    sender_email: str,
    reply_to: list[tuple[str, str]],
    service: bool,
) -> None:
    """A personal email: the sender is the lead, or Reply-To when a mailer sent it."""
    name, email = sender_name, sender_email
    if service:
        people = [(n, e) for n, e in reply_to if not _is_machine(n, e) and normalise_email(e)]
        if people:
            name, email = people[0]
    collector.add_silently("email", email, "header")
    if not (service and _is_machine(name, email)):
        _offer_display_name(collector, name, email)


def _fill_from_signature(
    collector: Collector, text: str, sender_name: str, sender_email: str, service: bool
) -> None:
    regions = [
        region
        for hint in collector.region_hints()
        if hint.source not in GUESSES
        for region in hint.regions
    ]
    signature = extract_signature(
        text, sender_name=sender_name, sender_email=sender_email, regions=regions
    )
    if not _has_name(collector) and signature.name:
        collector.add_silently("name", signature.name, "signature")
    # The country and the website first: the phone number is read for them.
    collector.add_silently("country", signature.country, "signature")
    collector.add_silently("website", signature.website, "signature")
    collector.add_silently("phone", signature.phone, "signature")
    for label, raw in signature.invalid:
        collector.add_invalid(label, raw)
    collector.add_silently("title", signature.title, "signature")
    collector.add_silently("company", signature.company, "signature")
    email = collector.fields["email"].value if "email" in collector.fields else ""
    if not _has_name(collector) and email:
        _offer_name_from_address(collector, email)
    if not service and email:
        _offer_company_from_domain(collector, email)


def _has_name(collector: Collector) -> bool:
    return any(field in collector.fields for field in ("name", "first_name", "last_name"))


def _is_machine(name: str, email: str) -> bool:
    return sender_is_service(name, email) or is_role_address(email)


def _offer_display_name(collector: Collector, name: str, email: str) -> bool:
    """A header display name, unless it is just the address or a mailbox's label."""
    display = clean_display_name(name)
    if not display or "@" in display or sender_is_service(display, ""):
        return False
    return collector.add_silently("name", display, "header")


def _offer_name_from_address(collector: Collector, email: str) -> None:
    guessed = name_from_address(email)
    if guessed:
        collector.add_silently("name", guessed, "address")


def _offer_company_from_domain(collector: Collector, email: str) -> None:
    """A corporate sender's registrable domain stands for the company when nothing else does."""
    domain = domain_of(email)
    if domain and not is_free_mail_domain(domain) and "company" not in collector.fields:
        collector.add_silently("company", registrable_domain(domain), "address")
