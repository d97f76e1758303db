"""Settings derived from the environment: login lockout, HTTPS and proxies."""

import json
import sys

import pytest
from django.urls import reverse

from tests.conftest import clearcrm_env

pytestmark = pytest.mark.django_db


def fail_logins(client, username: str, times: int, **meta: str) -> None:
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, **meta)


def login(client, username: str, password: str, **meta: str) -> int:
    return client.post(reverse("login"), {"username": username, "password": password},
                       **meta).status_code  # fmt: skip


def test_an_attacker_cannot_lock_the_admin_out_from_elsewhere(client, django_user_model, settings):
    django_user_model.objects.create_user("admin", password="a-Long-passw0rd")
    fail_logins(client, "admin", settings.AXES_FAILURE_LIMIT, REMOTE_ADDR="6.6.6.6")
    assert login(client, "admin", "a-Long-passw0rd", REMOTE_ADDR="6.6.6.6") == 429
    assert login(client, "admin", "a-Long-passw0rd", REMOTE_ADDR="1.2.3.4") == 302


def test_one_attacker_behind_the_office_proxy_locks_out_only_one_name(
    client, django_user_model, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    django_user_model.objects.create_user("ana", password="a-Long-passw0rd")
    django_user_model.objects.create_user("ben", password="a-Long-passw0rd")
    office = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    fail_logins(client, "ana", settings.AXES_FAILURE_LIMIT, **office)
    assert login(client, "ana", "a-Long-passw0rd", **office) == 429
    assert login(client, "ben", "a-Long-passw0rd", **office) == 302
    # Another colleague behind the same proxy, at another address, still logs in as ana.
    colleague = {**office, "HTTP_X_FORWARDED_FOR": "1.2.3.5"}
    assert login(client, "ana", "a-Long-passw0rd", **colleague) == 302


def test_a_spoofed_forwarded_for_does_not_dodge_the_lockout(client, django_user_model, settings):
    django_user_model.objects.create_user("ana", password="a-Long-passw0rd")
    for i in range(settings.AXES_FAILURE_LIMIT):
        fail_logins(client, "ana", 1, REMOTE_ADDR="6.6.6.6", HTTP_X_FORWARDED_FOR=f"9.9.9.{i}")
    assert login(client, "ana", "a-Long-passw0rd", REMOTE_ADDR="6.6.6.6",
                 HTTP_X_FORWARDED_FOR="9.9.9.200") == 429  # fmt: skip


def settings_of(tmp_path, **env: str) -> dict:
    """Some settings as a fresh process computes them from the environment."""
    import subprocess

    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER]))"
    )
    environment = clearcrm_env(tmp_path, DJANGO_SETTINGS_MODULE="clearcrm.settings", **env)
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    secure, csrf, hsts, header = json.loads(out)
    return {"secure": secure, "csrf": csrf, "hsts": hsts, "header": header}


def test_https_site_url_gives_secure_cookies_and_hsts(tmp_path):
    assert settings_of(tmp_path) == {"secure": False, "csrf": False, "hsts": 0, "header": None}
    behind = settings_of(
        tmp_path, CLEARCRM_SITE_URL="https://crm.example.com", CLEARCRM_TRUSTED_PROXY="10.0.0.1"
    )
    assert behind == {"secure": True, "csrf": True, "hsts": 31536000,
                      "header": ["HTTP_X_FORWARDED_PROTO", "https"]}  # fmt: skip
