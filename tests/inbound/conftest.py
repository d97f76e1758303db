"""A real SMTP server for the engine's tests (the Dovecot fixtures are in tests/conftest.py)."""

import pytest


@pytest.fixture
def server_flags(dovecot, account):
    login, password = account
    return lambda folder="INBOX": dovecot.list_messages(login, password, folder)


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
