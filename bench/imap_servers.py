"""What the IMAP test servers cost: start-up, connecting, and a few commands.

    .venv/bin/python bench/imap_servers.py [--rounds 10]

For each server of tests/support/servers.py it prints the start-up time, the
median time to connect and log in over implicit TLS, STARTTLS and (where
allowed) plain text, and the median time of a SELECT, a SEARCH and an APPEND
on an open connection.  Cyrus's imapd does not set TCP_NODELAY, which shows as
~40 ms (the client's delayed ACK) wherever it writes twice in a row.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402

from tests.support.imapserver import ImapServer  # noqa: E402
from tests.support.servers import SERVERS  # noqa: E402


def median_ms(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def plain_login(server: ImapServer, login: str, password: str) -> None:
    client = IMAPClient(server.host, server.port, ssl=False, timeout=10)
    client.login(login, password)
    client.logout()


def measure(name: str, rounds: int) -> str:
    server = SERVERS[name]().start()
    try:
        login, password = server.new_user()
        tls = median_ms(lambda: server.client(login, password).logout(), rounds)
        starttls = median_ms(lambda: server.client(login, password, starttls=True).logout(), rounds)
        plain = (
            "-"
            if name == "cyrus-tlsonly"
            else f"{median_ms(lambda: plain_login(server, login, password), rounds):.1f}"
        )
        with server.client(login, password) as client:
            select = median_ms(lambda: client.select_folder("INBOX"), rounds)
            search = median_ms(lambda: client.search("ALL"), rounds)
            append = median_ms(lambda: client.append("INBOX", b"Subject: x\r\n\r\ny\r\n"), rounds)
        return (
            f"{name:<15} {server.startup_seconds * 1000:8.0f} {tls:8.1f} {starttls:9.1f} "
            f"{plain:>7} {select:7.1f} {search:7.1f} {append:7.1f}"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print("milliseconds; connect columns include LOGIN and LOGOUT, medians of", args.rounds)
    print(
        f"{'server':<15} {'start':>8} {'tls':>8} {'starttls':>9} {'plain':>7} "
        f"{'select':>7} {'search':>7} {'append':>7}"
    )
    for name in SERVERS:
        print(measure(name, args.rounds), flush=True)


if __name__ == "__main__":
    main()
