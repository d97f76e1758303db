"""Hand-made hostile messages: each one tries to make the engine slow, crash or lie.

Generated here (nothing third-party is committed); used by the engine's tests
and by bench/hostile.py, which times parse + extract for each of them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator

CRLF = b"\r\n"


def _headers(subject: bytes = b"Hello", extra: bytes = b"",
             ctype: bytes = b"text/plain; charset=utf-8") -> bytes:  # fmt: skip
    # Each message from its own sender, so none is cut short by the per-sender limit.
    tag = hashlib.sha256(subject + extra + ctype).hexdigest()[:12].encode()
    return (
        b"From: Mallory <mallory@evil.test>\r\nTo: sales@clearcrm.test\r\n"
        b"Subject: " + subject + b"\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <hostile." + tag + b"@evil.test>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: " + ctype + b"\r\n" + extra
    ).replace(b"mallory@", b"mallory." + tag + b"@", 1)


def _html(body: bytes, subject: bytes) -> bytes:
    return _headers(subject, ctype=b"text/html; charset=utf-8") + CRLF + body


def _text(body: bytes, subject: bytes) -> bytes:
    return _headers(subject) + CRLF + body


def _multipart(parts: list[bytes], subject: bytes, subtype: bytes = b"mixed",
               boundary: bytes = b"BOUNDARY") -> bytes:  # fmt: skip
    head = _headers(subject, ctype=b"multipart/" + subtype + b'; boundary="' + boundary + b'"')
    body = b"".join(b"--" + boundary + CRLF + part + CRLF for part in parts)
    return head + CRLF + body + b"--" + boundary + b"--" + CRLF


def _nested_multipart(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for level in range(depth):
        b = b"B%d" % level
        inner = (b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + CRLF
                 + inner + b"\r\n--" + b + b"--\r\n")  # fmt: skip
    return (
        _headers(b"deep multipart", ctype=b"text/plain").replace(
            b"Content-Type: text/plain\r\n", b""
        )
        + inner
    )


def _nested_rfc822(depth: int) -> bytes:
    inner = b"Subject: innermost\r\n\r\nhello\r\n"
    for _ in range(depth):
        inner = b"Content-Type: message/rfc822\r\n\r\nSubject: wrapper\r\n" + inner
    return _headers(b"nested messages", ctype=b"message/rfc822") + CRLF + inner


def _form_table(rows: int) -> bytes:
    cells = b"".join(b"<tr><th>Label %d:</th><td>value %d</td></tr>" % (i, i) for i in range(rows))
    return b"<table>" + cells + b"</table>"


GENERATORS: dict[str, Callable[[], bytes]] = {
    "html_tiny_elements_1mb": lambda: _html(b"<p>a" * 250_000, b"tiny elements"),
    "html_deep_nesting": lambda: _html(b"<div>" * 100_000 + b"x", b"deep html"),
    "html_many_attributes": lambda: _html(
        b"<p " + b" ".join(b'a%d="v"' % i for i in range(100_000)) + b">x</p>", b"attributes"
    ),
    "html_br_flood": lambda: _html(b"<br>" * 300_000, b"br flood"),
    "html_entities": lambda: _html(b"&amp;&#x41;&lt;" * 100_000, b"entities"),
    "html_unterminated_comment": lambda: _html(b"<!--" + b"x" * 1_000_000, b"comment"),
    "html_nested_tables": lambda: _html(b"<table><tr><td>" * 20_000, b"tables"),
    "html_form_table_huge": lambda: _html(_form_table(20_000), b"form table"),
    "html_style_attribute_huge": lambda: _html(
        b'<p style="' + b"color:red;" * 100_000 + b'">x</p>', b"style"
    ),
    "html_script_svg_meta": lambda: _html(
        b"<meta http-equiv=refresh content='0;url=http://evil.test/'><base href=http://evil.test/>"
        b"<svg><script>alert(1)</script></svg><a href='javascript:alert(1)' onclick=alert(1)>x</a>"
        b"<img src=http://tracker.evil.test/p.gif><div style='background:url(http://evil.test/)'>"
        * 5_000,
        b"script soup",
    ),
    "text_long_line_10mb": lambda: _text(b"a" * 10_000_000, b"long line"),
    "text_label_value_flood": lambda: _text(
        b"".join(b"Field %d: value %d\r\n" % (i, i) for i in range(100_000)), b"labels"
    ),
    "text_phone_flood": lambda: _text(
        b"".join(b"Phone: +49 30 %07d\r\n" % i for i in range(50_000)), b"phones"
    ),
    "text_quote_depth": lambda: _text(
        b"".join(b">" * i + b" line\r\n" for i in range(1, 2_000)), b"quotes"
    ),
    "text_wrote_lines": lambda: _text(
        b"On Mon, 1 Jan 2024 Bob <b@x.test> wrote:\r\n> hi\r\n" * 20_000, b"wrote"
    ),
    "text_signature_flood": lambda: _text(
        b"Hi\r\n-- \r\n" + b"Jane Doe | CEO | Acme GmbH | +49 30 1234567\r\n" * 20_000, b"sig"
    ),
    "text_words_10mb": lambda: _text(b"a " * 5_000_000, b"words"),
    "text_bare_cr": lambda: _text(b"line\r" * 200_000, b"bare cr"),
    "text_nul_and_controls": lambda: _text(bytes(range(32)) * 30_000, b"controls"),
    "header_subject_1mb": lambda: _text(b"hi", b"S" * 1_000_000),
    "header_many_headers": lambda: (
        _headers(b"many headers", extra=b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)))
        + b"\r\nbody"
    ),
    "header_many_addresses": lambda: (
        _headers(
            b"addresses",
            extra=b"Cc: " + b", ".join(b"u%d@x.test" % i for i in range(100_000)) + CRLF,
        )
        + b"\r\nbody"
    ),
    "header_encoded_words": lambda: _text(b"hi", b"=?utf-8?q?a?= " * 50_000),
    "header_references_flood": lambda: (
        _headers(
            b"refs",
            extra=b"References: " + b" ".join(b"<%d@x.test>" % i for i in range(100_000)) + CRLF,
        )
        + b"\r\nbody"
    ),
    "header_message_id_1mb": lambda: (
        _headers(b"mid", extra=b"").replace(b"Message-ID: <", b"Message-ID: <" + b"m" * 1_000_000)
        + b"\r\nbody"
    ),
    "header_from_comments": lambda: (
        _headers(b"comments").replace(
            b"From: Mallory <",
            b"From: " + b"(" * 20_000 + b"x" + b")" * 20_000 + b" <",
        )
        + b"\r\nbody"
    ),
    "header_display_name_words": lambda: (
        _headers(b"names").replace(
            b"From: Mallory", b"From: " + b"=?utf-8?b?TWFsbG9yeQ==?= " * 10_000
        )
        + b"\r\nbody"
    ),
    "header_date_garbage": lambda: (
        _headers(b"date").replace(
            b"Date: Mon, 30 Nov 2026 10:00:00 +0000", b"Date: " + b"99 " * 30_000
        )
        + b"\r\nbody"
    ),
    "header_folded_forever": lambda: _text(b"hi", b"fold" + b"\r\n x" * 200_000),
    "mime_many_parts": lambda: _multipart(
        [b"Content-Type: text/plain\r\n\r\npart %d" % i for i in range(10_000)], b"many parts"
    ),
    "mime_deep_nesting": lambda: _nested_multipart(2_000),
    "mime_nested_rfc822": lambda: _nested_rfc822(1_000),
    "mime_alternatives": lambda: _multipart(
        [b"Content-Type: text/html\r\n\r\n<p>alt %d</p>" % i for i in range(2_000)],
        b"alternatives",
        b"alternative",
    ),
    "mime_boundary_repeated": lambda: _multipart([b"\r\n--BOUNDARY\r\n" * 100_000], b"bounds"),
    "mime_param_flood": lambda: (
        _headers(
            b"params",
            ctype=b"text/plain; " + b"; ".join(b"p%d*%d=x" % (i, i) for i in range(20_000)),
        )
        + b"\r\nbody"
    ),
    "mime_rfc2231_sections": lambda: _multipart(
        [
            b"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
            + b"; ".join(b"filename*%d=a" % i for i in range(10_000))
            + b"\r\n\r\n%PDF"
        ],
        b"rfc2231",
    ),
    "mime_bad_base64_5mb": lambda: _multipart(
        [
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + b"!!not base64!!" * 400_000
        ],
        b"bad base64",
    ),
    "mime_qp_soft_breaks": lambda: _multipart(
        [
            b"Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + b"<p>=\r\n" * 300_000
        ],
        b"qp",
    ),
    "mime_unknown_charset": lambda: (
        _headers(b"charset", ctype=b"text/plain; charset=x-no-such-charset-\xff")
        + b"\r\n"
        + bytes(range(128, 256)) * 20_000
    ),
    "mime_hostile_filenames": lambda: _multipart(
        [
            b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
            b'filename="../../etc/passwd\x00\xe2\x80\xaeexe.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"x" * 1000)
        ]
        * 200,
        b"filenames",
    ),
    "mime_uuencode_huge": lambda: _multipart(
        [
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: x-uuencode\r\n\r\n"
            b"begin 644 a.bin\r\n"
            + b"M"
            + b"A" * 60
            + b"\r\n" * 1
            + (b"M" + b"A" * 60 + b"\r\n") * 80_000
            + b"end\r\n"
        ],
        b"uuencode",
    ),
    "empty_crlf": lambda: b"\r\n",
    "no_headers": lambda: b"just a body with no headers at all\r\n" * 1000,
}


def hostile_messages() -> Iterator[tuple[str, bytes]]:
    """(name, raw message) for every hostile message, built on demand."""
    for name, make in GENERATORS.items():
        yield name, make()
