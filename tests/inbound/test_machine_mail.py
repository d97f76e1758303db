"""The rules that keep machine mail and list mail from becoming leads (inbound.machine_mail).

Pure tests: no database; where the order of the checks matters, messages go
through decide.RULES (``decided``).  Small messages are built with EmailMessage (DSNs,
which it cannot build, are written out), then the real-world corpus is checked
against expectations read from each file's headers.
"""

from __future__ import annotations

import dataclasses
import logging
from email.message import EmailMessage

import pytest
from flufl.bounce import scan_message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearcrm.inbound import machine_mail
from clearcrm.inbound.machine_mail import (
    FLUFL_SCAN_BYTES,
    Verdict,
    auto_reply,
    bounce,
    list_mail,
    own_mail,
)
from clearcrm.inbound.parse import Address, ParsedAttachment, ParsedEmail, parse_message
from clearcrm.own_mail import OWN_HEADER
from tests.conftest import CORPUS, corpus_or_unavailable
from tests.support.incoming import decided

PERSON = "Jane Doe <jane@example.com>"


def build(
    headers: dict[str, str] | None = None,
    *,
    subject: str = "Quote for 40 chairs",
    sender: str = PERSON,
    body: str = "Hello, could you send me a quote for 40 chairs?\n\nJane\n",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@shop.example"
    msg["Subject"] = subject
    msg["Message-ID"] = "<q1@example.com>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def parsed(headers: dict[str, str] | None = None, **kwargs: str) -> ParsedEmail:
    return parse_message(build(headers, **kwargs))


def report(report_type: str, part_type: str, part_body: str, *, sender: str) -> bytes:
    """A multipart/report (RFC 6522) as mail systems write it."""
    return (
        f"From: {sender}\r\n"
        "To: sales@shop.example\r\n"
        "Subject: Report\r\n"
        "Message-ID: <r1@mx.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "This is a report about a message you sent.\r\n"
        "--b1\r\n"
        f"Content-Type: {part_type}\r\n"
        "\r\n"
        f"{part_body}"
        "--b1\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: sales@shop.example\r\n"
        "Subject: Your quote\r\n"
        "\r\n"
        "--b1--\r\n"
    ).encode()


def dsn(
    recipient: str = "Jane@Example.COM",
    action: str = "failed",
    *,
    sender: str = "Mail Delivery System <MAILER-DAEMON@mx.example.net>",
) -> bytes:
    """A delivery status notification (RFC 3464)."""
    status = "5.1.1" if action == "failed" else "4.4.7"
    body = (
        "Reporting-MTA: dns; mx.example.net\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "\r\n"
    )
    return report("delivery-status", "message/delivery-status", body, sender=sender)


def mdn() -> bytes:
    """A read receipt (RFC 8098)."""
    body = (
        "Reporting-UA: pc.example.com; Mailer 1.0\r\n"
        "Final-Recipient: rfc822; jane@example.com\r\n"
        "Original-Message-ID: <quote1@shop.example>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
        "\r\n"
    )
    return report(
        "disposition-notification", "message/disposition-notification", body, sender=PERSON
    )


def arf() -> bytes:
    """A spam complaint from a mailbox provider (RFC 5965)."""
    body = "Feedback-Type: abuse\r\nUser-Agent: Provider-FBL/1.0\r\nVersion: 1\r\n\r\n"
    return report("feedback-report", "message/feedback-report", body, sender="fbl@provider.example")


def verdict_of(raw: bytes) -> Verdict | None:
    return decided(parse_message(raw), raw)


# --------------------------------------------------------------------------- people


def test_a_person_writing_is_none_of_these():
    raw = build()
    message = parse_message(raw)
    assert own_mail(message) is None
    assert bounce(message, raw) is None
    assert auto_reply(message) is None
    assert list_mail(message) is None
    assert decided(message, raw) is None


@pytest.mark.parametrize(
    "body",
    [
        "I'm out of office until Monday, but wanted to ask for a quote first.",
        "Automatic reply: yes please. Out of Office tomorrow.",
        "Delivery failed last time - undeliverable mail to your colleague?",
    ],
)
def test_body_text_alone_never_decides(body):
    assert verdict_of(build(body=body)) is None


def test_a_person_may_use_auto_reply_words_in_a_subject():
    assert verdict_of(build(subject="Out of office next week? Need the chairs before")) is None
    assert verdict_of(build(subject="Automatic reply to your ad")) is None


def test_verdict_is_immutable():
    verdict = Verdict("bounce", "Because.", ("a@example.com",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.kind = "auto_reply"  # type: ignore[misc]


# --------------------------------------------------------------------------- own mail


def test_own_notification_coming_back():
    message = parsed({OWN_HEADER: "yes", "Auto-Submitted": "auto-generated"})
    verdict = own_mail(message)
    assert verdict is not None and verdict.kind == "own_mail"
    assert OWN_HEADER in verdict.reason
    assert decided(message, b"").kind == "own_mail"  # wins over Auto-Submitted


def test_own_header_is_matched_case_insensitively():
    assert own_mail(parsed({OWN_HEADER.lower(): "yes"})).kind == "own_mail"


# --------------------------------------------------------------------------- bounces


def test_dsn_is_a_bounce_with_the_failed_address_lower_cased():
    raw = dsn("Jane@Example.COM")
    verdict = bounce(parse_message(raw), raw)
    assert verdict is not None and verdict.kind == "bounce"
    assert verdict.bounced == ("jane@example.com",)
    assert "multipart/report" in verdict.reason and "jane@example.com" in verdict.reason


def test_dsn_is_recognised_by_its_structure_whoever_sends_it():
    raw = dsn(sender="Reports <reports@mx.example.net>")
    assert verdict_of(raw).kind == "bounce"


def test_delay_warning_is_a_bounce_without_bounced_addresses():
    raw = dsn(action="delayed")
    verdict = verdict_of(raw)
    assert verdict.kind == "bounce" and verdict.bounced == ()
    assert "no permanently failed address" in verdict.reason


def test_delivery_status_part_inside_another_multipart():
    raw = (
        b"From: gateway@mx.example.net\r\nSubject: Notice\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the report.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n"
        b"--b--\r\n"
    )
    verdict = verdict_of(raw)
    assert verdict.kind == "bounce" and verdict.bounced == ("bob@example.org",)
    assert "message/delivery-status" in verdict.reason


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.net", "Postmaster <POSTMASTER@example.net>"]
)
def test_mail_system_sender_with_failure_wording(sender):
    raw = build(
        sender=sender,
        subject="Undelivered Mail Returned to Sender",
        body="I'm sorry to have to inform you that your message could not be delivered.\n",
    )
    verdict = verdict_of(raw)
    assert verdict.kind == "bounce"
    assert "Delivery failure notice from" in verdict.reason


def test_mail_system_sender_with_failure_wording_only_in_the_body():
    raw = build(sender="mailer-daemon@example.net", subject="Notice", body="Delivery failed.\n")
    assert verdict_of(raw).kind == "bounce"


def test_postmaster_writing_normally_is_not_a_bounce():
    raw = build(sender="Bob <postmaster@example.com>", subject="Lunch?", body="Lunch at noon?\n")
    assert bounce(parse_message(raw), raw) is None
    assert verdict_of(raw) is None


def test_null_return_path_with_failed_recipients_header():
    raw = build(
        {"Return-Path": "<>", "X-Failed-Recipients": "Bob@Example.org, carl@example.org"},
        sender="Mail System <notices@mx.example.net>",
        subject="Mail failure",
    )
    verdict = verdict_of(raw)
    assert verdict.kind == "bounce"
    assert verdict.bounced == ("bob@example.org", "carl@example.org")
    assert "Return-Path <>" in verdict.reason


def test_null_return_path_with_failure_subject():
    raw = build(
        {"Return-Path": "<>"},
        sender="notices@mx.example.net",
        subject="Delivery Status Notification (Failure)",
    )
    assert verdict_of(raw).kind == "bounce"


def test_flufl_only_runs_on_evidence(monkeypatch):
    def fail(message):
        raise AssertionError("flufl.bounce ran on a message without bounce evidence")

    monkeypatch.setattr(machine_mail, "scan_message", fail)
    raw = build({"X-Failed-Recipients": "a@example.org"})  # evidence, but no mail-system sign
    assert bounce(parse_message(raw), raw) is None


def test_flufl_failure_keeps_the_bounce(monkeypatch):
    def explode(message):
        raise ValueError("detector bug")

    monkeypatch.setattr(machine_mail, "scan_message", explode)
    raw = dsn()
    verdict = verdict_of(raw)
    assert verdict.kind == "bounce" and verdict.bounced == ()


def test_flufl_bytes_and_str_are_normalised(monkeypatch):
    found = frozenset({b"Bob@Example.org", "<CARL@example.org>", b"not an address", ""})
    monkeypatch.setattr(machine_mail, "scan_message", lambda message: found)
    raw = dsn()
    assert verdict_of(raw).bounced == ("bob@example.org", "carl@example.org")


def test_flufl_sees_only_the_start_of_a_big_bounce(monkeypatch):
    seen = []

    def recording_scan(message):
        seen.append(len(message.as_bytes()))
        return scan_message(message)

    monkeypatch.setattr(machine_mail, "scan_message", recording_scan)
    returned = b"Content-Type: application/pdf\r\n\r\n" + b"QUJDREVG" * 10 * 60_000 + b"\r\n"
    raw = dsn("bob@example.org").replace(b"--b1--\r\n", b"--b1\r\n" + returned + b"--b1--\r\n")
    assert len(raw) > 4 * FLUFL_SCAN_BYTES
    verdict = verdict_of(raw)
    assert verdict.kind == "bounce" and verdict.bounced == ("bob@example.org",)
    assert seen and seen[0] <= FLUFL_SCAN_BYTES + 1024


def test_many_bounced_addresses_are_counted_in_the_reason(monkeypatch):
    found = {f"user{i}@example.org".encode() for i in range(150)}
    monkeypatch.setattr(machine_mail, "scan_message", lambda message: found)
    verdict = verdict_of(dsn())
    assert len(verdict.bounced) == machine_mail.MAX_BOUNCED
    assert "and 97 more" in verdict.reason


# --------------------------------------------------------------------------- auto-replies


@pytest.mark.parametrize(
    ("headers", "evidence"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied (RFC 3834"),
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"Auto-Submitted": "Auto-Replied (vacation)"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-notified"}, "Auto-Submitted: auto-notified"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),
        ({"X-Autorespond": "Vacation"}, "X-Autorespond"),
        ({"X-Autoresponder": "1"}, "X-Autoresponder"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress: All"),
        ({"X-Auto-Response-Suppress": "OOF"}, "X-Auto-Response-Suppress: OOF"),
        ({"X-Auto-Response-Suppress": "AutoReply"}, "X-Auto-Response-Suppress"),
        ({"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"}, "Microsoft"),
        ({"Return-Path": "<>"}, "Return-Path: <> (null reverse-path, RFC 5321"),
        ({"X-Failed-Recipients": "bob@example.org"}, "X-Failed-Recipients: bob@example.org"),
    ],
)
def test_auto_reply_headers(headers, evidence):
    raw = build(headers)
    verdict = auto_reply(parse_message(raw))
    assert verdict is not None and verdict.kind == "auto_reply"
    assert evidence in verdict.reason
    assert verdict_of(raw).kind == "auto_reply"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"Auto-Submitted": "No (a person wrote this)"},
        {"Auto-Submitted": ""},
        {"X-Autoreply": "no"},
        {"Precedence": "list"},  # list mail, not an auto-reply
        {"Precedence": "normal"},
        {"X-Auto-Response-Suppress": "DR, RN, NRN"},  # only receipts suppressed
        {"Return-Path": "<jane@example.com>"},
    ],
)
def test_not_auto_reply(headers):
    assert auto_reply(parsed(headers)) is None


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Quote for 40 chairs",
        "Automatic reply: Quote for 40 chairs",
        "Auto-Reply: Quote",
        "Abwesenheitsnotiz: Angebot",
        "Automatische Antwort: Angebot",
        "Réponse automatique : Devis",
        "RÉPONSE AUTOMATIQUE : Devis",
        "Respuesta automática: Presupuesto",
        "Risposta automatica: Preventivo",
        "Afwezig: Offerte",
    ],
)
def test_auto_reply_subject_needs_a_no_reply_sender(subject):
    human = parsed(subject=subject)
    assert auto_reply(human) is None  # a person can write that subject

    machine = parsed(subject=subject, sender="Jane Doe <no-reply@example.com>")
    verdict = auto_reply(machine)
    assert verdict is not None and verdict.kind == "auto_reply"
    assert "no-reply@example.com" in verdict.reason


def test_auto_reply_subject_confirmed_by_any_response_suppress_value():
    message = parsed({"X-Auto-Response-Suppress": "DR"}, subject="Automatic reply: Quote")
    assert "X-Auto-Response-Suppress" in auto_reply(message).reason


def test_auto_reply_subject_with_decomposed_accents():
    subject = "Re\u0301ponse automatique : Devis"  # e + combining acute accent
    message = parsed(subject=subject, sender="donotreply@example.com")
    assert auto_reply(message).kind == "auto_reply"


@pytest.mark.parametrize(
    ("raw", "evidence"),
    [
        (mdn(), "Read receipt"),
        (arf(), "Spam complaint"),
        (
            report("tlsrpt", "text/plain", "report\r\n", sender="reports@example.net"),
            "report-type=tlsrpt",
        ),
    ],
)
def test_reports_other_than_delivery_status_are_machine_mail(raw, evidence):
    verdict = verdict_of(raw)
    assert verdict.kind == "auto_reply" and verdict.bounced == ()
    assert evidence in verdict.reason


# --------------------------------------------------------------------------- list mail


@pytest.mark.parametrize(
    ("headers", "evidence"),
    [
        ({"List-Id": "Chairs <chairs.lists.example.org>"}, "List-Id: Chairs"),
        (
            {"List-Id": "<x.example.org>", "List-Unsubscribe": "<mailto:u@x.example.org>"},
            "RFC 2919",
        ),
        ({"Precedence": "list"}, "Precedence: list"),
        (
            {"List-Unsubscribe": "<https://x.example/u>", "Precedence": "list"},
            "Precedence: list",
        ),
        ({"List-Unsubscribe": "<https://x.example/u>", "Precedence": "bulk"}, "RFC 2369"),
    ],
)
def test_list_mail(headers, evidence):
    raw = build(headers)
    verdict = list_mail(parse_message(raw))
    assert verdict is not None and verdict.kind == "list_mail"
    assert evidence in verdict.reason
    assert verdict.reason.endswith(".")  # decide.py appends a sentence
    assert verdict_of(raw).kind == "list_mail"


def test_list_unsubscribe_alone_is_not_list_mail():
    # Sales tools add it to one-to-one mail; newsletters without List-Id stay leads.
    raw = build({"List-Unsubscribe": "<https://crm.example/u/1>"})
    assert list_mail(parse_message(raw)) is None
    assert verdict_of(raw) is None


def test_bulk_precedence_with_list_headers_is_left_to_list_mail():
    # A mailbox that imports list mail must get it, so auto_reply stays out.
    message = parsed({"List-Id": "<x.example.org>", "Precedence": "bulk"})
    assert auto_reply(message) is None
    assert list_mail(message).kind == "list_mail"


def test_auto_reply_wins_over_list_mail():
    raw = build({"List-Id": "<x.example.org>", "Auto-Submitted": "auto-replied"})
    assert verdict_of(raw).kind == "auto_reply"


def test_bounce_wins_over_auto_reply():
    raw = dsn()
    message = parse_message(raw)
    assert auto_reply(message).kind == "auto_reply"  # a report is machine mail too
    assert decided(message, raw).kind == "bounce"


# --------------------------------------------------------------------------- never raises


def test_empty_parsed_email():
    empty = ParsedEmail()
    assert decided(empty, b"") is None
    assert bounce(empty, b"") is None


def test_failing_rule_answers_none(monkeypatch):
    def explode(parsed):
        raise RuntimeError("bug")

    monkeypatch.setattr(machine_mail, "_report_type", explode)
    assert bounce(parsed(), b"") is None
    assert auto_reply(parsed()) is None


HEADER_NAMES = [
    "auto-submitted", "precedence", "return-path", "x-failed-recipients", "list-id",
    "list-unsubscribe", "x-auto-response-suppress", "x-autoreply", "content-type",
    OWN_HEADER.lower(),
]  # fmt: skip
CONTENT_TYPES = [
    "text/plain", "multipart/report", "message/delivery-status", "multipart/mixed",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(st.tuples(st.sampled_from(HEADER_NAMES), st.text(max_size=60)), max_size=6),
    subject=st.text(max_size=60),
    sender=st.one_of(st.none(), st.builds(Address, st.text(max_size=10), st.text(max_size=40))),
    content_type=st.sampled_from(CONTENT_TYPES),
    parts=st.lists(st.sampled_from(CONTENT_TYPES), max_size=3),
    raw=st.binary(max_size=300),
)
def test_never_raises_on_arbitrary_input(headers, subject, sender, content_type, parts, raw):
    message = ParsedEmail(
        headers=headers,
        subject=subject,
        sender=sender,
        content_type=content_type,
        text=subject,
        attachments=[ParsedAttachment("p", ctype, b"") for ctype in parts],
    )
    verdict = decided(message, raw)
    assert verdict is None or (isinstance(verdict, Verdict) and verdict.reason)


# --------------------------------------------------------------------------- the corpus

# Expected from reading each file's headers (path, kind, bounced).  `bounced`
# None: not asserted.
CORPUS_TABLE: list[tuple[str, str | None, tuple[str, ...] | None]] = [
    # DSNs: multipart/report; report-type=delivery-status, Final-Recipient + Action: failed.
    ("flanker/bounce/delayed.eml", "bounce", ("foo@example.com",)),
    ("flanker/bounce/mailbox-full.eml", "bounce", ("user@aol.com",)),
    ("flanker/bounce/office365.eml", "bounce", ("noname@example.com",)),
    (
        "flanker/bounce/zed.eml",
        "bounce",
        ("asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com",),
    ),
    ("mail-parser/mail_malformed_2", "bounce", ("abh@netpar.com.br",)),
    # A bare message/delivery-status body, no From: Action: failed for demo@example.com.
    ("flanker/bounce/delayed-broken.eml", "bounce", ("demo@example.com",)),
    # DSN with Action: delayed only ("THIS IS A WARNING ONLY"): nothing failed for good.
    ("flanker/bounce/no-mx.eml", "bounce", ()),
    # mailer-daemon@googlemail.com, Return-Path <>, X-Failed-Recipients, text/plain.
    (
        "flanker/bounce/gmail-invalid-address.eml",
        "bounce",
        ("awfawfawfawfawfaw@someserverhere.com",),
    ),
    ("flanker/bounce/gmail-no-dns.eml", "bounce", ("user@example.comm",)),
    # postmaster@, "Undeliverable Mail", text/plain; info@example.net only in free text.
    ("flanker/bounce/broken-mime.eml", "bounce", None),
    # multipart/report; report-type=disposition-notification (RFC 8098).
    ("flanker/disposition-notification.eml", "auto_reply", ()),
    # multipart/report; report-type=feedback-report (ARF); aol.eml also has Precedence: list.
    ("flanker/complaints/aol.eml", "auto_reply", ()),
    ("flanker/complaints/yahoo.eml", "auto_reply", ()),
    # GTUBE test spam with Precedence: junk.
    ("mail-parser/mail_test_16", "auto_reply", ()),
    # 1990s majordomo list posts: Precedence: bulk, Sender: owner-..., no List-* headers.
    ("flanker/apache-message-news-mime.eml", "auto_reply", ()),
    ("flanker/from-encoding.eml", "auto_reply", ()),
    ("flanker/message-external-body.eml", "auto_reply", ()),
    # List-Id (Mail.ru mailing; MailChimp campaign).
    ("mail-parser/mail_test_6", "list_mail", ()),
    ("mail-parser/mail_test_13", "list_mail", ()),
    # Newsletter: List-Unsubscribe + Precedence: bulk, no List-Id.
    ("mail-parser/mail_test_5", "list_mail", ()),
    # People (some of them spammers): none of the headers above.
    ("flanker/8bitmime.eml", None, None),
    ("flanker/bilingual-simple.eml", None, None),
    ("flanker/bz2-attachment.eml", None, None),
    ("flanker/enclosed.eml", None, None),
    ("flanker/iphone.eml", None, None),
    ("flanker/long-links.eml", None, None),  # From: Bob <postmaster@...>, no failure wording
    ("flanker/multi-received-headers.eml", None, None),
    ("flanker/outlook-express.eml", None, None),
    ("flanker/signed.eml", None, None),
    ("flanker/spam/broken-headers.eml", None, None),  # spam, but nothing marks it as machine mail
    ("mail-mime-parser/m0001.txt", None, None),
    ("mail-mime-parser/m1005.txt", None, None),
    ("mail-mime-parser/m2010.txt", None, None),
    ("mail-mime-parser/m3001.txt", None, None),
    ("mail-mime-parser/m4009.txt", None, None),
    # ezmlm list post with only "Mailing-List:" (no List-Id): not recognised, see machine_mail.
    ("mail-mime-parser/m0024.txt", None, None),
    # Outlook read receipt hidden in TNEF ("Read: invitation"): no header evidence.
    ("mail-mime-parser/m4006.txt", None, None),
    ("mail-parser/mail_test_3", None, None),
    ("mail-parser/mail_test_7", None, None),
    ("mail-parser/mail_test_12", None, None),
    ("mail-parser/mail_test_15", None, None),  # do-not-reply@ sender, ordinary subject
    ("mail-parser/mail_test_17", None, None),
]


def corpus_or_skip():
    corpus_or_unavailable()


def corpus_files():
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and not p.name.startswith("README"))


@pytest.mark.parametrize(
    ("path", "kind", "bounced"), CORPUS_TABLE, ids=[r[0] for r in CORPUS_TABLE]
)
def test_corpus_message(path, kind, bounced):
    corpus_or_skip()
    file = CORPUS / path
    if not file.is_file():
        pytest.fail(f"corpus file {path} is missing from {CORPUS}")
    raw = file.read_bytes()
    verdict = decided(parse_message(raw), raw)
    assert (verdict.kind if verdict else None) == kind, verdict
    if verdict is not None:
        assert verdict.reason and "\n" not in verdict.reason
    if bounced is not None:
        assert verdict.bounced == bounced


def test_corpus_table_covers_every_kind():
    kinds = [kind for _, kind, _ in CORPUS_TABLE]
    assert len(CORPUS_TABLE) >= 20
    for kind in ("bounce", "auto_reply", "list_mail", None):
        assert kinds.count(kind) >= 3, kind


def test_whole_corpus_never_raises(caplog):
    corpus_or_skip()
    caplog.set_level(logging.ERROR, logger="clearcrm.inbound.machine_mail")
    files = corpus_files()
    assert files, f"no messages in {CORPUS}"
    for file in files:
        raw = file.read_bytes()
        message = parse_message(raw)
        for verdict in (
            decided(message, raw),
            own_mail(message),
            bounce(message, raw),
            auto_reply(message),
            list_mail(message),
        ):
            assert verdict is None or isinstance(verdict, Verdict), file
            if verdict is not None:
                assert verdict.reason and "\n" not in verdict.reason, file
                assert all(a == a.lower() and "@" in a for a in verdict.bounced), file
    # The rules' safety net (_never_raises) logs an error whenever it catches.
    assert not [r for r in caplog.records if r.name == "clearcrm.inbound.machine_mail"]
