"""The display sanitiser of email HTML: no script in any disguise, no remote fetch
unless asked, inline images only when their bytes are an image."""

import base64
from email.message import EmailMessage

from clearcrm.web.emailhtml import display_html, image_type, original_html

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOSTILE = """
<html><head><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">
<style>body { background: url(https://evil.example/bg.png) }</style><script>alert(1)</script></head>
<body onload="alert(2)"><p style="color: red; background-image: url(https://evil.example/css.png)">Hi</p>
<a href="javascript:alert(3)">click</a> <a href="https://shop.example/">shop</a>
<svg><script>alert(4)</script><circle onload="alert(5)"/></svg>
<img src="https://tracker.example/pixel.gif" onerror="alert(6)" alt="pixel">
<iframe src="https://evil.example/"></iframe>
<form action="https://evil.example/"><input name=x></form>
</body></html>
"""


def message(html: str, *parts: tuple[bytes, str, str]) -> bytes:
    mail = EmailMessage()
    mail["From"] = "x@example.org"
    mail.set_content("text version")
    mail.add_alternative(html, subtype="html")
    for data, maintype_subtype, cid in parts:
        maintype, subtype = maintype_subtype.split("/")
        mail.get_payload()[1].add_related(data, maintype, subtype, cid=f"<{cid}>")
    return mail.as_bytes()


def test_nothing_that_runs_or_fetches_survives():
    shown = display_html(message(HOSTILE), "", show_remote=False)
    html = shown.html.lower()
    for bad in ("<script", "onload", "onerror", "javascript:", "<base", "<meta", "<style",
                "url(", "<iframe", "<form", "<svg", "evil.example", "tracker.example"):  # fmt: skip
        assert bad not in html, bad
    assert "hi" in html and 'href="https://shop.example/"' in html
    assert 'target="_blank"' in html and "noopener" in html
    assert 'style="color:red"' in html.replace(" ", "")
    assert shown.remote_images == 1


def test_remote_images_only_when_asked():
    shown = display_html(message(HOSTILE), "", show_remote=True)
    assert 'src="https://tracker.example/pixel.gif"' in shown.html
    assert "onerror" not in shown.html


def test_inline_images_become_data_urls_when_the_bytes_are_an_image():
    html = '<p><img src="cid:logo"> <img src="cid:fake"></p>'
    raw = message(html, (PNG, "image/png", "logo"), (b"<svg onload=alert(1)>", "image/png", "fake"))
    shown = display_html(raw, "", show_remote=False)
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in shown.html
    assert "svg" not in shown.html and shown.html.count("data:") == 1


def test_without_an_original_the_stored_html_is_shown():
    shown = display_html(b"", "<p>stored <b>copy</b></p><script>x</script>", show_remote=False)
    assert shown.html == "<p>stored <b>copy</b></p>"


def test_broken_charsets_do_not_stop_the_display():
    raw = (b"Content-Type: text/html; charset=x-unknown-charset\r\n\r\n"
           b"<p>Gr\xfc\xdfe</p>")  # fmt: skip
    html, _images = original_html(raw)
    assert html.startswith("<p>Gr")


def test_image_type_reads_the_bytes_not_the_label():
    assert image_type(PNG) == "image/png"
    assert image_type(b"GIF89a....") == "image/gif"
    assert image_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"<svg>") is None
