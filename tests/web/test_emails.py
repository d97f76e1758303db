"""A lead's emails: the sandboxed HTML document and its own CSP, "Show images" and
"always show from this sender", "View original", attachments as downloads."""

import pytest
from django.urls import reverse

from clearcrm.attachments.models import NewFile
from clearcrm.leads.models import Lead
from clearcrm.web.models import TrustedImageSender
from tests.web.conftest import RAW, email, lead, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(rep):
    return email(lead("Jane Doe", email="jane@example.org", assigned=rep))


def test_the_html_view_is_a_sandboxed_document_with_its_own_policy(rep_client, mail):
    response = rep_client.get(reverse("email_html", args=[mail.pk]))
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert "img-src data:;" in csp and "frame-ancestors 'self'" in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "no-referrer"
    page = response.content.decode()
    assert "<b>there</b>" in page and "tracker.example" not in page


def test_show_images_allows_them_for_that_view_only(rep_client, mail):
    shown = rep_client.get(reverse("email_html", args=[mail.pk]), {"images": "1"})
    assert "https://tracker.example/pixel.gif" in shown.content.decode()
    assert "img-src data: https: http:" in shown["Content-Security-Policy"]
    again = rep_client.get(reverse("email_html", args=[mail.pk]))
    assert "tracker.example" not in again.content.decode()


def test_the_body_fragment_offers_show_images_when_some_were_blocked(rep_client, mail):
    fragment = rep_client.get(reverse("email_body", args=[mail.pk]), {"view": "html"})
    page = fragment.content.decode()
    assert "1 remote image was blocked" in page and "Show images" in page
    assert f'src="{reverse("email_html", args=[mail.pk])}"' in page
    text = rep_client.get(reverse("email_body", args=[mail.pk])).content.decode()
    assert "Hello there" in text and "<iframe" not in text


def test_always_show_images_from_this_sender(rep, rep_client, mail, other_rep):
    response = rep_client.post(
        reverse("email_trust_sender", args=[mail.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "?images=1" in response.content.decode()
    assert TrustedImageSender.objects.filter(user=rep, address="jane@example.org").exists()
    frame = rep_client.get(reverse("email_html", args=[mail.pk]))
    assert "tracker.example" in frame.content.decode()
    # Only for the user who asked.
    Lead.objects.filter(pk=mail.lead_id).update(is_public=True)
    other = login(other_rep).get(reverse("email_html", args=[mail.pk]))
    assert "tracker.example" not in other.content.decode()


def test_view_original_downloads_the_message_as_received(rep_client, mail):
    response = rep_client.get(reverse("email_raw", args=[mail.pk]))
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == RAW


def test_an_email_without_a_kept_original_has_no_original(rep, rep_client):
    old = email(lead("Old", assigned=rep), raw=b"")
    assert rep_client.get(reverse("email_raw", args=[old.pk])).status_code == 404
    page = rep_client.get(reverse("lead", args=[old.lead_id])).content.decode()
    assert "View original" not in page


def test_attachments_are_downloads_never_rendered(rep, rep_client):
    hostile = NewFile('"><script>.html', "text/html", b"<script>alert(1)</script>")
    sent = email(lead("Files", assigned=rep), files=(hostile,))
    attachment = sent.attachments.get()
    response = rep_client.get(reverse("attachment", args=[attachment.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_a_missing_stored_file_is_404(rep, rep_client):
    sent = email(lead("Files", assigned=rep), files=(NewFile("a.txt", "text/plain", b"abc"),))
    attachment = sent.attachments.get()
    attachment.path.unlink()
    assert rep_client.get(reverse("attachment", args=[attachment.pk])).status_code == 404


def test_an_imported_email_keeps_its_original(make_mailbox, put, admin_client):
    """The importer stores the message as received, so "View original" gives it back."""
    from clearcrm.inbound.importer import import_mailbox

    raw = (b"From: Vera Visitor <vera@example.org>\r\nTo: sales@example.com\r\n"
           b"Subject: Original please\r\nMessage-ID: <orig-1@example.org>\r\n"
           b"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\n"
           b"Keep me exactly as I am.\r\n")  # fmt: skip
    put(raw)
    import_mailbox(make_mailbox())
    imported = Lead.objects.get(email="vera@example.org").emails.get()
    response = admin_client.get(reverse("email_raw", args=[imported.pk]))
    assert b"".join(response.streaming_content) == raw
