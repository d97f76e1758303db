"""Failing mailboxes back off, not hammer the server; admins hear once, then of recovery."""

from __future__ import annotations

import math
import socket
import threading
import time

import pytest

from tests.support.processes import Clearcrm, status, wait_until

MINUTE = 0.25  # seconds in a schedule minute here: the 30-minute rules take 7.5 s


@pytest.fixture
def closing_server():
    """A TCP port that accepts and at once closes connections, counting them."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], accepted
    listener.close()


def login_failures(dovecot, login: str) -> int:
    text = dovecot.log_path.read_text(errors="replace")
    return sum("auth failed" in line and f"user=<{login}>" in line for line in text.splitlines())


def test_backoff_failing_notice_and_recovery(site, tmp_path, dovecot, closing_server):
    port, connections = closing_server
    site.run(
        "createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.org",
        DJANGO_SUPERUSER_PASSWORD="B0ss-pass-word",
    )  # fmt: skip
    wrong = dovecot.new_user()
    wrong_password = site.add_mailbox((wrong[0], "not-the-password"), "--check-every", "1")
    good = dovecot.new_user()
    broken = site.add_mailbox(good, "--check-every", "1", name="Broken")
    site.run("mailbox", "update", str(broken), "--host", "127.0.0.1", "--port", str(port))

    env = {**site.env, "CLEARCRM_MINUTE_SECONDS": str(MINUTE), "CLEARCRM_DISPATCH_EVERY": "0.2"}
    worker = Clearcrm(site.data_dir, "worker", log=tmp_path / "worker.log", **env)
    started = time.monotonic()
    try:

        def mailbox(pk: int) -> dict:
            return next(m for m in status(site.data_dir, **site.env)["mailboxes"] if m["id"] == pk)

        failing = wait_until(lambda: mailbox(broken)["failing"] and mailbox(broken), "failing")
        minutes = (time.monotonic() - started) / MINUTE
        # Failing after 5 failures spanning 30 minutes, each wait doubling from 2 minutes:
        # at most about log2(elapsed) attempts where a check every minute would make one
        # a minute.
        assert 5 <= len(connections) <= math.log2(minutes) + 2
        # (a check may be connecting right now, its failure not yet recorded)
        assert len(connections) - 1 <= failing["consecutive_failures"] <= len(connections)
        assert f"127.0.0.1:{port}" in failing["last_error"]
        # A refused login is tried again only after 30 minutes.
        assert 1 <= login_failures(dovecot, wrong[0]) <= 1 + minutes / 30
        assert mailbox(wrong_password)["failing"] is False  # too few failures yet

        notices = "SELECT text FROM notifications_notification WHERE text LIKE ? ORDER BY id"
        wait_until(lambda: site.query(notices, "Mailbox Broken is failing%"), "the failing notice")

        # Fixed by the admin: the next check succeeds and the admins hear of it.
        site.run(
            "mailbox", "update", str(broken), "--host", "localhost",
            "--port", str(dovecot.ssl_port), "--password-env", "PW", PW=good[1],
        )  # fmt: skip
        wait_until(lambda: not mailbox(broken)["failing"], "the recovery", 120)
        recovered = mailbox(broken)
        assert recovered["consecutive_failures"] == 0 and recovered["last_error"] is None
        assert len(site.query(notices, "Mailbox Broken is failing%")) == 1
        assert len(site.query(notices, "Mailbox Broken works again%")) == 1
    finally:
        assert worker.stop() == 0
