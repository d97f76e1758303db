"""Smoke tests for the test-support Dovecot server and TCP proxy.

No Django and no database: these only prove the helpers work, fast.
"""

from __future__ import annotations

import contextlib
import datetime
import imaplib
import os
import socket
import ssl
import statistics
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.support.dovecot import Dovecot, DovecotUnavailable
from tests.support.skipping import unavailable
from tests.support.tcpproxy import TcpProxy

# What a blocking client may raise when its connection dies mid-command.
BROKEN_CONNECTION = (imaplib.IMAP4.abort, OSError)


def make_message(n: int, body: str = "", size: int = 0) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.com>"
    msg["To"] = "crm@example.com"
    msg["Subject"] = f"Message {n}"
    msg["Message-ID"] = f"<smoke-{n}@example.com>"
    msg.set_content(body or f"Hello number {n}.\n" + "x" * size)
    return msg.as_bytes().replace(b"\n", b"\r\n")


@pytest.fixture(autouse=True)
def _files_in_tmp() -> None:
    """Override tests/conftest.py's Django-settings fixture of the same name.

    These tests touch neither Django nor its storage, and this keeps the module
    runnable without pytest-django (``-p no:django``).
    """


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    try:
        server = Dovecot().start()
    except DovecotUnavailable as exc:
        unavailable(f"Dovecot unavailable: {exc}")
    print(f"Dovecot started in {server.startup_seconds:.3f} s at {server.root}")
    yield server
    server.stop()


@pytest.fixture
def user(dovecot: Dovecot) -> tuple[str, str]:
    return dovecot.new_user()


def fetch_bodies(client: IMAPClient, folder: str = "INBOX") -> dict[int, bytes]:
    client.select_folder(folder, readonly=True)
    data = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    return {uid: d[b"BODY[]"] for uid, d in data.items()}


def test_append_and_read_back_over_implicit_tls(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    raws = [make_message(i) for i in range(3)]
    first = dovecot.append(login, password, "INBOX", raws[0], flags=[r"\Seen"])
    rest = dovecot.append_many(login, password, "INBOX", raws[1:])
    assert [first, *rest] == [1, 2, 3]

    with dovecot.client(login, password) as c:
        assert isinstance(c._imap.sock, ssl.SSLSocket)
        assert c._imap.sock.getpeername()[1] == dovecot.ssl_port
        assert fetch_bodies(c) == dict(zip([1, 2, 3], raws, strict=True))
    assert dovecot.list_messages(login, password, "INBOX") == {1: {r"\Seen"}, 2: set(), 3: set()}


def test_read_back_over_starttls(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    raws = [make_message(i) for i in range(3)]
    dovecot.append_many(login, password, "INBOX", raws)
    with dovecot.client(login, password, starttls=True) as c:
        assert isinstance(c._imap.sock, ssl.SSLSocket)
        assert c._imap.sock.getpeername()[1] == dovecot.port
        assert list(fetch_bodies(c).values()) == raws


def test_plaintext_login_refused_before_starttls_on_alt_host(
    dovecot: Dovecot, user: tuple[str, str]
) -> None:
    login, password = user
    with IMAPClient(dovecot.alt_host, dovecot.alt_port, ssl=False, timeout=10) as c:
        # Why this works: the kernel picks source 127.0.0.1 for 127.0.0.2, so
        # client IP != server IP and Dovecot does not treat us as "secured".
        assert c._imap.sock.getsockname()[0] == "127.0.0.1"
        assert b"LOGINDISABLED" in c.capabilities()
        with pytest.raises(LoginError, match=r"(?i)plaintext"):
            c.login(login, password)
        # The same connection may log in once upgraded.
        c.starttls(dovecot.ssl_context())
        c.login(login, password)


def test_plaintext_login_allowed_on_same_ip(dovecot: Dovecot, user: tuple[str, str]) -> None:
    """127.0.0.1 -> 127.0.0.1 is "secured" for Dovecot: usable for 'encryption: none'."""
    login, password = user
    c = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    c.login(login, password)
    assert not isinstance(c._imap.sock, ssl.SSLSocket)
    c.logout()


def test_wrong_password_fails_quickly(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    started = time.monotonic()
    with pytest.raises(LoginError):
        dovecot.client(login, password + "x")
    # A later good login is not delayed by Dovecot's auth penalty either.
    dovecot.client(login, password).logout()
    assert time.monotonic() - started < 2


def test_capabilities_and_move(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    dovecot.create_folder(login, password, "Archive")
    uid = dovecot.append(login, password, "INBOX", make_message(1))
    with dovecot.client(login, password) as c:
        caps = set(c.capabilities())
        assert {b"MOVE", b"UIDPLUS", b"IDLE", b"MULTIAPPEND", b"SPECIAL-USE"} <= caps
        c.select_folder("INBOX")
        c.move([uid], "Archive")
        folders = {name: flags for flags, _sep, name in c.list_folders()}
        assert b"\\Archive" in folders["Archive"]
    assert dovecot.list_messages(login, password, "INBOX") == {}
    assert dovecot.list_messages(login, password, "Archive") == {1: set()}


def test_folders_and_flags_helpers(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    uids = dovecot.append_many(login, password, "Clients/ACME", [make_message(i) for i in range(5)])
    assert uids == [1, 2, 3, 4, 5]
    dovecot.set_flags(login, password, "Clients/ACME", uids[:2], [r"\Seen", r"\Flagged"])
    listed = dovecot.list_messages(login, password, "Clients/ACME")
    assert listed == {
        1: {r"\Seen", r"\Flagged"},
        2: {r"\Seen", r"\Flagged"},
        3: set(),
        4: set(),
        5: set(),
    }
    dovecot.delete_folder(login, password, "Clients/ACME")
    with dovecot.client(login, password) as c:
        assert not c.folder_exists("Clients/ACME")


def test_append_sets_internal_date(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    when = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    uid = dovecot.append(login, password, "Old", make_message(1), msg_time=when)
    with dovecot.client(login, password) as c:
        c.normalise_times = False  # keep the server's timezone offset
        c.select_folder("Old", readonly=True)
        assert c.fetch([uid], ["INTERNALDATE"])[uid][b"INTERNALDATE"] == when


def test_append_many_is_fast(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    started = time.monotonic()
    raws = [
        b"Subject: bulk %d\r\nMessage-ID: <bulk-%d@example.com>\r\n\r\nHi\r\n" % (i, i)
        for i in range(1000)
    ]
    uids = dovecot.append_many(login, password, "INBOX", raws)
    assert uids == list(range(1, 1001))
    assert time.monotonic() - started < 10  # ~0.2 s measured; generous for CI


def test_mail_process_does_not_run_as_root(dovecot: Dovecot, user: tuple[str, str]) -> None:
    with dovecot.client(*user) as c:
        c.select_folder("INBOX")
        uids = {}
        for pid in dovecot.processes():
            with contextlib.suppress(OSError):
                title = Path(f"/proc/{pid}/cmdline").read_bytes()
                status = Path(f"/proc/{pid}/status").read_text()
                uids[title.rstrip(b"\0")] = int(status.split("Uid:")[1].split()[0])
    imap = [uid for title, uid in uids.items() if title.endswith(b"/imap")]
    assert imap, uids
    assert all(uid != 0 for uid in imap)
    if os.geteuid() != 0:
        assert set(uids.values()) == {os.geteuid()}


def test_missing_binary_is_reported() -> None:
    with pytest.raises(DovecotUnavailable):
        Dovecot(binary="/nonexistent/dovecot").start()


# ---------------------------------------------------------------- TCP proxy


def proxied_client(dovecot: Dovecot, proxy: TcpProxy, login: str, password: str) -> IMAPClient:
    """Implicit TLS through the proxy; the cert still verifies (SAN 127.0.0.1)."""
    c = IMAPClient("127.0.0.1", proxy.port, ssl=True, ssl_context=dovecot.ssl_context(), timeout=10)
    c.login(login, password)
    return c


def noop_seconds(c: IMAPClient, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        c.noop()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_proxy_delay_adds_round_trip_latency(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    with dovecot.client(login, password) as direct:
        direct_rtt = noop_seconds(direct)
    with TcpProxy("127.0.0.1", dovecot.ssl_port, delay=0.025) as proxy:
        with proxied_client(dovecot, proxy, login, password) as c:
            proxied_rtt = noop_seconds(c)
        assert proxy.connections == 1
        assert proxy.bytes_client_to_server > 0 and proxy.bytes_server_to_client > 0
    # 25 ms each way => at least ~50 ms per NOOP round trip.
    assert proxied_rtt >= direct_rtt + 0.045, (direct_rtt, proxied_rtt)
    assert proxied_rtt < 0.5


def test_proxy_delay_does_not_cap_throughput(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    big = make_message(1, size=8 * 1024 * 1024)
    uid = dovecot.append(login, password, "INBOX", big)
    with dovecot.client(login, password) as c:
        c.select_folder("INBOX", readonly=True)
        started = time.monotonic()
        c.fetch([uid], ["BODY.PEEK[]"])
        direct = time.monotonic() - started
    with (
        TcpProxy("127.0.0.1", dovecot.ssl_port, delay=0.025) as proxy,
        proxied_client(dovecot, proxy, login, password) as c,
    ):
        c.select_folder("INBOX", readonly=True)
        started = time.monotonic()
        body = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        elapsed = time.monotonic() - started
    assert body == big
    # Measured ~0.3 s either way.  Sleeping 25 ms per chunk serially would add
    # >= 128 chunks (8 MiB / 64 KiB) * 25 ms = 3.2 s.
    assert elapsed < direct + 1.0, (direct, elapsed)


def test_cut_after_breaks_a_big_fetch_midway(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    big = make_message(1, size=2 * 1024 * 1024)
    uid = dovecot.append(login, password, "INBOX", big)
    with TcpProxy("127.0.0.1", dovecot.ssl_port) as proxy:
        c = proxied_client(dovecot, proxy, login, password)
        c.select_folder("INBOX", readonly=True)
        before = proxy.bytes_server_to_client
        proxy.cut_after(100_000)
        with pytest.raises(BROKEN_CONNECTION):
            c.fetch([uid], ["BODY.PEEK[]"])
        c.shutdown()
        assert proxy.bytes_server_to_client - before == 100_000
        # New connections after the cut work normally.
        with proxied_client(dovecot, proxy, login, password) as again:
            again.select_folder("INBOX", readonly=True)
            assert again.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"] == big
        assert proxy.connections == 2


def test_cut_all_with_refuse_new(dovecot: Dovecot, user: tuple[str, str]) -> None:
    login, password = user
    with TcpProxy("127.0.0.1", dovecot.ssl_port) as proxy:
        c = proxied_client(dovecot, proxy, login, password)
        assert proxy.active_connections == 1
        proxy.cut_all(refuse_new=True)
        assert proxy.active_connections == 0
        with pytest.raises(BROKEN_CONNECTION):
            c.noop()
        c.shutdown()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
        proxy.accept_new()
        with proxied_client(dovecot, proxy, login, password) as again:
            again.noop()
        assert proxy.connections == 2
