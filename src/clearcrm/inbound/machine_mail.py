"""Machine mail: our own notifications, bounces, auto-replies and list mail.

Pure functions over a :class:`~clearcrm.inbound.parse.ParsedEmail` (no Django,
no database).  Each returns ``None`` or a :class:`Verdict` whose ``reason`` is
one sentence an admin reads in the import ledger, naming the evidence.  None
of them raises: a rule that fails on a hostile message is logged and treated
as "no match", so the message goes on to the next rule.  The order in which
they are asked is ``decide.RULES``'s.

Judgement calls
---------------
* Every verdict rests on headers or MIME structure.  Body text is read only as
  the *second* signal of a bounce (a ``mailer-daemon@``/``postmaster@`` sender
  or a null ``Return-Path`` must come first); a person writing "I am out of the
  office" in a normal email is never caught.
* Bounces: a DSN (RFC 3464) is a bounce even when it only reports a delay;
  ``bounced`` then stays empty, because it lists *permanent* failures only
  (flufl.bounce's ``scan_message``), and those are what get logged on leads.
  When flufl finds nothing, an ``X-Failed-Recipients`` header (Exim, Gmail) is
  used instead.  Addresses that appear only in free text are not guessed.
* Read receipts (RFC 8098), spam complaints (ARF, RFC 5965) and any other
  ``multipart/report`` (RFC 6522) are machine mail: kind ``auto_reply``.
* ``X-Auto-Response-Suppress`` (Microsoft) asks recipients not to auto-answer;
  Exchange and many notification systems set it on mail that is not an
  auto-reply.  As the product owner asked, the values ``All``, ``OOF`` and
  ``AutoReply`` count; the receipt-only values (``DR``, ``NDR``, ``RN``,
  ``NRN``) count only as the weak signal that confirms an auto-reply subject.
* Auto-reply subjects ("Out of Office", "Automatische Antwort", ...) count only
  from a no-reply style sender or with ``X-Auto-Response-Suppress``: people use
  those words in subjects too.
* ``Precedence: bulk`` is an auto-reply signal (bulk or automatic mail) unless
  the message also carries list headers: then it is list mail, so that a
  mailbox set to import mailing-list mail really gets it.
* List mail is ``List-Id`` (RFC 2919), ``Precedence: list``, or
  ``List-Unsubscribe`` (RFC 2369) together with ``Precedence: bulk``.
  ``List-Unsubscribe`` alone is not enough: newsletters carry it, but so does
  one-to-one mail from sales tools since the 2024 bulk-sender rules of Gmail
  and Yahoo.  Old list software that sets only ``Mailing-List`` (ezmlm) or
  ``Sender: owner-...`` is not recognised.
"""

from __future__ import annotations

import email
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec

from flufl.bounce import scan_message

from clearcrm.addresses import normalize_address
from clearcrm.inbound.parse import ParsedEmail
from clearcrm.own_mail import OWN_HEADER

__all__ = [
    "FLUFL_SCAN_BYTES",
    "Verdict",
    "auto_reply",
    "bounce",
    "list_mail",
    "own_mail",
]

log = logging.getLogger(__name__)

#: flufl.bounce sees at most the first this-many bytes of a message.  Its
#: heuristic detectors take about a second per MB of text, and whoever sends
#: with a null Return-Path can make them run; what they need comes first
#: anyway (RFC 6522: the report parts precede the returned message).
FLUFL_SCAN_BYTES = 512 * 1024
#: Addresses kept in Verdict.bounced (a DSN may list many recipients).
MAX_BOUNCED = 100
#: Addresses named in a reason; the rest are counted.
REASON_ADDRESSES = 3
#: Body characters searched for delivery-failure wording.
BODY_SCAN_CHARS = 4000
#: Characters of a header value quoted in a reason.
QUOTE_CHARS = 80
#: Longest failed-recipient address kept from a report (longer ones are garbage).
MAX_REPORTED_ADDRESS = 320


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # "own_mail" | "bounce" | "auto_reply" | "list_mail"
    reason: str  # one sentence for the import ledger, naming the evidence
    bounced: tuple[str, ...] = ()  # lower-cased addresses that failed permanently


P = ParamSpec("P")


def _never_raises(rule: Callable[P, Verdict | None]) -> Callable[P, Verdict | None]:
    """A failing rule must not stop the import: log it and answer "no match"."""

    @wraps(rule)
    def safe(*args: P.args, **kwargs: P.kwargs) -> Verdict | None:
        try:
            return rule(*args, **kwargs)
        except Exception:
            log.exception("inbound.machine_mail.%s failed; treated as no match", rule.__name__)
            return None

    return safe


# --------------------------------------------------------------------------- small helpers


def _has_header(parsed: ParsedEmail, name: str) -> bool:
    key = name.lower()
    return any(hname == key for hname, _ in parsed.headers)


def _clip(value: str, limit: int = QUOTE_CHARS) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _first_token(value: str) -> str:
    """'auto-replied (vacation)' -> 'auto-replied'; '' when there is none."""
    match = re.match(r"\s*([A-Za-z0-9_.-]+)", value)
    return match.group(1).lower() if match else ""


def _precedence(parsed: ParsedEmail) -> str:
    return _first_token(parsed.header("precedence"))


_REPORT_TYPE_RE = re.compile(r"""report-type\s*=\s*["']?\s*([A-Za-z0-9_.-]+)""", re.IGNORECASE)


def _report_type(parsed: ParsedEmail) -> str:
    """The report-type of a multipart/report message (RFC 6522), '' otherwise."""
    if parsed.content_type != "multipart/report":
        return ""
    match = _REPORT_TYPE_RE.search(parsed.header("content-type"))
    return match.group(1).lower() if match else ""


def _has_part(parsed: ParsedEmail, content_type: str) -> bool:
    """The message is, or has a MIME part of, this type (people never write these)."""
    return parsed.content_type == content_type or any(
        part.content_type == content_type for part in parsed.attachments
    )


def _sender_email(parsed: ParsedEmail) -> str:
    return parsed.sender.email if parsed.sender else ""


def _sender_local_part(parsed: ParsedEmail) -> str:
    return _sender_email(parsed).rsplit("@", 1)[0].strip().lower()


def _null_return_path(parsed: ParsedEmail) -> bool:
    """Return-Path: <> - the null reverse-path of RFC 5321 §4.5.5.

    Mail systems use it for notifications so that nothing answers them; mail a
    person writes always has a return address.
    """
    return "".join(parsed.header("return-path").split()) == "<>"


# --------------------------------------------------------------------------- own mail


@_never_raises
def own_mail(parsed: ParsedEmail) -> Verdict | None:
    """One of ClearCRM's own notifications came back into an imported mailbox."""
    if not _has_header(parsed, OWN_HEADER):
        return None
    return Verdict(
        "own_mail",
        f"{OWN_HEADER} header: a notification ClearCRM sent itself came back.",
    )


# --------------------------------------------------------------------------- bounces

_DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})

# Subject or first lines of a failure notice, in the languages MTAs commonly use.
_FAILURE_WORDING_RE = re.compile(
    r"undeliver(?:able|ed)|returned mail|failure notice|non[- ]?delivery"
    r"|delivery (?:status notification|failure|failed|has failed|problem|incomplete|delayed)"
    r"|mail delivery failed|could ?n[o']t be delivered|could not deliver|not be delivered"
    r"|unzustellbar|nicht zugestellt|non remis|non distribuable|non recapitabile"
    r"|no se (?:pudo|puede) entregar|onbestelbaar|niet bezorgd",
    re.IGNORECASE,
)


def _failure_evidence(parsed: ParsedEmail) -> bool:
    """X-Failed-Recipients, or delivery-failure wording in the subject or body start."""
    if _has_header(parsed, "x-failed-recipients"):
        return True
    return bool(
        _FAILURE_WORDING_RE.search(parsed.subject)
        or _FAILURE_WORDING_RE.search(parsed.text[:BODY_SCAN_CHARS])
    )


_DSN_REPORT = (
    "Delivery status notification (multipart/report; report-type=delivery-status, RFC 3464)"
)
_DSN_PART = "Delivery status notification (message/delivery-status content, RFC 3464)"


def _bounce_evidence(parsed: ParsedEmail) -> str | None:
    """What shows that this is a delivery report, as the start of the reason."""
    if _report_type(parsed) == "delivery-status":
        return _DSN_REPORT
    if _has_part(parsed, "message/delivery-status"):
        return _DSN_PART
    if _sender_local_part(parsed) in _DAEMON_LOCAL_PARTS and _failure_evidence(parsed):
        return f"Delivery failure notice from {_clip(_sender_email(parsed))}"
    if _null_return_path(parsed) and _failure_evidence(parsed):
        return "Delivery failure notice with the null Return-Path <> (RFC 5321 §4.5.5)"
    return None


def _reported_address(value: object) -> str:
    """A failed recipient as a report names it, normalised; '' when unusable.

    flufl gives bytes or str depending on its version.
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    address = normalize_address(value.strip().strip("<>"))
    if (
        "@" not in address
        or len(address) > MAX_REPORTED_ADDRESS
        or any(c.isspace() for c in address)
    ):
        return ""
    return address


def _flufl_addresses(raw: bytes) -> set[str]:
    """Permanently failed recipients according to flufl.bounce (it can raise)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        return set()
    try:
        # compat32 (the default) is the Message flavour flufl's detectors expect.
        found = scan_message(email.message_from_bytes(bytes(raw[:FLUFL_SCAN_BYTES])))
        return {address for address in map(_reported_address, found) if address}
    except Exception as exc:
        log.warning("flufl.bounce could not scan a bounce (%s)", type(exc).__name__)
        return set()


def _failed_recipients_header(parsed: ParsedEmail) -> set[str]:
    """X-Failed-Recipients: a, b (Exim, Gmail)."""
    values = parsed.header_all("x-failed-recipients")
    return {a for v in values for a in map(_reported_address, v.split(",")) if a}


def _bounced_addresses(parsed: ParsedEmail, raw: bytes) -> tuple[str, ...]:
    found = _flufl_addresses(raw) or _failed_recipients_header(parsed)
    return tuple(sorted(found)[:MAX_BOUNCED])


def _address_list(addresses: Iterable[str]) -> str:
    addresses = list(addresses)
    shown = ", ".join(addresses[:REASON_ADDRESSES])
    more = len(addresses) - REASON_ADDRESSES
    return f"{shown} and {more} more" if more > 0 else shown


@_never_raises
def bounce(parsed: ParsedEmail, raw: bytes) -> Verdict | None:
    """A delivery report: a DSN, or a failure notice from a mail system.

    flufl.bounce runs only once there is evidence: it is slow-ish and its
    heuristics would find "addresses" in ordinary mail.
    """
    evidence = _bounce_evidence(parsed)
    if evidence is None:
        return None
    bounced = _bounced_addresses(parsed, raw)
    if bounced:
        reason = f"{evidence} for {_address_list(bounced)}."
    else:
        reason = f"{evidence}; it names no permanently failed address."
    return Verdict("bounce", reason, bounced)


# --------------------------------------------------------------------------- auto-replies

_REPORT_REASONS = {
    "disposition-notification": (
        "Read receipt (multipart/report; report-type=disposition-notification, RFC 8098)."
    ),
    "feedback-report": (
        "Spam complaint from a mailbox provider "
        "(multipart/report; report-type=feedback-report, ARF RFC 5965)."
    ),
}
_REPORT_PARTS = {
    "message/disposition-notification": "disposition-notification",
    "message/feedback-report": "feedback-report",
}


def _machine_report(parsed: ParsedEmail) -> str | None:
    """Read receipts, complaints and any other multipart/report (RFC 6522)."""
    report_type = _report_type(parsed)
    if report_type in _REPORT_REASONS:
        return _REPORT_REASONS[report_type]
    for part_type, kind in _REPORT_PARTS.items():
        if _has_part(parsed, part_type):
            return _REPORT_REASONS[kind]
    if parsed.content_type == "multipart/report":
        shown = f"report-type={_clip(report_type, 40)}" if report_type else "no report-type"
        return f"Machine-generated report (multipart/report; {shown}, RFC 6522)."
    return None


def _auto_submitted(parsed: ParsedEmail) -> str | None:
    """RFC 3834 §5: any Auto-Submitted value but "no" marks automatic mail."""
    for value in parsed.header_all("auto-submitted"):
        token = _first_token(value)
        if token and token != "no":
            return f"Auto-Submitted: {_clip(token, 40)} (RFC 3834 §5)."
    return None


_AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")


def _autoresponder_header(parsed: ParsedEmail) -> str | None:
    """Headers that vacation programs and autoresponders add (not standardised)."""
    for name in _AUTORESPONDER_HEADERS:
        if not _has_header(parsed, name):
            continue
        value = parsed.header(name)
        if _first_token(value) in ("no", "false", "0"):
            continue
        return f"{name}: {_clip(value, 40)} (set by autoresponders)."
    return None


def _bulk_precedence(parsed: ParsedEmail) -> str | None:
    """Precedence: junk / auto_reply / bulk (de-facto, never standardised).

    "list" is left to list_mail, and so is "bulk" on mail with list headers.
    """
    precedence = _precedence(parsed)
    if precedence in ("junk", "auto_reply", "auto-reply"):
        return f"Precedence: {precedence} (automatic or junk mail)."
    if precedence == "bulk" and _list_reason(parsed) is None:
        return "Precedence: bulk (mass-mailed or automatic, not written to us by a person)."
    return None


_SUPPRESS_AUTO_REPLY = frozenset({"all", "oof", "autoreply"})


def _suppress_tokens(parsed: ParsedEmail) -> set[str]:
    value = parsed.header("x-auto-response-suppress")
    return {token.lower() for token in re.split(r"[\s,;]+", value) if token}


def _response_suppress(parsed: ParsedEmail) -> str | None:
    """Microsoft's X-Auto-Response-Suppress with All, OOF or AutoReply (see module doc)."""
    if not _suppress_tokens(parsed) & _SUPPRESS_AUTO_REPLY:
        return None
    value = _clip(parsed.header("x-auto-response-suppress"), 40)
    return (
        f"X-Auto-Response-Suppress: {value} (Microsoft: an automated sender asks not to be "
        "answered automatically)."
    )


def _null_sender(parsed: ParsedEmail) -> str | None:
    if not _null_return_path(parsed):
        return None
    return "Return-Path: <> (null reverse-path, RFC 5321 §4.5.5: sent by a mail system)."


def _failed_recipients(parsed: ParsedEmail) -> str | None:
    if not _has_header(parsed, "x-failed-recipients"):
        return None
    value = _clip(parsed.header("x-failed-recipients"), 60)
    return f"X-Failed-Recipients: {value} (a mail server's failure notice)."


_AUTO_REPLY_SUBJECT_RE = re.compile(
    r"\s*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|auto[- ]?response"
    r"|autoresponder|abwesenheitsnotiz|automatische antwort|réponse automatique"
    r"|respuesta automática|risposta automatica|resposta automática|afwezig"
    r"|automatisch antwoord)",
    re.IGNORECASE,
)
_NO_REPLY_LOCAL_PART_RE = re.compile(
    r"(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster"
    r"|auto[-_.]?reply|auto[-_.]?responder)(?:[-+_.].*)?",
    re.IGNORECASE,
)


def _auto_reply_subject(parsed: ParsedEmail) -> str | None:
    """An auto-reply subject, confirmed by a no-reply sender or X-Auto-Response-Suppress.

    The subject alone is not enough ("Out of office next week?" from a
    customer) and the body is never read.
    """
    subject = unicodedata.normalize("NFC", parsed.subject)
    if not _AUTO_REPLY_SUBJECT_RE.match(subject):
        return None
    quoted = _clip(subject, 60)
    if _NO_REPLY_LOCAL_PART_RE.fullmatch(_sender_local_part(parsed)):
        sender = _clip(_sender_email(parsed))
        return f"Subject {quoted!r} from the no-reply address {sender}."
    if _suppress_tokens(parsed):
        return f"Subject {quoted!r} with an X-Auto-Response-Suppress header (Microsoft)."
    return None


# Strongest, most specific evidence first: it becomes the reason.
_AUTO_REPLY_CHECKS: tuple[Callable[[ParsedEmail], str | None], ...] = (
    _machine_report,
    _auto_submitted,
    _autoresponder_header,
    _bulk_precedence,
    _response_suppress,
    _null_sender,
    _failed_recipients,
    _auto_reply_subject,
)


@_never_raises
def auto_reply(parsed: ParsedEmail) -> Verdict | None:
    """Out-of-office and other automatic answers, receipts and machine reports."""
    for check in _AUTO_REPLY_CHECKS:
        reason = check(parsed)
        if reason:
            return Verdict("auto_reply", reason)
    return None


# --------------------------------------------------------------------------- list mail


def _list_reason(parsed: ParsedEmail) -> str | None:
    list_id = parsed.header("list-id").strip()
    if list_id:
        return f"List-Id: {_clip(list_id)} (mailing list, RFC 2919)."
    precedence = _precedence(parsed)
    if precedence == "list":
        return "Precedence: list (set by mailing-list software)."
    if precedence == "bulk" and parsed.header("list-unsubscribe").strip():
        return "List-Unsubscribe (RFC 2369) with Precedence: bulk (mass mail to a list)."
    return None


@_never_raises
def list_mail(parsed: ParsedEmail) -> Verdict | None:
    """Mail from a mailing list or a newsletter (see the module doc for what counts)."""
    reason = _list_reason(parsed)
    return Verdict("list_mail", reason) if reason else None
