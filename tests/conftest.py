"""Fixtures shared by every test module."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.dovecot import Dovecot, DovecotUnavailable

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Keep the stored files of each test apart; serve static files without a manifest."""
    settings.FILES_DIR = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clearcrm_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `clearcrm` subprocess with its own data dir."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CLEARCRM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def clearcrm(data_dir: Path, *args: str, check: bool = True, **env: str):
    """Run the `clearcrm` command as a user would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "clearcrm", *args],
        env=clearcrm_env(data_dir, **env),
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("ana", "ana@example.com", first_name="Ana")


# A real Dovecot, and mailboxes using it: for the engine's tests and the web UI's.


@pytest.fixture(scope="session")
def dovecot():
    try:
        server = Dovecot().start()
    except DovecotUnavailable as exc:
        print(f"Dovecot unavailable: {exc}")
        pytest.skip(f"Dovecot unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def account(dovecot):
    """A fresh IMAP user: (login, password)."""
    return dovecot.new_user()


@pytest.fixture
def trust_dovecot(dovecot, monkeypatch):
    """Make the test server's self-signed certificate trusted, as a real CA's would be."""
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert_path))


@pytest.fixture
def make_mailbox(dovecot, account, trust_dovecot):
    from clearcrm.inbound.models import Mailbox

    def make(**settings) -> Mailbox:
        login, password = account
        settings.setdefault("port", dovecot.ssl_port)
        settings.setdefault("host", "localhost")
        mailbox = Mailbox(name="Sales", login=login, **settings)
        mailbox.password = password
        mailbox.folders = mailbox.folders or ["INBOX"]
        mailbox.save()
        return mailbox

    return make


@pytest.fixture
def put(dovecot, account):
    """Put messages into the test account over IMAP: put(raw, folder=..., flags=...)."""
    login, password = account

    def put(raw: bytes, folder: str = "INBOX", flags=()) -> int:
        return dovecot.append(login, password, folder, raw, flags=flags)

    return put
