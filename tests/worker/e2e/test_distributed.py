"""Distributed mode: two `clearcrm worker` and a `clearcrm listen` on PostgreSQL and Redis.

Every message is imported exactly once, both workers take part, and SIGKILL
of a worker mid-run and of the listener loses nothing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
from urllib.parse import urlsplit

import pytest

from tests.support.messages import message
from tests.support.processes import Clearcrm, wait_until
from tests.support.skipping import unavailable

pytestmark = pytest.mark.slow

MAILBOXES = 50
FIRST_BATCH = 20  # messages per mailbox before the processes start
REDIS_URL = os.environ.get("CLEARCRM_TEST_REDIS", "redis://127.0.0.1:6379/7")

CREATE_MAILBOXES = """
import json, os
from clearcrm.inbound.models import Mailbox
for login, password in json.loads(os.environ["ACCOUNTS"]):
    mailbox = Mailbox(name=login, host="localhost", port=int(os.environ["PORT"]), login=login,
                      folders=["INBOX"], check_every=1)
    mailbox.password = password
    mailbox.save()
"""


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database of its own, dropped afterwards."""
    import psycopg

    base = urlsplit(os.environ.get("CLEARCRM_TEST_POSTGRES", "postgres://postgres@127.0.0.1/x"))
    name = f"{base.path.strip('/') or 'clearcrm'}_dist_{secrets.token_hex(4)}"
    server = base._replace(scheme="postgresql", path="/postgres").geturl()
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL not reachable at {server}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    yield base._replace(path=f"/{name}").geturl()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def redis_queue():
    """(URL, queue name) on the test Redis database; the queue's keys are removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    name = f"test_{secrets.token_hex(4)}"
    yield REDIS_URL, name
    for key in client.scan_iter(f"huey.*.{name}*"):
        client.delete(key)


def test_two_workers_and_a_listener_import_everything_once_through_sigkills(
    site, tmp_path, dovecot, postgres_url, redis_queue
):
    import psycopg

    url, queue = redis_queue
    site.env.update(
        DATABASE_URL=postgres_url, CLEARCRM_REDIS_URL=url, CLEARCRM_QUEUE_NAME=queue,
        CLEARCRM_MINUTE_SECONDS="2", CLEARCRM_DISPATCH_EVERY="0.5",
    )  # fmt: skip
    site.run("migrate", "-v0")
    accounts = [dovecot.new_user() for _ in range(MAILBOXES)]
    for account in accounts:
        dovecot.append_many(*account, "INBOX", [message() for _ in range(FIRST_BATCH)])
    site.run("shell", "-c", CREATE_MAILBOXES, ACCOUNTS=json.dumps(accounts),
             PORT=str(dovecot.ssl_port))  # fmt: skip
    db = psycopg.connect(postgres_url.replace("postgres://", "postgresql://", 1), autocommit=True)

    def count(sql: str) -> int:
        return db.execute(sql).fetchone()[0]

    def deliver_one_each() -> None:
        for account in accounts:
            dovecot.append(*account, "INBOX", message())

    imported = "SELECT count(*) FROM inbound_ledgerentry WHERE outcome <> 'pending'"
    first = Clearcrm(site.data_dir, "worker", log=tmp_path / "worker1.log", **site.env)
    second = Clearcrm(site.data_dir, "worker", log=tmp_path / "worker2.log", **site.env)
    listener = Clearcrm(site.data_dir, "listen", log=tmp_path / "listen.log", **site.env)
    replacement = None
    try:
        wait_until(lambda: took_part(first) and took_part(second), "both workers to import")
        first.stop(signal.SIGKILL)
        at_kill = count(imported)

        idle = "SELECT count(*) FROM inbound_mailbox WHERE listener_state = 'idle'"
        wait_until(lambda: count(idle) == MAILBOXES, "every mailbox in IDLE")
        listener.stop(signal.SIGKILL)
        deliver_one_each()  # while nobody listens
        replacement = Clearcrm(site.data_dir, "listen", log=tmp_path / "listen2.log", **site.env)
        owners = "SELECT count(*) FROM inbound_mailbox WHERE listener_owner LIKE %s"

        def taken_over() -> bool:
            held = db.execute(owners, [f"%:{replacement.pid}:%"]).fetchone()[0]
            return held == MAILBOXES and count(idle) == MAILBOXES

        wait_until(taken_over, "the new listener to take every mailbox over")
        deliver_one_each()

        total = MAILBOXES * (FIRST_BATCH + 2)
        wait_until(lambda: count(imported) == total, f"{total} messages imported", 300)
        assert at_kill < MAILBOXES * FIRST_BATCH, "the worker was not killed mid-run"
        assert count("SELECT count(DISTINCT message_key) FROM inbound_ledgerentry") == total
        outcomes = db.execute("SELECT outcome, count(*) FROM inbound_ledgerentry GROUP BY 1")
        assert outcomes.fetchall() == [("lead_created", total)]
        assert count("SELECT count(*) FROM leads_lead") == total
        assert count("SELECT count(DISTINCT email) FROM leads_lead") == total
    finally:
        for proc in (first, second, listener, replacement):
            if proc is not None:
                proc.stop(signal.SIGTERM)
        db.close()


def took_part(worker: Clearcrm) -> bool:
    """Whether the worker's log shows an import that brought mail in."""
    return re.search(r"checked .*: [1-9]\d* seen", worker.output()) is not None
