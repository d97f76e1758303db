"""Recognising form notifications and the services that send them."""

from __future__ import annotations

import re

from .domains import domain_of, is_form_service_domain
from .htmlpairs import Pair
from .labels import AMBIGUOUS_NAME, IGNORED, SENDER, field_for_label
from .normalise import fold

_SERVICE_LOCAL = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|wordpress|wp|"
    r"mailer(?:[-_.]?daemon)?|postmaster|notifications?|notify|alerts?|bounces?|"
    r"automated|auto[-_.]?(?:reply|mail|mailer)|www(?:-data)?|apache|nginx|root|daemon|"
    r"system|forms?|webforms?|form[-_.]?submissions?|formular|formulaire|formulario|"
    r"modulo|formulier|website|webmaster|server|robot|bot|ne[-_.]?pas[-_.]?repondre|"
    r"no[-_.]?responder|non[-_.]?rispondere|niet[-_.]?beantwoorden|geen[-_.]?antwoord|"
    r"nao[-_.]?responda|keine[-_.]?antwort|nicht[-_.]?antworten)(?:[-_.+].*)?$"
    r"|no[-_.]?reply|donotreply|do[-_.]not[-_.]reply",
    re.IGNORECASE,
)
_SERVICE_NAME = re.compile(
    r"\b(?:wordpress|typeform|jotform|wix(?: forms)?|squarespace|hubspot|webflow|wpforms|"
    r"gravity ?forms|elementor|ninja ?forms|formstack|cognito forms|google forms|"
    r"contact ?form\w*|kontaktformular|formulaire|formulario|modulo di contatto|"
    r"contactformulier|formulario de contacto|formulario de contato|web ?form|"
    r"webformular|no-?reply|mailer|notifications?|website)\b",
    re.IGNORECASE,
)
_FORM_SUBJECT = re.compile(
    r"form|submission|new entry|new lead|enquiry|inquiry|new message from|new response|"
    r"anfrage|kontakt|formular|formulaire|nouveau message|nouvelle demande|formulario|"
    r"nuevo mensaje|solicitud|modulo|nuovo messaggio|richiesta|formulier|nieuw bericht|"
    r"aanvraag|formulario|nova mensagem|pedido de contato|contact",
    re.IGNORECASE,
)
# Bounces, auto-replies and forwarded mail quote message headers; forms never do.
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status|failure|failed|has failed|notification)|returned mail|"
    r"failure notice|mail delivery|non[- ]?remis|unzustellbar|nicht zustellbar|"
    r"no se pudo entregar|mancato recapito|onbestelbaar|nao entregue|auto(?:matic)? ?reply|"
    r"out of office|abwesenheit|absence|autoreply|automatische antwort",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer[-_.]?daemon|postmaster)(?:[-_.+@]|$)", re.IGNORECASE)
_HEADER_LABELS = frozenset(
    [
        "to",
        "cc",
        "bcc",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "received",
        "return-path",
        "dkim-signature",
        "in-reply-to",
        "references",
        "final-recipient",
        "original-recipient",
        "diagnostic-code",
        "reporting-mta",
        "action",
        "status",
        "resent-date",
        "resent-from",
        "resent-to",
        "x-mailer",
        "x-originating-ip",
    ]
)
_PERSON_FIELDS = frozenset({"name", "first_name", "last_name", AMBIGUOUS_NAME, SENDER})
_CONTACT_FIELDS = frozenset({"email", "phone", *_PERSON_FIELDS})


def sender_is_service(sender_name: str, sender_email: str) -> bool:
    """True for no-reply, mailer and form-service senders such as wordpress@site."""
    email = (sender_email or "").strip().lower()
    local = email.rpartition("@")[0]
    if email and is_form_service_domain(domain_of(email)):
        return True
    if local and _SERVICE_LOCAL.search(local):
        return True
    return bool(_SERVICE_NAME.search(fold(sender_name or "")))


def recognised_fields(pairs: list[Pair]) -> set[str]:
    fields = {field_for_label(pair.label) for pair in pairs if pair.value.strip()}
    return fields - {"", IGNORED}


def is_bounce_or_quoted_headers(pairs: list[Pair], sender_email: str, subject: str) -> bool:
    """Delivery reports, auto-replies and forwards: label/value lines that are headers."""
    local = (sender_email or "").rpartition("@")[0] or sender_email or ""
    if _BOUNCE_SENDER.match(local) or _BOUNCE_SUBJECT.search(fold(subject or "")):
        return True
    labels = {pair.label.strip().lower() for pair in pairs}
    return bool(labels & _HEADER_LABELS) or any(label.startswith("x-") for label in labels)


def looks_like_form(
    pairs: list[Pair],
    *,
    has_field_ids: bool,
    service: bool,
    subject: str,
    sender_email: str = "",
) -> bool:
    """Label/value structure with contact fields, plus a service sender or a form subject.

    A signature's "Tel: / E-Mail: / Web:" lines have no name or message label, so
    unless a service sent the message, a name or message label must be present: an
    "Anfrage Schulung" from a person with a signature stays a personal email.
    """
    if has_field_ids:
        return True
    if is_bounce_or_quoted_headers(pairs, sender_email, subject):
        return False
    fields = recognised_fields(pairs)
    if not fields & _CONTACT_FIELDS:
        return False
    if service:
        return len(fields) >= 2 or (len(pairs) >= 2 and bool(fields & {"email", SENDER}))
    named = bool(fields & (_PERSON_FIELDS | {"description"}))
    if _FORM_SUBJECT.search(fold(subject or "")):
        return named and len(fields) >= 2
    return named and len(fields) >= 3


def pair_score(pairs: list[Pair]) -> tuple[int, int]:
    """How much of a form a set of pairs describes: recognised fields, then all pairs."""
    return len(recognised_fields(pairs)), len(pairs)
