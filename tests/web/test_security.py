"""Security headers on every page, no inline script or style anywhere, CSRF on forms
and htmx requests, secure cookies over HTTPS."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from clearcrm.web.middleware import PAGE_POLICY
from tests.conftest import clearcrm
from tests.web.conftest import email, lead

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "clearcrm" / "web" / "templates"


def test_every_page_sends_the_security_headers(rep, rep_client, client):
    mine = lead("Jane", assigned=rep)
    urls = [reverse("home"), reverse("leads"), reverse("kanban"), mine.get_absolute_url(),
            reverse("customers"), reverse("tasks"), reverse("notifications"), reverse("search"),
            reverse("profile")]  # fmt: skip
    responses = [rep_client.get(url) for url in urls] + [client.get(reverse("login"))]
    for response in responses:
        assert response["Content-Security-Policy"] == PAGE_POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in PAGE_POLICY and "unsafe-inline" not in PAGE_POLICY
    assert "frame-ancestors 'none'" in PAGE_POLICY


def test_no_template_has_inline_script_style_or_handlers():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if path.name == "frame.html":  # the email document: its own CSP, no script at all
            assert "<script" not in text
            continue
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), path
        assert not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path
        assert "https://" not in re.sub(r'xmlns="[^"]*"', "", text), path  # nothing remote


def test_pages_load_htmx_and_the_script_as_static_files(rep_client):
    page = rep_client.get(reverse("home")).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in page
    assert '"includeIndicatorStyles": false' in page  # htmx would add an inline style


def test_csrf_is_checked_on_forms_and_htmx_requests(rep):
    target = lead("Jane", assigned=rep)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(rep)
    page = strict.get(target.get_absolute_url()).content.decode()
    url = reverse("lead_flag", args=[target.pk, "public"])
    assert strict.post(url, {"value": "1"}).status_code == 403
    assert strict.post(url, {"value": "1"}, HTTP_HX_REQUEST="true").status_code == 403
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = strict.post(url, {"value": "1"}, HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_public


def test_every_post_form_carries_a_csrf_token(rep, rep_client):
    target = lead("Jane", assigned=rep)
    email(target)
    page = rep_client.get(target.get_absolute_url(), {"html": target.emails.get().pk})
    html = page.content.decode()
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S)
    assert len(forms) > 5
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form, form[:120]


def test_cookies_are_secure_over_https(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    https = clearcrm(tmp_path, "shell", "-c", code, CLEARCRM_SITE_URL="https://crm.example.com")
    assert https.stdout.split()[-3:] == ["True", "True", "True"]
    plain = clearcrm(tmp_path, "shell", "-c", code, CLEARCRM_SITE_URL="http://127.0.0.1:8000")
    assert plain.stdout.split()[-3:] == ["False", "False", "True"]
