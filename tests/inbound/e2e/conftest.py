"""A real IMAP and SMTP server for the engine's tests, and mailboxes using them.

The IMAP server is Dovecot unless a test parametrises ``mail_server``
(tests/support/servers.py), e.g. over ``EACH_SERVER``.
"""

import pytest

from tests.support.messages import message


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
def failed(make_mailbox, put, monkeypatch):
    """A message whose processing failed once, kept for a retry; the fault is gone after."""
    from clearcrm.inbound import decide
    from clearcrm.inbound.importer import import_mailbox
    from clearcrm.inbound.models import LedgerEntry

    fault = {"active": True}

    def explode(message):
        if fault["active"]:
            raise RuntimeError("temporary trouble")

    monkeypatch.setattr(decide, "RULES", [explode, *decide.RULES])
    put(message(subject="needs a retry"))
    import_mailbox(make_mailbox())
    entry = LedgerEntry.objects.get()
    fault["active"] = False
    return entry


@pytest.fixture
def server_flags(mail_server, account):
    login, password = account
    return lambda folder="INBOX": mail_server.list_messages(login, password, folder)


@pytest.fixture
def smtp(settings):
    """A real SMTP server, and ClearCRM's outgoing mail pointed at it."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server.inbox
    server.stop()


def import_at_once(mailboxes) -> list:
    """Import several mailboxes in threads started together, as separate workers would."""
    import threading

    from django.db import connection

    from clearcrm.inbound.importer import import_mailbox

    summaries = []

    def worker(mailbox) -> None:
        try:
            summaries.append(import_mailbox(mailbox))
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=worker, args=(m,)) for m in mailboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summaries
