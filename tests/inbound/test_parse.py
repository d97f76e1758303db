"""Tests for the parser stage (clearcrm.inbound.parse).

Pure tests: no database, no network.  Django is not needed by the code under
test (checked by tests/test_layers.py).
"""

from __future__ import annotations

import base64
import gc
import quopri
import random
import re
import tracemalloc
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearcrm.inbound.parse import (
    MAX_ADDRESSES,
    MAX_DEFECTS,
    MAX_DEPTH,
    MAX_HEADER_VALUE_CHARS,
    MAX_HEADERS,
    MAX_HTML_CHARS,
    MAX_PARTS,
    MAX_REFERENCES,
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
    Address,
    ParsedEmail,
    normalize_message_id,
    parse_message,
    parse_message_ids,
    structure,
    walk,
)
from tests.conftest import corpus_or_unavailable
from tests.support.messages import message

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ENCODED_WORD = re.compile(r"=\?[\w-]+\?[bq]\?", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


def make(headers: str, body: str | bytes = "", *, sep: str = "\r\n") -> bytes:
    """Raw message from header lines (joined with CRLF) and a body."""
    head = sep.join(line for line in headers.strip("\n").split("\n")) + sep + sep
    data = body if isinstance(body, bytes) else body.replace("\n", sep).encode("utf-8")
    return head.encode("utf-8", "surrogateescape") + data


def with_attachment(disposition: str, content_type: str = "application/pdf") -> bytes:
    return make(
        'From: a@example.com\nSubject: file\nContent-Type: multipart/mixed; boundary="b"',
        "--b\n"
        "Content-Type: text/plain\n\n"
        "see attachment\n"
        "--b\n"
        f"Content-Type: {content_type}\n"
        f"Content-Disposition: {disposition}\n"
        "Content-Transfer-Encoding: base64\n\n"
        "JVBERi0xLjQK\n"
        "--b--\n",
    )


def nested_multiparts(depth: int) -> bytes:
    out = ["From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"]
    for i in range(depth):
        out.append(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n')
    out.append("Content-Type: text/plain\r\n\r\ninnermost\r\n")
    for i in reversed(range(depth)):
        out.append(f"--b{i}--\r\n")
    return "".join(out).encode()


def many_parts(count: int) -> bytes:
    parts = "".join(
        f'--b\r\nContent-Type: application/octet-stream; name="f{i}.bin"\r\n\r\npart {i}\r\n'
        for i in range(count)
    )
    head = 'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    return (head + parts + "--b--\r\n").encode()


_TAG = re.compile(r"<[^>]*>")
_FIELD_ID = re.compile(r"(custom_)?field_[A-Za-z0-9_\-]{1,64}")


def assert_well_formed(result: ParsedEmail) -> None:
    """The invariants every result must satisfy, whatever the input."""
    assert isinstance(result, ParsedEmail)
    strings = [result.message_id, result.subject, result.text, result.html, result.content_type]
    strings += [s for pair in result.headers for s in pair]
    strings += result.in_reply_to + result.references + result.defects
    addresses = [result.sender] if result.sender else []
    addresses += result.reply_to + result.to + result.cc
    for address in addresses:
        assert isinstance(address, Address)
        strings += [address.name, address.email]
        assert "\n" not in address.name and len(address.name) <= 256
        assert len(address.email) <= 320 and " " not in address.email
    for attachment in result.attachments:
        strings += [attachment.filename, attachment.content_type, attachment.content_id]
        assert isinstance(attachment.data, bytes)
        assert 0 < len(attachment.filename) <= 200
        assert not set(attachment.filename) & set('/\\\x00\r\n\t<>:"|?*')
        assert not attachment.filename.startswith(".")
        assert re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", attachment.content_type)
    for text in strings:
        assert isinstance(text, str)
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates
    assert len(result.subject) <= MAX_SUBJECT_CHARS
    assert "\n" not in result.subject and "\r" not in result.subject
    assert len(result.text) <= MAX_TEXT_CHARS
    assert len(result.html) <= 2 * MAX_HTML_CHARS
    assert len(result.headers) <= MAX_HEADERS
    assert all(len(v) <= MAX_HEADER_VALUE_CHARS and "\n" not in v for _, v in result.headers)
    assert all(name == name.lower() for name, _ in result.headers)
    assert max(len(result.to), len(result.cc), len(result.reply_to)) <= MAX_ADDRESSES
    assert len(result.references) <= MAX_REFERENCES
    assert len(result.in_reply_to) <= MAX_REFERENCES
    assert len(result.attachments) <= MAX_PARTS
    assert len(result.defects) <= MAX_DEFECTS + 1
    assert len(result.message_id) <= 500
    assert result.date is None or result.date.tzinfo is not None
    for tag in _TAG.findall(result.html):
        lowered = tag.lower()
        assert "javascript:" not in lowered
        assert not re.search(r"\son\w+\s*=", lowered)
        assert not lowered.startswith(("<script", "<style", "<iframe", "<form", "<object"))
        for element_id in re.findall(r'\sid="([^"]*)"', tag):
            assert _FIELD_ID.fullmatch(element_id), tag


# --------------------------------------------------------------------------- module hygiene


def test_bounds_are_module_constants():
    assert MAX_PARTS == 200
    assert MAX_DEPTH == 20
    assert MAX_HEADERS == 300
    assert MAX_SUBJECT_CHARS == 998
    assert MAX_TEXT_CHARS >= 1_000_000


# --------------------------------------------------------------------------- subjects (RFC 2047)


@pytest.mark.parametrize(
    ("raw_subject", "expected"),
    [
        ("plain subject", "plain subject"),
        ("=?utf-8?B?SGVsbG8gV8O2cmxk?=", "Hello Wörld"),
        ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "Grüße aus Köln"),
        ("=?iso-8859-1?q?caf=E9?=", "café"),
        ("=?ISO-8859-1?Q?Je=20pr=E9pare=20mon=20=E9t=E9?=", "Je prépare mon été"),
        ("=?windows-1252?Q?=93quoted=94?=", "\u201cquoted\u201d"),
        ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
        ("Re: =?utf-8?q?caf=C3=A9?= au lait", "Re: café au lait"),
        # adjacent words: the white space between them disappears
        ("=?utf-8?q?Hello?= =?utf-8?q?_World?=", "Hello World"),
        ("=?utf-8?q?Hello?=\n =?utf-8?q?World?=", "HelloWorld"),  # folded
        # a character split across two words
        ("=?utf-8?q?K=C3?= =?utf-8?q?=B6ln?=", "Köln"),
        ("=?utf-8?b?w6Q=?==?utf-8?b?w7Y=?=", "äö"),
        # RFC violations seen in the wild
        ("=?utf-8?q?a?==?utf-8?q?b?=", "ab"),
        ("Hello=?utf-8?q?_W=C3=B6rld?=", "Hello Wörld"),
        ('"=?utf-8?q?quoted?="', '"quoted"'),
        ("=?utf-8?q?with spaces inside?=", "with spaces inside"),
        ("=?utf-8?b?SGVsbG8?=", "Hello"),  # missing base64 padding
        ("=?utf-8*de?q?Gr=C3=BC=C3=9Fe?=", "Grüße"),  # RFC 2231 language suffix
        ("=?iso-8859-1?q?Fr=C3=B6sche?=", "Frösche"),  # UTF-8 bytes, wrong label
        ("=?x-unknown?q?caf=C3=A9?=", "café"),  # unknown charset
        ("=?utf-7?Q?Fr+APY-sche?=", "Frösche"),
        ("=?utf-8?q?caf=C3=A9", "café"),  # unterminated at the end
        ("line\n\tfolded", "line folded"),
        ("a\x00b\x07c", "ab c"),
    ],
)
def test_subject_decoding(raw_subject, expected):
    result = parse_message(make(f"From: a@example.com\nSubject: {raw_subject}", "x"))
    assert result.subject == expected
    assert not ENCODED_WORD.search(result.subject)
    assert_well_formed(result)


def test_subject_is_bounded_and_single_line():
    subject = "=?utf-8?q?" + "=C3=A9" * 3000 + "?="
    result = parse_message(make(f"Subject: {subject}", "x"))
    assert len(result.subject) == MAX_SUBJECT_CHARS
    assert set(result.subject) == {"é"}


# --------------------------------------------------------------------------- 8-bit headers


@pytest.mark.parametrize(
    ("raw_headers", "charset", "subject", "sender_name"),
    [
        # RFC 6532: raw UTF-8
        ("Subject: Grüße\nFrom: Jürgen <j@example.com>", "utf-8", "Grüße", "Jürgen"),
        # legacy 8-bit bytes, decoded with the body's declared charset
        (
            "Subject: Gr\xfc\xdfe\nFrom: J\xfcrgen <j@example.com>",
            "iso-8859-1",
            "Grüße",
            "Jürgen",
        ),
        (
            "Subject: \xcf\xf0\xe8\xe2\xe5\xf2\nFrom: \xc8\xe2\xe0\xed <i@example.com>",
            "windows-1251",
            "Привет",
            "Иван",
        ),
        # no hint: windows-1252 fallback, and the ASCII address survives
        ("Subject: caf\xe9\nFrom: Ren\xe9 <r@example.com>", None, "café", "René"),
    ],
)
def test_8bit_headers(raw_headers, charset, subject, sender_name):
    # The strings hold the raw header bytes (as latin-1 code points, except UTF-8).
    ctype = f"Content-Type: text/plain; charset={charset}\n" if charset else ""
    head = (raw_headers + "\n" + ctype).encode("utf-8" if charset == "utf-8" else "latin-1")
    result = parse_message(head.replace(b"\n", b"\r\n") + b"\r\nbody\r\n")
    assert result.subject == subject
    assert result.sender.name == sender_name
    assert result.sender.email.endswith("@example.com")
    assert_well_formed(result)


def test_8bit_utf8_header_cut_in_the_middle_of_a_character():
    raw = "From: Юникод <u@example.com>\r\nSubject: x\r\n\r\nbody".encode()
    raw = raw.replace("Юникод".encode(), "Юникод".encode()[:-1])
    result = parse_message(raw)
    assert result.sender.email == "u@example.com"
    assert result.sender.name.startswith("Юнико")


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bob <bob@example.com>", [("Bob", "bob@example.com")]),
        ('"Doe, John" <john@example.com>', [("Doe, John", "john@example.com")]),
        ("a@example.com, b@example.com", [("", "a@example.com"), ("", "b@example.com")]),
        ("=?UTF-8?B?Rm9vLCBCYXI=?= <foo@example.com>", [("Foo, Bar", "foo@example.com")]),
        ('"=?utf-8?q?J=C3=BCrgen?=" <j@example.com>', [("Jürgen", "j@example.com")]),
        ("=?utf-8?q?Last=2C_First?= <l@example.com>", [("Last, First", "l@example.com")]),
        ("bob@example.com (Bob Builder)", [("Bob Builder", "bob@example.com")]),
        ("alice@example.com <bob@example.com>", [("alice@example.com", "bob@example.com")]),
        ("'Single Quoted' <s@example.com>", [("Single Quoted", "s@example.com")]),
        (
            "Team: a@example.com, X <x@example.com>;",
            [("", "a@example.com"), ("X", "x@example.com")],
        ),
        ("undisclosed-recipients:;", []),
        ("<>", []),
        ("Foo <mailto:foo@example.com>", [("Foo", "foo@example.com")]),
        ("Bob <bob@example.com", [("Bob", "bob@example.com")]),  # unterminated
        ("No Address", [("No Address", "")]),
        ("Weird <not an address>", [("Weird", "")]),
        ("=?utf-8?b?bm9ib2R5QGV4YW1wbGUuY29t?=", [("nobody@example.com", "nobody@example.com")]),
        ("Bob <bob@example.com> (unclosed comment, x@y", [("Bob", "bob@example.com")]),
    ],
)
def test_address_lists(value, expected):
    result = parse_message(make(f"From: s@example.com\nTo: {value}\nSubject: x", "x"))
    assert [(a.name, a.email) for a in result.to] == expected
    assert_well_formed(result)


def test_address_lists_are_capped():
    many = ", ".join(f"User {i} <u{i}@example.com>" for i in range(MAX_ADDRESSES + 50))
    result = parse_message(make(f"To: {many}\nCc: {'(' * 10_000}", "x"))
    assert len(result.to) == MAX_ADDRESSES
    assert result.to[0] == Address("User 0", "u0@example.com")
    assert_well_formed(result)


def test_several_to_headers_are_combined_and_normalized_is_lowercase():
    result = parse_message(make("To: A <A@Example.COM>\nTo: b@example.com", "x"))
    assert [a.email for a in result.to] == ["A@Example.COM", "b@example.com"]
    assert result.to[0].normalized == "a@example.com"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # a web form: the visitor is in Reply-To
        ("From: Form <noreply@site.example>\nReply-To: Visitor <v@example.com>", "v@example.com"),
        # several Reply-To addresses (a list, not a person): From wins
        (
            "From: Bob <bob@example.com>\nReply-To: list@example.com, other@example.com",
            "bob@example.com",
        ),
        ("From: Bob <bob@example.com>", "bob@example.com"),
        ("From: Bob <bob@example.com>\nReply-To: undisclosed-recipients:;", "bob@example.com"),
        ("Reply-To: v@example.com", "v@example.com"),
        ("Subject: nobody", None),
    ],
)
def test_reply_address_prefers_a_single_reply_to(headers, expected):
    result = parse_message(make(headers, "x"))
    assert (result.reply_address.email if result.reply_address else None) == expected


# --------------------------------------------------------------------------- message ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<ABC.def@Example.COM>", "ABC.def@example.com"),
        ("  <a.b@c.example>  ", "a.b@c.example"),
        ("bare@Example.com", "bare@example.com"),
        ("<Local@Part@Host.EXAMPLE>", "Local@Part@host.example"),
        ("<no-at-sign>", "no-at-sign"),
        ("<folded\r\n @example.com>", "folded@example.com"),
        ("", ""),
        ("<>", ""),
        ("   ", ""),
        ("<a\x00b@example.com>", ""),
        ("<a<b@example.com>", ""),
        ('<"quoted"@example.com>', ""),
    ],
)
def test_normalize_message_id(value, expected):
    assert normalize_message_id(value) == expected


def test_normalize_message_id_is_bounded():
    assert len(normalize_message_id("<" + "a" * 2000 + "@example.com>")) == 500


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@B.example> <c@D.example>", ["a@b.example", "c@d.example"]),
        ("<a@B.example>\r\n\t<c@D.example>", ["a@b.example", "c@d.example"]),
        ("<a@x.example><a@X.example>", ["a@x.example"]),  # de-duplicated
        ("id1@x.example id2@x.example", ["id1@x.example", "id2@x.example"]),
        ('Your message of "Mon, 1 Jan" <m@X.example>', ["m@x.example"]),
        ("no ids here", []),
        ("", []),
    ],
)
def test_parse_message_ids(value, expected):
    assert parse_message_ids(value) == expected


def test_message_id_fields():
    result = parse_message(
        make(
            "Message-ID: <CAF=abc@Mail.Example.COM> (added by relay)\n"
            "In-Reply-To: <Prev@Example.COM>\n"
            "References: <Root@example.com> <Prev@Example.COM>",
            "x",
        )
    )
    assert result.message_id == "CAF=abc@mail.example.com"
    assert result.in_reply_to == ["Prev@example.com"]
    assert result.references == ["Root@example.com", "Prev@example.com"]


def test_missing_message_id():
    result = parse_message(make("From: a@example.com\nSubject: no id", "x"))
    assert result.message_id == ""
    assert any("Message-ID" in d for d in result.defects)


def test_references_are_bounded():
    ids = " ".join(f"<id{i}@example.com>" for i in range(1000))
    result = parse_message(make(f"References: {ids}", "x"))
    assert len(result.references) == MAX_REFERENCES
    assert result.references[0] == "id0@example.com"  # the thread root is kept
    assert result.references[-1] == "id999@example.com"  # and the most recent ones


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 3 Jun 2025 11:59:58 +0200", datetime(2025, 6, 3, 9, 59, 58, tzinfo=UTC)),
        ("Tue, 3 Jun 2025 10:00:00 -0000", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("3 Jun 2025 10:00:00", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("Tue, 03 Jun 25 10:00:00 GMT", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("Sat, 12 Jul 1997 13:10:53 -0700 (PDT)", datetime(1997, 7, 12, 20, 10, 53, tzinfo=UTC)),
        ("not a date", None),
        ("Tue, 3 Jun 99999 10:00:00 +0000", None),
        ("Tue, 3 Jun 2025 10:00:00 +9900", None),
    ],
)
def test_dates(value, expected):
    result = parse_message(make(f"Date: {value}", "x"))
    assert result.date == expected
    if expected is not None:
        assert result.date.tzinfo is not None
        assert result.date.utcoffset() is not None
    else:
        assert any("Date" in d for d in result.defects)


def test_date_keeps_its_offset():
    result = parse_message(make("Date: Tue, 3 Jun 2025 11:59:58 +0200", "x"))
    assert result.date.utcoffset() == timedelta(hours=2)


# --------------------------------------------------------------------------- bodies and charsets


def test_plain_and_html_alternative():
    raw = make(
        'From: a@example.com\nContent-Type: multipart/alternative; boundary="alt"',
        "--alt\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "Gr=C3=BC=C3=9Fe, plain\n"
        "--alt\n"
        "Content-Type: text/html; charset=utf-8\n\n"
        "<p>Gr&uuml;&szlig;e, <b>html</b></p>\n"
        "--alt--\n",
    )
    result = parse_message(raw)
    assert result.text.strip() == "Grüße, plain"
    assert "<b>html</b>" in result.html
    assert result.attachments == []
    assert result.content_type == "multipart/alternative"
    assert "\r" not in result.text


def test_html_only_message_is_converted_with_inscriptis():
    raw = make(
        "Content-Type: text/html; charset=utf-8",
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<p>Hello <b>World</b></p><ul><li>first</li><li>second</li></ul>"
        "<script>alert('x')</script></body></html>",
    )
    result = parse_message(raw)
    assert "Hello World" in result.text
    assert "first" in result.text and "second" in result.text
    assert "alert" not in result.text and "color" not in result.text
    assert "<b>World</b>" in result.html


def test_empty_plain_alternative_falls_back_to_html():
    raw = make(
        'Content-Type: multipart/alternative; boundary="a"',
        "--a\nContent-Type: text/plain\n\n\n"
        "--a\nContent-Type: text/html\n\n<p>Only here</p>\n--a--\n",
    )
    assert "Only here" in parse_message(raw).text


@pytest.mark.parametrize(
    ("html", "absent", "present"),
    [
        ("<p>a<script>alert(1)</script>b</p>", ["script", "alert"], ["<p>ab</p>"]),
        ('<img src="x" onerror="alert(1)">', ["onerror", "alert", 'src="x"'], []),
        ('<a href="javascript:alert(1)">j</a>', ["javascript"], ["j</a>"]),
        ('<a href=" JaVaScRiPt:alert(1)">j</a>', ["javascript", "JaVaScRiPt"], []),
        (
            '<a href="https://example.com/x" target="_blank" onclick="x()">ok</a>',
            ["onclick", "target"],
            ['href="https://example.com/x"', 'rel="noopener noreferrer"'],
        ),
        ('<img src="https://tracker.example/p.gif">', ["tracker"], []),
        ('<img src="data:image/png;base64,AAAA">', ["data:"], []),
        ('<img src="cid:logo@x" alt="logo">', [], ['src="cid:logo@x"', 'alt="logo"']),
        ('<p style="color:red" class="c" id="i">s</p>', ["style", "class", "id="], ["<p>s</p>"]),
        ("<iframe src='https://x.example'>f</iframe><form><input></form>", ["iframe", "form"], []),
        ("<style>p{}</style><p>t</p>", ["style", "p{}"], ["<p>t</p>"]),
        ('<a href="/relative">r</a>', ["/relative"], []),
        ('<a href="mailto:x@example.com">m</a>', [], ['href="mailto:x@example.com"']),
        ("<svg><script>alert(1)</script></svg>", ["svg", "alert"], []),
        ("<!-- secret --><p>c</p>", ["secret"], ["<p>c</p>"]),
    ],
)
def test_html_is_sanitised(html, absent, present):
    result = parse_message(make("Content-Type: text/html; charset=utf-8", html))
    for needle in absent:
        assert needle not in result.html
    for needle in present:
        assert needle in result.html
    assert_well_formed(result)


def test_field_ids_of_web_forms_are_kept():
    html = (
        "<table><tr><th>E-mail</th>"
        '<td id="field_email" onclick="x()">lead@example.com</td></tr></table>'
        '<p>Name: <span id="field_first_name">Ada</span> <b id="field_last-name">L</b></p>'
        '<div id="custom_field_42">Ref 42</div>'
        '<a id="field_website" href="https://example.com/">site</a>'
        f'<i id="field_{"x" * 64}">longest</i>'
    )
    result = parse_message(make("Content-Type: text/html; charset=utf-8", html))
    for kept in (
        '<td id="field_email">lead@example.com</td>',
        '<span id="field_first_name">Ada</span>',
        '<b id="field_last-name">L</b>',
        '<div id="custom_field_42">Ref 42</div>',
        'id="field_website" href="https://example.com/"',
        f'<i id="field_{"x" * 64}">',
    ):
        assert kept in result.html
    assert "onclick" not in result.html
    assert_well_formed(result)


@pytest.mark.parametrize(
    "element_id",
    [
        "main",
        "field_",  # nothing after the prefix
        "custom_field_",
        "Field_email",  # the convention is lower-case
        "xfield_email",
        "my_custom_field_1",
        "field_email x",
        "field_email\n",  # $ would accept a trailing newline
        "field_<b>",
        "field_a.b",
        "field_a:b",
        "field_é",
        f"field_{'x' * 65}",
        "__proto__",
        "",
    ],
)
def test_other_ids_are_dropped(element_id):
    escaped = element_id.replace("&", "&amp;").replace("<", "&lt;")
    html = f'<p><span id="{escaped}">v</span></p><table><tr><td id="{escaped}">w</td></tr></table>'
    result = parse_message(make("Content-Type: text/html; charset=utf-8", html))
    assert "<span>v</span>" in result.html
    assert "<td>w</td>" in result.html
    assert " id=" not in result.html
    assert_well_formed(result)


def test_id_is_dropped_on_tags_that_are_not_allowed():
    html = '<form id="field_email"><input id="field_name" value="x"></form><p>t</p>'
    result = parse_message(make("Content-Type: text/html", html))
    assert "field_" not in result.html
    assert "<p>t</p>" in result.html


def test_definition_lists_are_kept():
    html = (
        '<dl class="c" style="color:red"><dt>Name</dt><dd onmouseover="x()">Ada Lovelace</dd>'
        '<dt>Telefon</dt><dd id="field_phone">+43 664 1234567</dd>'
        "<div><dt>Firma</dt><dd>Gruber Bau GmbH</dd></div></dl>"
    )
    result = parse_message(make("Content-Type: text/html; charset=utf-8", html))
    assert "<dl><dt>Name</dt><dd>Ada Lovelace</dd>" in result.html
    assert '<dt>Telefon</dt><dd id="field_phone">+43 664 1234567</dd>' in result.html
    assert "<dt>Firma</dt><dd>Gruber Bau GmbH</dd>" in result.html
    assert "</dl>" in result.html
    for absent in ("class", "style", "onmouseover"):
        assert absent not in result.html
    assert "Ada Lovelace" in result.text and "Gruber Bau GmbH" in result.text
    assert_well_formed(result)


def test_deeply_nested_html_is_dropped_not_slow():
    result = parse_message(make("Content-Type: text/html", "<ul><li>" * 50_000 + "x"))
    assert result.html == ""
    assert any("nested" in d for d in result.defects)
    assert_well_formed(result)


@pytest.mark.parametrize(
    ("charset", "body", "expected", "defect"),
    [
        ("utf-8", "Grüße".encode(), "Grüße", None),
        ('"UTF-8"', "Grüße".encode(), "Grüße", None),
        ("iso-8859-1", "Grüße".encode("latin-1"), "Grüße", None),
        ("iso-8859-1", b"\x93quoted\x94 \x80", "\u201cquoted\u201d \u20ac", None),  # as cp1252
        ("gb2312", "代开各地增值税发票".encode("gb18030"), "代开各地增值税发票", None),
        ("x-unknown", "Grüße aus Köln".encode(), "Grüße aus Köln", "unknown charset 'x-unknown'"),
        ("x-unknown", b"plain ascii", "plain ascii", "unknown charset"),
        ("us-ascii", "Grüße".encode(), "Grüße", "content is utf-8"),  # 8-bit under ascii
        (None, "Grüße".encode(), "Grüße", "content is utf-8"),
        ("iso-8859-1", "Grüße".encode(), "Grüße", "content is utf-8"),  # mislabelled UTF-8
        (
            "utf-8",
            (
                "Schöne Grüße aus Köln, wir möchten Ihnen für die schnelle Lieferung danken. " * 3
            ).encode("latin-1"),
            "Schöne Grüße aus Köln",
            "invalid bytes for charset 'utf-8'",
        ),
        ("utf-8", "Grüße".encode() + b"\xe2\x82", "Grüße", "invalid byte"),  # cut at the end
        ("utf-7", b"Fr+APY-sche", "Frösche", None),
        ("utf-16", "Grüße".encode("utf-16"), "Grüße", None),
        ("utf-8", b"\xef\xbb\xbfGr\xc3\xbc\xc3\x9fe", "Grüße", None),  # BOM
        ("unicode-escape", b"caf\\xe9", "caf\\xe9", "unknown charset"),  # not a mail charset
    ],
)
def test_body_charsets(charset, body, expected, defect):
    param = f"; charset={charset}" if charset else ""
    raw = make(f"From: a@example.com\nContent-Type: text/plain{param}", b"") + body
    result = parse_message(raw)
    assert expected in result.text
    if defect is None:
        assert not any("charset" in d for d in result.defects), result.defects
    else:
        assert any(defect in d for d in result.defects), result.defects
    assert_well_formed(result)


def test_undecodable_text_part_is_kept_as_attachment():
    garbage = bytes(range(256)) * 40
    raw = make(
        'Content-Type: multipart/mixed; boundary="b"',
        b"--b\r\nContent-Type: text/plain\r\n\r\nreadable\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + garbage + b"\r\n--b--\r\n",
    )
    result = parse_message(raw)
    assert result.text.strip() == "readable"
    assert len(result.attachments) == 1
    attachment = result.attachments[0]
    assert attachment.content_type == "text/plain"
    assert attachment.data.startswith(bytes(range(256)))
    assert any("kept as attachment" in d for d in result.defects)
    assert_well_formed(result)


def test_html_meta_charset_is_used_when_the_part_has_none():
    html = '<html><head><meta charset="windows-1251"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body>'
    result = parse_message(make("Content-Type: text/html", html.encode("latin-1")))
    assert "Привет" in result.text


def test_multipart_report_keeps_text_and_delivery_status():
    raw = make(
        "From: MAILER-DAEMON@example.com\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        "--r\n"
        "Content-Type: text/plain\n\n"
        "Your message could not be delivered.\n"
        "--r\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; gone@example.com\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "--r\n"
        "Content-Type: text/rfc822-headers\n\n"
        "Subject: original\n"
        "--r--\n",
    )
    result = parse_message(raw)
    assert result.text.strip() == "Your message could not be delivered."
    types = [a.content_type for a in result.attachments]
    assert types == ["message/delivery-status", "text/rfc822-headers"]
    status = result.attachments[0]
    assert b"Final-Recipient: rfc822; gone@example.com" in status.data
    assert status.filename.endswith(".txt")


# --------------------------------------------------------------------------- attachments


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="report.pdf"', "report.pdf"),
        ("attachment; filename=report.pdf", "report.pdf"),
        ("attachment; filename*=UTF-8''%E2%82%AC.pdf", "€.pdf"),
        ("attachment; filename*=utf-8'en'%E2%82%AC%20rate.pdf", "€ rate.pdf"),
        ("attachment; filename*=iso-8859-1''M%FCller.pdf", "Müller.pdf"),
        # continuations, encoded and not, and a character split between sections
        ("attachment; filename*0*=UTF-8''%E2%82; filename*1*=%AC.pdf", "€.pdf"),
        ('attachment; filename*0="long "; filename*1="name.pdf"', "long name.pdf"),
        (
            "attachment;\n filename*0*=utf-8''%6D%61%69; filename*1*=%6C;\n filename*2=.pdf",
            "mail.pdf",
        ),
        ("attachment; filename*1=b.pdf; filename*0=a", "ab.pdf"),  # out of order
        ("attachment; filename=\"old.pdf\"; filename*=UTF-8''n%C3%A9w.pdf", "néw.pdf"),
        # RFC 2047 inside the quoted string (Outlook, Thunderbird)
        ('attachment; filename="=?UTF-8?Q?=E2=82=AC_rate.pdf?="', "€ rate.pdf"),
        ('attachment; filename="=?utf-8?B?0J/RgNC40LLQtdGC?=.pdf"', "Привет.pdf"),
        # raw UTF-8 bytes
        ('attachment; filename="Картинка.pdf"', "Картинка.pdf"),
        # path components and other hostile names
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\evil.exe"', "evil.exe"),
        ('attachment; filename="C:\\evil.exe"', "evil.exe"),
        ('attachment; filename="/abs/path/x.pdf"', "x.pdf"),
        ('attachment; filename="..\\\\..\\\\boot.ini"', "boot.ini"),
        ('attachment; filename="a\x07b\x1bc.pdf"', "a b c.pdf"),
        ('attachment; filename="invoice\u202efdp.exe"', "invoicefdp.exe"),
        ('attachment; filename="CON.pdf"', "_CON.pdf"),
        ('attachment; filename="what?<>|*.pdf"', "what_____.pdf"),
        ('attachment; filename=".hidden.pdf"', "hidden.pdf"),
        ('attachment; filename=".."', "attachment-1.pdf"),
        ('attachment; filename="   "', "attachment-1.pdf"),
        ("attachment", "attachment-1.pdf"),
    ],
)
def test_attachment_filenames(disposition, expected):
    result = parse_message(with_attachment(disposition))
    assert [a.filename for a in result.attachments] == [expected]
    assert result.attachments[0].data == b"%PDF-1.4\n"
    assert result.attachments[0].content_type == "application/pdf"
    assert result.text.strip() == "see attachment"
    assert_well_formed(result)


def test_long_filename_is_bounded_and_keeps_its_extension():
    result = parse_message(with_attachment(f'attachment; filename="{"x" * 500}.pdf"'))
    name = result.attachments[0].filename
    assert len(name) == 200
    assert name.endswith(".pdf")


def test_filename_from_content_type_name():
    result = parse_message(with_attachment("inline", 'image/png; name="logo.png"'))
    attachment = result.attachments[0]
    assert (attachment.filename, attachment.content_type, attachment.inline) == (
        "logo.png",
        "image/png",
        True,
    )


def test_invalid_content_type_is_guessed_from_the_filename():
    result = parse_message(with_attachment('attachment; filename="photo.jpg"', '; name="x"'))
    assert result.attachments[0].content_type == "image/jpeg"


def test_inline_image_with_content_id():
    raw = make(
        'Content-Type: multipart/related; boundary="rel"',
        "--rel\n"
        "Content-Type: text/html\n\n"
        '<p><img src="cid:logo@example"></p>\n'
        "--rel\n"
        "Content-Type: image/png\n"
        "Content-ID: <logo@example>\n"
        "Content-Transfer-Encoding: base64\n\n"
        "iVBORw0KGgo=\n"
        "--rel--\n",
    )
    result = parse_message(raw)
    attachment = result.attachments[0]
    assert attachment.content_id == "logo@example"
    assert attachment.inline is True
    assert attachment.filename == "attachment-1.png"
    assert 'src="cid:logo@example"' in result.html


def test_nested_message_is_attached_not_walked():
    inner = (
        "From: Inner <inner@example.com>\n"
        "Subject: =?utf-8?q?Inner_subj=C3=A9ct?=\n"
        "Content-Type: text/plain\n\n"
        "inner body text\n"
    )
    raw = make(
        'From: outer@example.com\nSubject: Fwd\nContent-Type: multipart/mixed; boundary="o"',
        "--o\nContent-Type: text/plain\n\nouter body\n"
        "--o\nContent-Type: message/rfc822\n\n" + inner + "--o--\n",
    )
    result = parse_message(raw)
    assert result.text.strip() == "outer body"
    assert "inner body" not in result.text
    assert len(result.attachments) == 1
    attached = result.attachments[0]
    assert attached.content_type == "message/rfc822"
    assert attached.filename == "attachment-1.eml"
    again = parse_message(attached.data)
    assert again.subject == "Inner subjéct"
    assert again.text.strip() == "inner body text"


def test_deep_multipart_nesting_is_bounded():
    result = parse_message(nested_multiparts(MAX_DEPTH + 10))
    assert result.text == ""
    assert any(f"deeper than {MAX_DEPTH}" in d for d in result.defects)
    shallow = parse_message(nested_multiparts(MAX_DEPTH - 1))
    assert shallow.text.strip() == "innermost"
    assert_well_formed(result)


def test_absurd_nesting_does_not_raise():
    result = parse_message(nested_multiparts(3000))
    assert result.subject == "deep"
    assert result.defects
    assert_well_formed(result)


def test_many_parts_are_bounded():
    result = parse_message(many_parts(MAX_PARTS + 50))
    assert len(result.attachments) == MAX_PARTS - 1  # the root counts as a part
    assert result.attachments[0].filename == "f0.bin"
    assert any(f"more than {MAX_PARTS} MIME parts" in d for d in result.defects)
    assert_well_formed(result)


def test_very_many_parts_do_not_take_long():
    result = parse_message(many_parts(50_000))
    assert len(result.attachments) == MAX_PARTS - 1
    assert_well_formed(result)


def test_multipart_without_boundary_is_text():
    result = parse_message(make("Content-Type: multipart/mixed", "just text"))
    assert result.text == "just text"


def test_boundary_folded_across_lines():
    raw = make(
        'Content-Type: multipart/mixed;\n boundary="----=_Next\n _Part"',
        "------=_Next _Part\nContent-Type: text/plain\n\nhello\n------=_Next _Part--\n",
    )
    assert parse_message(raw).text.strip() == "hello"


# --------------------------------------------------------------------------- big messages


@contextmanager
def blobs_everywhere(chunk: int = 7):
    """Every run of plain body lines kept out of the MIME parser, tiny feed chunks."""
    names = ("_BLOB_MIN_MESSAGE_BYTES", "_BLOB_MIN_BYTES", "_FEED_CHUNK_BYTES")
    saved = {name: getattr(structure, name) for name in names}
    structure._BLOB_MIN_MESSAGE_BYTES = 0
    structure._BLOB_MIN_BYTES = 1
    structure._FEED_CHUNK_BYTES = chunk
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(structure, name, value)


@contextmanager
def no_blobs():
    saved = structure._BLOB_MIN_MESSAGE_BYTES
    structure._BLOB_MIN_MESSAGE_BYTES = 1 << 62
    try:
        yield
    finally:
        structure._BLOB_MIN_MESSAGE_BYTES = saved


def assert_same_without_blobs(raw: bytes) -> ParsedEmail:
    """The result does not depend on keeping runs of lines out of the parser."""
    with no_blobs():
        plain = parse_message(raw)
    with blobs_everywhere():
        assert parse_message(raw) == plain
    return plain


def peak_bytes(function, *args) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def forwarded(attachment: bytes) -> bytes:
    inner = EmailMessage()
    inner["From"] = "Inner <inner@example.com>"
    inner["Subject"] = "inner"
    inner.set_content("inner body\n")
    inner.add_attachment(attachment, maintype="image", subtype="tiff", filename="scan.tif")
    outer = EmailMessage()
    outer["From"] = "outer@example.com"
    outer["Subject"] = "Fwd: inner"
    outer.set_content("see below\n")
    outer.add_attachment(inner)
    return outer.as_bytes()


def test_big_base64_attachment_is_decoded_without_copies():
    data = random.Random(1).randbytes(6_000_000)
    raw = message(attachments=[("scan.tif", "image/tiff", data)])
    result = parse_message(raw)
    assert [(a.filename, a.content_type) for a in result.attachments] == [
        ("scan.tif", "image/tiff")
    ]
    assert result.attachments[0].data == data
    assert result.text == "Hello, please send me a quote.\n\nJane\n"
    assert result.defects == []
    # The decoded attachment (0.75x the message) is about all that is allocated;
    # the stdlib way (BytesParser + get_payload(decode=True)) peaks at 7-8x.
    assert peak_bytes(parse_message, raw) < 1.2 * len(raw)


@pytest.mark.parametrize("linesep", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("line_length", [4, 76, 999])
def test_big_base64_with_any_line_ends_and_lengths(linesep, line_length):
    data = random.Random(line_length).randbytes(400_000)
    encoded = base64.b64encode(data)
    lines = [encoded[i : i + line_length] for i in range(0, len(encoded), line_length)]
    raw = make(
        'From: a@example.com\nContent-Type: multipart/mixed; boundary="b"',
        b"--b\nContent-Type: text/plain\n\nhi\n--b\n"
        b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        + b"\n".join(lines)
        + b"\n--b--\n",
        sep="\n",
    ).replace(b"\n", linesep)
    result = assert_same_without_blobs(raw)
    assert [a.data for a in result.attachments] == [data]
    assert result.text.strip() == "hi"


def test_big_forwarded_message_is_attached_unchanged():
    data = random.Random(2).randbytes(3_000_000)
    result = assert_same_without_blobs(forwarded(data))
    assert result.text == "see below\n"
    [attached] = result.attachments
    assert attached.content_type == "message/rfc822"
    again = parse_message(attached.data)
    assert again.subject == "inner"
    assert [a.data for a in again.attachments] == [data]


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        # quoted-printable, text, 8-bit text: the runs are put back where they were
        (
            "Content-Transfer-Encoding: quoted-printable",
            quopri.encodestring("Grüße, =ok\n".encode() * 30_000),
            "Grüße, =ok\n".encode() * 30_000,
        ),
        ("Content-Disposition: attachment", b"plain line\n" * 40_000, b"plain line\n" * 40_000),
        (
            "Content-Disposition: attachment",
            "Zeile mit Umlauten äöü\n".encode("latin-1") * 40_000,
            "Zeile mit Umlauten äöü\n".encode("latin-1") * 40_000,
        ),
        # base64 with junk lines in between and a missing padding
        (
            "Content-Transfer-Encoding: base64",
            b"QUJD\n" * 50_000 + b"-.-\n" + b"QUJD\n" * 50_000 + b"QQ\n",
            b"ABC" * 100_000 + b"A",
        ),
        # one run, and base64 outside it (a line the parser could read as a header)
        (
            "Content-Transfer-Encoding: base64",
            b" QUJD\n" + b"QUJD\n" * 50_000 + b"QU:JD\n",
            b"ABC" * 50_002,
        ),
        # uuencode is left to the stdlib
        (
            "Content-Transfer-Encoding: x-uuencode",
            b"begin 644 x\n" + b"#86)C\n" * 40_000 + b"`\nend\n",
            b"abc" * 40_000,
        ),
    ],
)
def test_big_parts_in_other_encodings(headers, body, expected):
    raw = make(
        'From: a@example.com\nContent-Type: multipart/mixed; boundary="b"',
        b"--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: application/x-test\n"
        + headers.encode()
        + b"\n\n"
        + body
        + b"\n--b--\n",
        sep="\n",
    )
    result = assert_same_without_blobs(raw)
    assert [a.data for a in result.attachments] == [expected]


def test_big_text_body_is_bounded():
    body = "Zeile ohne Doppelpunkt, aber mit Umlauten: nein - ohne.\n".replace(":", "")
    raw = make("Content-Type: text/plain; charset=utf-8", body * 40_000)
    result = assert_same_without_blobs(raw)
    assert len(result.text) == MAX_TEXT_CHARS
    assert result.text.startswith(body)
    assert any("truncated" in d for d in result.defects)


def test_marker_like_text_in_a_message_is_left_alone():
    body = "\x00blob-0123456789abcdef-0\x00 and blob-0\n" + "x" * 100 + "\n"
    raw = make("Content-Type: text/plain", body * 3000)
    result = assert_same_without_blobs(raw)
    assert result.text.startswith("blob-0123456789abcdef-0 and blob-0\n")


def test_lines_beyond_the_parse_limit_are_not_parsed(monkeypatch):
    monkeypatch.setattr(structure, "MAX_PARSE_LINES", 1000)
    raw = make(
        'From: a@example.com\nSubject: many\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\n" + "a: b\n" * 5000 + "--b--\n",
    )
    result = parse_message(raw)
    assert result.subject == "many"
    assert 900 <= result.text.count("a: b") < 1000
    assert any("more than 1000 lines, only the first" in d for d in result.defects)
    assert_well_formed(result)


def test_lines_kept_out_of_the_parser_do_not_count(monkeypatch):
    monkeypatch.setattr(structure, "MAX_PARSE_LINES", 1000)
    monkeypatch.setattr(structure, "_BLOB_MIN_MESSAGE_BYTES", 0)
    data = random.Random(3).randbytes(300_000)  # about 5400 lines of base64
    result = parse_message(message(attachments=[("a.bin", "application/octet-stream", data)]))
    assert [a.data for a in result.attachments] == [data]
    assert result.defects == []


def test_blank_line_bomb_is_bounded(monkeypatch):
    monkeypatch.setattr(structure, "MAX_PARSE_LINES", 20_000)
    raw = make("From: a@example.com\nContent-Type: text/plain", b"\r\n" * 400_000)
    # Each line is an object in the MIME parser: unbounded, this peaks at 25 MB.
    assert peak_bytes(parse_message, raw) < 4_000_000
    result = parse_message(raw)
    assert any("more than 20000 lines" in d for d in result.defects)


def test_8bit_part_with_a_broken_charset_is_not_skipped():
    # get_payload() raised ValueError for this charset (NUL), losing the part.
    raw = b'Content-Type: text/plain; charset="utf-\x008"\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n'
    result = parse_message(raw)
    assert result.text == "Grüße\n"
    assert not any("skipped" in d for d in result.defects)


# --------------------------------------------------------------------------- headers


def test_headers_list_and_lookup():
    raw = make(
        "Received: from a\n\tby b\n"
        "Received: from c\n"
        "X-Custom: =?utf-8?q?d=C3=A9cod=C3=A9?=\n"
        "Subject: s",
        "x",
    )
    result = parse_message(raw)
    assert result.headers[:2] == [("received", "from a by b"), ("received", "from c")]
    assert result.header("X-CUSTOM") == "décodé"
    assert result.header("missing") == ""
    assert result.header_all("Received") == ["from a by b", "from c"]


def test_giant_header_line():
    raw = make(
        "Subject: " + "A" * 3_000_000 + "\nX-Long: " + "b " * 1_000_000 + "\nFrom: a@example.com",
        "body",
    )
    result = parse_message(raw)
    assert result.subject == "A" * MAX_SUBJECT_CHARS
    assert len(result.header("x-long")) <= MAX_HEADER_VALUE_CHARS
    assert result.sender == Address("", "a@example.com")
    assert result.text == "body"
    assert_well_formed(result)


def test_many_headers_are_bounded():
    lines = "\n".join(f"X-H{i}: v{i}" for i in range(MAX_HEADERS + 100))
    result = parse_message(make(lines + "\nSubject: late", "x"))
    assert len(result.headers) == MAX_HEADERS
    assert result.subject == "late"  # well-known headers are still found
    assert any(f"more than {MAX_HEADERS} header" in d for d in result.defects)


def test_headers_only_mode():
    head = make(
        "From: Big Sender <big@example.com>\n"
        "To: sales@example.com\n"
        "Subject: =?utf-8?q?gro=C3=9F?=\n"
        "Message-ID: <big@example.com>\n"
        'Content-Type: multipart/mixed; boundary="b"',
        "",
    )
    for raw in (head, head + b"--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b--\r\n"):
        result = parse_message(raw, headers_only=True)
        assert result.subject == "groß"
        assert result.sender == Address("Big Sender", "big@example.com")
        assert result.message_id == "big@example.com"
        assert result.content_type == "multipart/mixed"
        assert (result.text, result.html, result.attachments) == ("", "", [])
        assert result.size == len(raw)


def test_lf_only_line_endings():
    raw = make("From: a@example.com\nSubject: lf", "body\nline", sep="\n")
    result = parse_message(raw)
    assert (result.subject, result.text) == ("lf", "body\nline")


# --------------------------------------------------------------------------- never raises


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n",
        b"\x00" * 100,
        b"no headers at all",
        b":\r\n:\r\n\r\n",
        b"From:\r\nTo:\r\nSubject:\r\nDate:\r\nMessage-ID:\r\nReferences:\r\n\r\n",
        bytes(range(256)) * 50,
        b"Content-Type: text/plain; charset=" + b"x" * 10_000 + b"\r\n\r\nbody",
        b"Content-Type: text/plain; " + b"(" * 50_000 + b"\r\n\r\nbody",
        b"Content-Type: multipart/mixed; boundary=" + b"(" * 50_000 + b"\r\n\r\n--(",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n!!!\r\n",
        b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
        b"Content-Type: text/plain; name*0*=x''%ZZ; name*99999999999*=%41\r\n\r\nx",
        b"Subject: " + b"=?utf-8?q?a?= " * 100_000 + b"\r\n\r\nx",
        b"From: " + b'"' * 10_000 + b"\r\n\r\nx",
    ],
)
def test_hostile_inputs_do_not_raise(raw):
    assert_well_formed(parse_message(raw))


def test_bytes_like_inputs():
    raw = make("Subject: s", "x")
    assert parse_message(bytearray(raw)).subject == "s"
    assert parse_message(memoryview(raw)).subject == "s"
    result = parse_message(12345)  # type: ignore[arg-type]
    assert result.defects and result.subject == ""


def test_same_results_with_policy_default(monkeypatch):
    """parse.PARSE_POLICY is a speed choice; the results do not depend on it."""
    samples = [
        with_attachment("attachment; filename*=UTF-8''%E2%82%AC.pdf"),
        make("From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\nSubject: =?utf-8?q?s?=", "x"),
        many_parts(5),
    ]
    before = [parse_message(raw) for raw in samples]
    monkeypatch.setattr(structure, "PARSE_POLICY", policy.default)
    after = [parse_message(raw) for raw in samples]
    assert before == after


# --------------------------------------------------------------------------- corpus


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and not p.name.upper().startswith("README")
    )


CORPUS_FILES = _corpus_files()


def _corpus_or_skip() -> None:
    corpus_or_unavailable()


def _corpus_message(relative: str) -> bytes:
    _corpus_or_skip()
    path = CORPUS / relative
    if not path.is_file():
        pytest.fail(f"corpus file {relative} is missing from {CORPUS}")
    return path.read_bytes()


def test_corpus_is_not_empty():
    _corpus_or_skip()
    assert len(CORPUS_FILES) >= 100, f"only {len(CORPUS_FILES)} messages in {CORPUS}"


@pytest.mark.parametrize(
    "path",
    CORPUS_FILES or [None],
    ids=[str(p.relative_to(CORPUS)) for p in CORPUS_FILES] or ["corpus-missing"],
)
def test_corpus_message_parses(path):
    if path is None:
        _corpus_or_skip()
    raw = path.read_bytes()
    result = parse_message(raw)
    assert_well_formed(result)
    assert result.size == len(raw)
    assert not ENCODED_WORD.search(result.subject), result.subject
    for address in [result.sender, *result.reply_to, *result.to, *result.cc]:
        if address is not None:
            assert not ENCODED_WORD.search(address.name), address
    for attachment in result.attachments:
        assert not ENCODED_WORD.search(attachment.filename), attachment.filename


# Expected values below were read from the raw files (decoded by hand or with
# `base64 -d`), not produced by this parser.


def test_corpus_rfc2231_continuations():
    # mail-parser/mail_test_5: filename*0*=utf-8''%6D%61...; filename*1*=...; ...
    result = parse_message(_corpus_message("mail-parser/mail_test_5"))
    assert result.subject == "Je prépare mon été zéro complexe !"
    names = [a.filename for a in result.attachments]
    assert "mailingassets_d68799cd6301c7f5731a3c42946e528bcb78eb84.jpg" in names
    assert "mailingassets_a9ed45ff2645cff7fca702b289bc684b1bc72e2a.png" in names


def test_corpus_encoded_words_inside_a_quoted_filename():
    # mail-parser/mail_test_11: filename="=?UTF-8?Q?Prokuratura...?=\n =?UTF-8?Q?...?="
    result = parse_message(_corpus_message("mail-parser/mail_test_11"))
    assert result.subject == "письмо уведом-е"  # noqa: RUF001
    assert result.sender == Address("служба ФНС Даниил Суворов", "suvorov.s@nalg.ru")
    assert [a.filename for a in result.attachments] == [
        "Prokuratura Rejonowa Warszawa-Śródmieście północ sygn. 2Ds. 137414 - RSK "
        "pracowników Skarbowych NSZZ Solidarność - Zarządzenie o odmowie dopuszczenia "
        "SOWP do udziału w postepowaniu.pdf"
    ]


def test_corpus_display_names():
    result = parse_message(_corpus_message("mail-parser/mail_test_18"))
    assert result.sender == Address("LastßlName, FirstName", "comma.name@example.com")
    result = parse_message(_corpus_message("mail-parser/mail_test_19"))
    assert result.sender == Address("alice@example.com", "bob@example.com")
    assert result.reply_address == Address("henry@example.com", "ivan@example.com")
    assert [a.email for a in result.to] == ["charlie@example.com", "dave@example.com"]
    result = parse_message(_corpus_message("flanker/encoded-header.eml"))
    assert result.sender == Address("Foo, Bar", "foo.bar@example.com")


def test_corpus_charsets():
    result = parse_message(_corpus_message("mail-parser/mail_test_12"))  # GB2312, base64
    assert result.subject == "代开各地增值税发票"
    result = parse_message(_corpus_message("mail-mime-parser/m0006.txt"))  # utf-7 word
    assert result.subject == "Die Hasen und die Frösche (Microsoft Outlook 00)"
    result = parse_message(_corpus_message("mail-mime-parser/invalid-charset.txt"))
    assert "The Hare and the Tortoise" in result.text
    assert any("invalid-charset" in d for d in result.defects)
    result = parse_message(_corpus_message("flanker/mailformed-headers.eml"))
    assert result.sender is not None and result.sender.email == "headers@gmail.com"


def test_corpus_attachments():
    result = parse_message(_corpus_message("mail-mime-parser/m0024.txt"))
    assert [a.filename for a in result.attachments] == ["Biodiversite de semaine en semaine.doc"]
    # m0021: the boundary parameter is folded across two lines
    result = parse_message(_corpus_message("mail-mime-parser/m0021.txt"))
    assert [a.filename for a in result.attachments] == [
        "blueball.png",
        "greenball.png",
        "redball.png",
    ]
    assert "The Hare and the Tortoise" in result.text


def test_corpus_enclosed_message():
    result = parse_message(_corpus_message("flanker/enclosed.eml"))
    assert result.subject == "Wow"
    assert result.to[0].name == "Александр Клижентас☯"  # quoted encoded word
    assert [(a.filename, a.content_type) for a in result.attachments] == [
        ("thanks.eml", "message/rfc822")
    ]
    assert parse_message(result.attachments[0].data).subject == "Thanks!"


def test_corpus_bounce():
    result = parse_message(_corpus_message("flanker/bounce/zed.eml"))
    assert result.subject == "Undelivered Mail Returned to Sender"
    assert result.text.startswith("This is the mail system at host mail.example.com.")
    status = [a for a in result.attachments if a.content_type == "message/delivery-status"]
    assert len(status) == 1
    assert b"Reporting-MTA: dns; mail.example.com" in status[0].data


# --------------------------------------------------------------------------- property tests

_SEEDS = [
    with_attachment("attachment; filename*=UTF-8''%E2%82%AC.pdf"),
    make(
        "From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\n"
        "Reply-To: x@example.com\n"
        "Subject: =?iso-8859-1?q?caf=E9?=\n"
        "Date: Tue, 3 Jun 2025 11:59:58 +0200\n"
        "Message-ID: <a@example.com>\n"
        "References: <r@example.com> <a@example.com>\n"
        'Content-Type: multipart/alternative; boundary="alt"',
        "--alt\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
        "quoted-printable\n\nGr=C3=BC=C3=9Fe\n--alt\nContent-Type: text/html\n\n"
        '<p onclick="x()">hi <a href="javascript:alert(1)">x</a><img src="cid:a"></p>\n'
        "--alt--\n",
    ),
    make(
        'From: a@example.com\nContent-Type: multipart/report; boundary="r"',
        "--r\nContent-Type: text/plain\n\nfailed\n--r\nContent-Type: message/delivery-status\n\n"
        "Action: failed\n--r\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n--r--\n",
    ),
    make(
        'Content-Type: multipart/mixed; boundary="a"',
        '--a\nContent-Type: multipart/related; boundary="b"\n\n--b\nContent-Type: text/html; '
        "charset=x-unknown\nContent-Transfer-Encoding: base64\n\n"
        + base64.b64encode("<b>Grüße</b>".encode()).decode()
        + "\n--b\nContent-Type: image/png\nContent-ID: <i>\n\nPNG\n--b--\n--a--\n",
    ),
]
_SEEDS += [
    forwarded(b"\x00tiff" * 300),
    message(attachments=[("a.bin", "application/octet-stream", bytes(range(256)) * 8)]).replace(
        b"\n", b"\r"
    ),
]
if CORPUS.is_dir():
    _SEEDS += [p.read_bytes() for p in CORPUS_FILES if p.stat().st_size <= 6000][:40]

_HEADER_LINES = st.sampled_from(
    [
        b"Content-Type: multipart/mixed; boundary=",
        b"Content-Type: text/plain; charset=",
        b"Content-Type: message/rfc822",
        b"Content-Disposition: attachment; filename*0*=",
        b"Content-Transfer-Encoding: ",
        b"From: ",
        b"To: ",
        b"Reply-To: ",
        b"Subject: =?",
        b"Date: ",
        b"References: <",
        b"Message-ID: ",
    ]
)
_MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("boundary"), st.integers(0, 10**6), st.integers(1, 5)),
    st.tuples(
        st.just("header"), st.integers(0, 10**6), st.tuples(_HEADER_LINES, st.binary(max_size=60))
    ),
)


def _mutate(raw: bytes, mutations) -> bytes:
    data = bytearray(raw)
    for kind, position, arg in mutations:
        pos = position % (len(data) + 1)
        if kind == "flip" and data:
            data[min(pos, len(data) - 1)] = arg
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = arg
        elif kind == "boundary":
            start = data.find(b"\n--", pos)
            if start < 0:
                start = data.find(b"\n--")
            if start >= 0:
                end = data.find(b"\n", start + 1)
                line = bytes(data[start : end if end > 0 else len(data)])
                data[start:start] = line * arg
        elif kind == "header":
            line_start = data.rfind(b"\n", 0, pos) + 1
            name, value = arg
            data[line_start:line_start] = name + value + b"\r\n"
    return bytes(data)


_PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_PROPERTY_SETTINGS
@given(seed=st.sampled_from(_SEEDS), mutations=st.lists(_MUTATION, min_size=1, max_size=8))
def test_mutated_messages_never_raise(seed, mutations):
    assert_well_formed(parse_message(_mutate(seed, mutations)))


@_PROPERTY_SETTINGS
@given(seed=st.sampled_from(_SEEDS), mutations=st.lists(_MUTATION, min_size=1, max_size=8))
def test_runs_kept_out_of_the_parser_do_not_change_results(seed, mutations):
    assert_same_without_blobs(_mutate(seed, mutations))


_B64_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["QUJD", "QQ==", "QUI=", "=", "\r\n", "\n", "\r", " ", "-", "\udcff"]),
        st.text("ABCabc012+/=", max_size=9),
        st.binary(max_size=30).map(lambda b: base64.encodebytes(b).decode()),
        st.binary(max_size=30).map(lambda b: quopri.encodestring(b).decode()),
    ),
    max_size=12,
).map("".join)


@_PROPERTY_SETTINGS
@given(
    payload=_B64_TEXT,
    cte=st.sampled_from([None, "base64", "BASE64", "base64 ", "quoted-printable", "8bit", "uue"]),
)
def test_payload_decoding_matches_the_stdlib(payload, cte):
    def decoded(decode):
        part = Message()
        if cte is not None:
            part["Content-Transfer-Encoding"] = cte
        part.set_payload(payload)
        try:
            return decode(part)
        except Exception as exc:
            return type(exc)

    expected = decoded(lambda part: part.get_payload(decode=True))
    assert decoded(lambda part: walk._decoded_payload(part, payload, None)) == expected


@_PROPERTY_SETTINGS
@given(raw=st.binary(max_size=4000))
def test_random_bytes_never_raise(raw):
    assert_well_formed(parse_message(raw))
    assert_well_formed(parse_message(raw, headers_only=True))


_MIME_TOKENS = st.sampled_from(
    [
        b"\r\n",
        b"\n",
        b"\r\n\r\n",
        b"--b",
        b"--b--",
        b"Content-Type: multipart/mixed; boundary=b\r\n",
        b"Content-Type: text/html; charset=utf-8\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC\r\n",
        b"Subject: =?utf-8?q?",
        b"=?utf-8?b?",
        b"?=",
        b'From: "',
        b"<a@b.example>",
        b"<script>",
        b"<a href='javascript:x'>",
        b"(",
        b")",
        b"\xc3",
        b"\xff",
        b"=C3=A9",
    ]
)


@_PROPERTY_SETTINGS
@given(pieces=st.lists(st.one_of(_MIME_TOKENS, st.binary(max_size=8)), max_size=80))
def test_mime_shaped_noise_never_raises(pieces):
    assert_well_formed(parse_message(b"".join(pieces)))


@_PROPERTY_SETTINGS
@given(value=st.text(max_size=300))
def test_message_id_helpers_never_raise(value):
    normalized = normalize_message_id(value)
    assert len(normalized) <= 500
    assert normalized == normalized.strip()
    for mid in parse_message_ids(value):
        assert mid and "<" not in mid and ">" not in mid
        assert normalize_message_id(mid) == mid


def test_round_trip_with_stdlib_built_message():
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Jürgen Müller <juergen@example.com>"
    message["To"] = "Ünïcode Tëam <team@example.com>, plain@example.com"
    message["Subject"] = "Grüße \u2013 " + "ß" * 100
    message.set_content("Hallo Welt \u2013 grüße\n")
    message.add_alternative("<p>Hallo <b>Welt</b></p>", subtype="html")
    message.add_attachment(
        b"%PDF", maintype="application", subtype="pdf", filename="Überweisung März.pdf"
    )
    result = parse_message(message.as_bytes())
    assert result.sender == Address("Jürgen Müller", "juergen@example.com")
    assert [a.name for a in result.to] == ["Ünïcode Tëam", ""]
    assert result.subject == "Grüße \u2013 " + "ß" * 100
    assert result.text == "Hallo Welt \u2013 grüße\n"
    assert "<b>Welt</b>" in result.html
    assert [(a.filename, a.data) for a in result.attachments] == [("Überweisung März.pdf", b"%PDF")]
    # and the stdlib agrees on the subject
    stdlib = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert str(stdlib["subject"]) == result.subject
