"""A real Dovecot for the engine's tests, and mailboxes pointing at it."""

import pytest

from clearcrm.inbound.models import Mailbox
from tests.support.dovecot import Dovecot, DovecotUnavailable


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


@pytest.fixture
def server_flags(dovecot, account):
    login, password = account
    return lambda folder="INBOX": dovecot.list_messages(login, password, folder)
