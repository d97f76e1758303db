"""A hostile HTML email in a real browser: nothing in it runs (no dialog, no console
error), and its remote host hears nothing until "Show images" is clicked."""

from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from clearcrm.inbound.importer import import_mailbox
from clearcrm.leads.models import Lead
from tests.web.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("browser"),
]
TRACKER = "tracker.test"  # never resolved: the browser's requests to it are intercepted
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c"
                      "00000000010001000002024401003b")  # a 1x1 GIF  # fmt: skip

HOSTILE_HTML = f"""<html><head>
<base href="http://{TRACKER}/base/">
<meta http-equiv="refresh" content="0;url=http://{TRACKER}/refresh">
<style>body {{ background: url(http://{TRACKER}/style-bg.png) }}</style>
<script>alert("script tag")</script>
</head>
<body onload="alert('body onload')">
<h1 onmouseover="alert('handler')">Special offer</h1>
<p style="color: #b42318; background-image: url(http://{TRACKER}/inline-bg.png)">Read me</p>
<a href="javascript:alert('javascript link')">Click for a prize</a>
<svg width="10" height="10"><script>alert("svg script")</script>
<image href="http://{TRACKER}/svg-image.png"/></svg>
<img src="x" onerror="alert('onerror')">
<iframe src="http://{TRACKER}/frame"></iframe>
<img src="http://{TRACKER}/pixel.gif?to=adele" alt="tracking pixel" width="1" height="1">
<img src="http://{TRACKER}/logo.png" alt="Logo">
</body></html>"""


def hostile_message() -> bytes:
    message = EmailMessage()
    message["From"] = "Mallory Marketing <mallory@spammy.example>"
    message["To"] = "sales@example.com"
    message["Subject"] = "You have won"
    message["Message-ID"] = "<hostile-1@spammy.example>"
    message.set_content("You have won. Read the HTML version.")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    return message.as_bytes()


def test_a_hostile_email_runs_nothing_and_loads_nothing_until_asked(
    page, live_server, staff_admin, put, make_mailbox, watch
):
    put(hostile_message())
    import_mailbox(make_mailbox())
    lead = Lead.objects.get(email="mallory@spammy.example")
    remote: list[str] = []

    def intercept(route) -> None:
        url = route.request.url
        if url.startswith(live_server.url):
            route.continue_()
        else:
            remote.append(url)
            route.fulfill(status=200, content_type="image/gif", body=PIXEL)

    page.context.route("**/*", intercept)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator(".email-text")).to_contain_text("You have won.")
    page.get_by_role("link", name="Show HTML").click()
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.get_by_text("Read me")).to_be_visible()
    frame.get_by_text("Special offer").hover()
    frame.get_by_text("Click for a prize").click()
    page.wait_for_timeout(500)
    assert remote == [], remote
    assert not watch.dialogs and not watch.errors, (watch.dialogs, watch.errors)
    expect(page.locator(".images-bar")).to_contain_text("2 remote images were blocked")
    screenshot(page, "hostile-email-blocked")

    page.get_by_role("link", name="Show images").click()
    expect(frame.get_by_alt_text("Logo")).to_be_visible()
    for _ in range(50):  # the images load after the frame is shown
        if len(remote) >= 2:
            break
        page.wait_for_timeout(100)
    fetched = sorted({url.split("?")[0] for url in remote})
    assert fetched == [f"http://{TRACKER}/logo.png", f"http://{TRACKER}/pixel.gif"], remote
    assert not watch.dialogs and not watch.errors, (watch.dialogs, watch.errors)
