"""Fixtures shared by every test module."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.skipping import unavailable

# The real IMAP servers' fixtures (imap_servers, mail_server).
pytest_plugins = ["tests.support.servers"]

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_or_unavailable() -> Path:
    """The shared corpus of real-world messages (../shared/corpus)."""
    if not CORPUS.is_dir():
        unavailable(f"the shared corpus is not at {CORPUS} (CI lays shared/ beside the clone)")
    return CORPUS


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
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CLEARCRM_REDIS_URL")}
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


@pytest.fixture
def dovecot(imap_servers):
    return imap_servers.get("dovecot")


@pytest.fixture
def account(mail_server):
    """A fresh IMAP user: (login, password)."""
    return mail_server.new_user()


@pytest.fixture
def trust_dovecot(mail_server, monkeypatch):
    """Make the test server's self-signed certificate trusted, as a real CA's would be."""
    monkeypatch.setenv("SSL_CERT_FILE", str(mail_server.cert_path))


@pytest.fixture
def make_mailbox(mail_server, account, trust_dovecot):
    from clearcrm.inbound.models import Mailbox

    def make(**settings) -> Mailbox:
        login, password = account
        settings.setdefault("port", mail_server.ssl_port)
        settings.setdefault("host", "localhost")
        mailbox = Mailbox(name="Sales", login=login, **settings)
        mailbox.password = password
        mailbox.folders = mailbox.folders or ["INBOX"]
        mailbox.save()
        return mailbox

    return make


@pytest.fixture
def put(mail_server, account):
    """Put messages into the test account over IMAP: put(raw, folder=..., flags=...)."""
    login, password = account

    def put(raw: bytes, folder: str = "INBOX", flags=()) -> int:
        return mail_server.append(login, password, folder, raw, flags=flags)

    return put


@pytest.fixture
def server_flags(mail_server, account):
    login, password = account
    return lambda folder="INBOX": mail_server.list_messages(login, password, folder)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test puts the migrations' data back after its flush.

    A flush empties every table: the seeded statuses, sources and roles are
    gone, and a flush without serialized_rollback re-creates content types
    that the next serialized test then inserts again (an IntegrityError). So
    transactional tests (marked, or asking for transactional_db or
    live_server) always restore the serialized database.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"transactional_db", "live_server"}:
            kwargs["transaction"] = True
        if kwargs.get("transaction") and "serialized_rollback" not in kwargs:
            item.add_marker(pytest.mark.django_db(**kwargs, serialized_rollback=True), append=False)
