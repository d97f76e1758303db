"""Measure background work at scale: schedule lag, the IDLE listener, delivery to lead.

    .venv/bin/python bench/worker_scale.py [--mailboxes 1000] [--idle-mailboxes 1000]
        [--speedup 10] [--deliveries 200] [--parts schedule,listener,run]

It starts a throwaway Dovecot sized for many connections and prints:
  1. schedule lag (how late each check starts after it was due), p50/p95, for
     N mailboxes checked every 10 minutes by one and by two `clearcrm worker`
     processes on PostgreSQL + Redis, with default settings. `--speedup 10`
     runs the schedule at ten times its rate (a minute lasts 6 s), so the
     workers carry ten times the real load for two intervals;
  2. one `clearcrm listen` holding N mailboxes in IDLE: its peak RSS, and how
     long from an APPEND's completion until the queued import can be taken
     from Redis (EXISTS -> enqueue), p50/p95;
  3. under `clearcrm run` on SQLite with push on: from APPEND to the lead's
     ledger entry being committed, p50/p95.

PostgreSQL and Redis are this machine's (127.0.0.1); the bench makes its own
database (dropped afterwards) and its own queue name on Redis database 7.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import clearcrm, free_port  # noqa: E402
from tests.support.dovecot import Dovecot  # noqa: E402
from tests.support.messages import message  # noqa: E402
from tests.support.processes import Clearcrm, status  # noqa: E402

POSTGRES = os.environ.get("CLEARCRM_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("CLEARCRM_BENCH_REDIS", "redis://127.0.0.1:6379/7")

CREATE_MAILBOXES = """
import json, os
from datetime import datetime, timedelta, UTC
from clearcrm.inbound.models import Mailbox
spread = float(os.environ["SPREAD_SECONDS"])
now = datetime.now(UTC)
rows = []
for i, (login, password) in enumerate(json.loads(os.environ["ACCOUNTS"])):
    m = Mailbox(name=login, host="localhost", port=int(os.environ["PORT"]), login=login,
                folders=["INBOX"], check_every=10, push=os.environ["PUSH"] == "1",
                next_check_at=now + timedelta(seconds=spread * i / 1000.0))
    m.password = password
    rows.append(m)
Mailbox.objects.bulk_create(rows, batch_size=500)
"""


class BigDovecot(Dovecot):
    """The test Dovecot, with limits for a thousand connections held open at once."""

    def _render_config(self, *args: object) -> str:
        return (
            super()._render_config(*args)
            + """
default_process_limit = 3000
default_client_limit = 6000
default_vsz_limit = 512M
# All mail processes run as one user here, so past the kernel's 128 inotify
# instances per user Dovecot falls back to polling the folder for IDLE clients:
# every second, instead of every 30 s (real servers have one user per uid, or
# their own push; Dovecot adds a fixed 0.5 s notify delay either way).
mailbox_idle_check_interval = 1 secs
service imap {
  process_limit = 3000
}
# Performance mode: a few login processes proxy every TLS connection.
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 3000
}
service anvil {
  client_limit = 6000
}
service auth {
  client_limit = 6000
}
service stats {
  client_limit = 6000
}
"""
        )


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    q = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    return f"p50 {statistics.median(values):.2f} s, p95 {q[18]:.2f} s ({len(values)} samples)"


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


class Postgres:
    """A database of the bench's own on this machine's PostgreSQL."""

    def __init__(self) -> None:
        import psycopg

        self.name = f"clearcrm_bench_{secrets.token_hex(3)}"
        self.admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        self.url = f"{POSTGRES}/{self.name}".replace("postgresql://", "postgres://", 1)
        self.conn = psycopg.connect(f"{POSTGRES}/{self.name}", autocommit=True)

    def scalar(self, sql: str) -> int:
        return self.conn.execute(sql).fetchone()[0]

    def drop(self) -> None:
        self.conn.close()
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.close()


def distributed_site(
    dovecot: Dovecot, accounts: list, tmp: Path, *, push: bool, spread: float, **extra: str
) -> tuple[Postgres, dict[str, str]]:
    pg = Postgres()
    env = {
        "DATABASE_URL": pg.url, "CLEARCRM_REDIS_URL": REDIS,
        "CLEARCRM_QUEUE_NAME": f"bench_{secrets.token_hex(3)}",
        "SSL_CERT_FILE": str(dovecot.cert_path), **extra,
    }  # fmt: skip
    clearcrm(tmp, "migrate", "-v0", **env)
    script_env = env | {
        "ACCOUNTS": json.dumps(accounts), "PORT": str(dovecot.ssl_port),
        "PUSH": "1" if push else "0", "SPREAD_SECONDS": str(spread),
    }  # fmt: skip
    clearcrm(tmp, "shell", "-c", CREATE_MAILBOXES, **script_env)
    return pg, env


def schedule_lag(dovecot: Dovecot, accounts: list, tmp: Path, workers: int, speedup: float) -> None:
    minute = 60.0 / speedup
    interval = 10 * minute
    pg, env = distributed_site(
        dovecot, accounts, tmp, push=False, spread=interval * 1000 / len(accounts),
        CLEARCRM_MINUTE_SECONDS=str(minute),
    )  # fmt: skip
    logs = [tmp / f"worker{workers}-{i}.log" for i in range(workers)]
    procs = [Clearcrm(tmp, "worker", log=log, **env) for log in logs]
    try:
        time.sleep(2 * interval)  # measure the second interval: the first warms up
    finally:
        for proc in procs:
            proc.stop()
        pg.drop()
    lines = [line for log in logs for line in log.read_text().splitlines()]
    stamped = [
        (datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f"), float(m.group(2)))
        for line in lines
        if (m := re.match(r"(\S+ \S+) INFO .* checked ([\d.]+) s after due", line))
    ]
    begin = min(t for t, _ in stamped)
    lags = [lag for t, lag in stamped if (t - begin).total_seconds() >= interval]
    print(
        f"  {workers} worker(s), {len(accounts)} mailboxes every 10 min at {speedup:g}x "
        f"({len(accounts) / interval:.1f} checks/s): schedule lag {percentiles(lags)}"
    )


def listener(dovecot: Dovecot, accounts: list, tmp: Path, deliveries: int) -> None:
    from huey import PriorityRedisHuey

    pg, env = distributed_site(dovecot, accounts, tmp, push=True, spread=3600)
    queue = PriorityRedisHuey(env["CLEARCRM_QUEUE_NAME"], url=REDIS, results=False)
    started = time.monotonic()
    proc = Clearcrm(tmp, "listen", log=tmp / "listen.log", **env)
    try:
        idle = "SELECT count(*) FROM inbound_mailbox WHERE listener_state = 'idle'"
        while pg.scalar(idle) < len(accounts):
            if time.monotonic() - started > 600 or proc.proc.poll() is not None:
                raise SystemExit(f"listener not in IDLE everywhere:\n{proc.output()[-2000:]}")
            time.sleep(1)
        print(f"  {len(accounts)} mailboxes in IDLE after {time.monotonic() - started:.0f} s, "
              f"listener peak RSS {peak_rss_mb(proc.pid):.0f} MB")  # fmt: skip
        queue.flush()
        latencies = deliver_and_dequeue(dovecot, accounts, pg, queue, deliveries)
        print(f"  EXISTS -> enqueue: {percentiles(latencies)}; "
              f"listener peak RSS {peak_rss_mb(proc.pid):.0f} MB")  # fmt: skip
    finally:
        proc.stop()
        queue.flush()
        pg.drop()


def deliver_and_dequeue(dovecot, accounts, pg, queue, deliveries: int) -> list[float]:
    """APPEND to random mailboxes, one at a time; time each until its task is in the queue."""
    ids = dict(pg.conn.execute("SELECT login, id FROM inbound_mailbox").fetchall())
    appended: dict[int, float] = {}
    received: dict[int, float] = {}
    done = threading.Event()

    def consume() -> None:
        while not done.is_set() or len(received) < len(appended):
            data = queue.storage.dequeue()
            if data is not None:
                received.setdefault(queue.serializer.deserialize(data).args[0], time.monotonic())
            elif done.is_set():
                break

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    for login, password in random.Random(7).sample(accounts, deliveries):
        dovecot.append(login, password, "INBOX", message())
        appended[ids[login]] = time.monotonic()
        time.sleep(0.05)
    deadline = time.monotonic() + 60
    while len(received) < len(appended) and time.monotonic() < deadline:
        time.sleep(0.5)
    done.set()
    consumer.join(10)
    return [received[m] - t for m, t in appended.items() if m in received]


def delivery_to_lead(dovecot: Dovecot, tmp: Path, deliveries: int) -> None:
    login, password = dovecot.new_user()
    data = tmp / "run"
    data.mkdir()
    env = {
        "SSL_CERT_FILE": str(dovecot.cert_path), "IMAP_PASSWORD": password,
        "CLEARCRM_ADMIN_PASSWORD": secrets.token_urlsafe(12),
    }  # fmt: skip
    clearcrm(data, "migrate", "-v0", **env)
    clearcrm(
        data, "mailbox", "add", "--name", "Sales", "--host", "localhost",
        "--port", str(dovecot.ssl_port), "--login", login, "--password-env", "IMAP_PASSWORD",
        **env,
    )  # fmt: skip
    proc = Clearcrm(data, "run", "--port", str(free_port()), log=tmp / "run.log", **env)
    try:
        wait_for_idle(data, env)
        appended = {}
        for i in range(deliveries):
            raw = message(message_id=f"<bench-{i}@example.org>")
            dovecot.append(login, password, "INBOX", raw)
            appended[f"<bench-{i}@example.org>"] = time.time()
            time.sleep(1.0)  # one delivery at a time, as mail arrives
        time.sleep(5)
    finally:
        proc.stop()
    db = sqlite3.connect(data / "clearcrm.sqlite3")
    rows = db.execute("SELECT message_id, processed_at FROM inbound_ledgerentry").fetchall()
    latencies = [
        datetime.fromisoformat(done).replace(tzinfo=UTC).timestamp()
        - appended[f"<{mid.strip('<>')}>"]
        for mid, done in rows
        if f"<{mid.strip('<>')}>" in appended and done
    ]
    if not latencies:
        print(
            f"    (no lead matched: {rows[:3]}; log tail: {(tmp / 'run.log').read_text()[-1500:]})"
        )
    print(f"  {deliveries} deliveries, one a second, push on: delivery -> lead "
          f"{percentiles(latencies)}")  # fmt: skip


def wait_for_idle(data: Path, env: dict[str, str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if status(data, **env)["mailboxes"][0]["listener"] == "idle":
            return
        time.sleep(1)
    raise SystemExit("clearcrm run's listener did not reach IDLE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mailboxes", type=int, default=1000)
    parser.add_argument("--idle-mailboxes", type=int, default=1000)
    parser.add_argument("--speedup", type=float, default=10.0)
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--parts", default="schedule,listener,run")
    parser.add_argument("--workers", default="1,2", help="worker counts for the schedule")
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    with BigDovecot() as dovecot, tempfile.TemporaryDirectory(prefix="clearcrm-bench-") as tmp:
        tmp_path = Path(tmp)
        if "schedule" in parts:
            print("Schedule lag (PostgreSQL + Redis, default settings):")
            accounts = [dovecot.new_user() for _ in range(args.mailboxes)]
            for workers in map(int, args.workers.split(",")):
                schedule_lag(dovecot, accounts, tmp_path, workers, args.speedup)
        if "listener" in parts:
            print("IDLE listener (one `clearcrm listen`, PostgreSQL + Redis):")
            accounts = [dovecot.new_user() for _ in range(args.idle_mailboxes)]
            listener(dovecot, accounts, tmp_path, min(args.deliveries, len(accounts)))
        if "run" in parts:
            print("Delivery to lead under `clearcrm run` (SQLite, embedded):")
            delivery_to_lead(dovecot, tmp_path, min(args.deliveries, 60))


if __name__ == "__main__":
    main()
