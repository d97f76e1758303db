"""A real SMTP server for the engine's tests, and a message that failed once.

The IMAP fixtures (mail_server, account, make_mailbox, put, ...) are in
tests/conftest.py; the server is Dovecot unless a test parametrises
``mail_server`` (tests/support/servers.py), e.g. over ``EACH_SERVER``.
"""

import pytest

from tests.support.messages import message


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
