"""Smoke tests for the test-support Cyrus server, in each of its variants.

No Django and no database: these only prove the helper works, fast.
"""

from __future__ import annotations

import os
import socket
import ssl
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from tests.support import cyrus as cyrus_module
from tests.support.cyrus import Cyrus, CyrusUnavailable
from tests.support.imapserver import ImapServer
from tests.support.servers import CYRUS_VARIANTS, ServerPool
from tests.support.skipping import unavailable
from tests.support.test_support_smoke import fetch_bodies, make_message

# variant: (personal prefix, separator, MOVE and UIDPLUS offered, LOGIN before TLS)
PROMISED = {
    "cyrus-upstream": ("", "/", True, True),
    "cyrus-debian": ("INBOX.", ".", True, True),
    "cyrus-nomove": ("", "/", False, True),
    "cyrus-tlsonly": ("", "/", True, False),
}


@pytest.fixture(autouse=True)
def _files_in_tmp() -> None:
    """Override tests/conftest.py's Django-settings fixture (see test_support_smoke.py)."""


@pytest.fixture(params=CYRUS_VARIANTS)
def variant(request: pytest.FixtureRequest, imap_servers: ServerPool) -> tuple[str, ImapServer]:
    return request.param, imap_servers.get(request.param)


@pytest.fixture
def upstream(imap_servers: ServerPool) -> ImapServer:
    return imap_servers.get("cyrus-upstream")


@pytest.fixture
def debian(imap_servers: ServerPool) -> ImapServer:
    return imap_servers.get("cyrus-debian")


def plain_client(server: ImapServer) -> IMAPClient:
    """Connected to the STARTTLS port, not yet encrypted nor logged in."""
    return IMAPClient(server.host, server.port, ssl=False, timeout=10)


def test_each_variant_presents_what_it_promises(variant: tuple[str, ImapServer]) -> None:
    name, server = variant
    prefix, separator, moves, plaintext = PROMISED[name]
    login, password = server.new_user()
    with server.client(login, password) as c:
        assert c.namespace().personal == ((prefix, separator),)
        assert c.list_folders("", "")[0][1] == separator.encode()
        caps = set(c.capabilities())
        assert (b"MOVE" in caps, b"UIDPLUS" in caps) == (moves, moves)
        assert {b"NAMESPACE", b"IDLE", b"MULTIAPPEND"} <= caps
    with plain_client(server) as c:
        assert (b"LOGINDISABLED" not in c.capabilities()) == plaintext
        assert b"STARTTLS" in c.capabilities()
    assert (server.personal_prefix, server.separator) == (prefix, separator)


def test_append_and_read_back_in_both_tls_modes(variant: tuple[str, ImapServer]) -> None:
    _name, server = variant
    login, password = server.new_user()
    folder = server.folder_name("Clients", "ACME")
    raws = [make_message(i) for i in range(3)]
    first = server.append(login, password, "INBOX", raws[0], flags=[r"\Seen"])
    rest = server.append_many(login, password, folder, raws[1:], flags=[r"\Flagged"])
    assert (first, rest) == (1, [1, 2])

    assert server.list_messages(login, password, "INBOX") == {1: {r"\Seen"}}
    assert server.list_messages(login, password, folder) == {1: {r"\Flagged"}, 2: {r"\Flagged"}}
    with server.client(login, password, starttls=True) as c:
        assert isinstance(c._imap.sock, ssl.SSLSocket)
        assert c._imap.sock.getpeername()[1] == server.port
        assert fetch_bodies(c, folder) == {1: raws[1], 2: raws[2]}
    with server.client(login, password) as c:
        assert c._imap.sock.getpeername()[1] == server.ssl_port
        assert fetch_bodies(c) == {1: raws[0]}


def test_folder_names_follow_the_namespace(upstream: ImapServer, debian: ImapServer) -> None:
    assert upstream.folder_name("Clients", "ACME") == "Clients/ACME"
    assert debian.folder_name("Clients", "ACME") == "INBOX.Clients.ACME"


def test_debian_namespace_refuses_folders_outside_inbox(debian: ImapServer) -> None:
    with debian.client(*debian.new_user()) as c:
        with pytest.raises(IMAPClientError, match="Permission denied"):
            c.create_folder("Done")
        c.create_folder("INBOX.Done")
        assert [name for _flags, _sep, name in c.list_folders()] == ["INBOX", "INBOX.Done"]


def test_append_many_in_batches(upstream: ImapServer) -> None:
    login, password = upstream.new_user()
    raws = [b"Subject: bulk %d\r\n\r\nHi\r\n" % i for i in range(450)]
    assert upstream.append_many(login, password, "INBOX", raws) == list(range(1, 451))
    assert len(upstream.list_messages(login, password, "INBOX")) == 450


def test_tls_only_variant_refuses_login_until_starttls(imap_servers: ServerPool) -> None:
    server = imap_servers.get("cyrus-tlsonly")
    login, password = server.new_user()
    with plain_client(server) as c, pytest.raises(LoginError, match="only available under a layer"):
        c.login(login, password)
    with plain_client(server) as c:
        c.starttls(server.ssl_context())
        assert b"LOGINDISABLED" not in c.capabilities()
        c.login(login, password)


def test_plaintext_login_is_allowed_by_default(upstream: ImapServer) -> None:
    login, password = upstream.new_user()
    with plain_client(upstream) as c:
        c.login(login, password)
        assert not isinstance(c._imap.sock, ssl.SSLSocket)


def test_processes_are_not_root_and_use_only_their_tree(debian: ImapServer) -> None:
    login, password = debian.new_user()
    debian.append(login, password, "INBOX", make_message(1))
    assert debian.root is not None
    opened: dict[int, set[str]] = {}
    with debian.client(login, password) as c:
        c.select_folder("INBOX")
        for pid in debian.processes():
            status = Path(f"/proc/{pid}/status").read_text()
            assert int(status.split("Uid:")[1].split()[0]) != 0
            fds = Path(f"/proc/{pid}/fd")
            opened[pid] = {os.readlink(fd) for fd in fds.iterdir()}
    files = {path for paths in opened.values() for path in paths if path.startswith("/")}
    outside = {path for path in files if not path.startswith(f"{debian.root}/")}
    assert outside == {"/dev/null"}
    assert f"{debian.root}/config/mailboxes.db" in files
    if os.geteuid() == 0:
        assert all(Path(f"/proc/{pid}").owner() == "cyrus" for pid in opened)


def test_a_port_taken_meanwhile_means_a_restart_on_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Bound but not listening: like a client socket that got the port.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        ports = [taken.getsockname()[1]]
        free_port = cyrus_module.free_port
        monkeypatch.setattr(
            cyrus_module, "free_port", lambda host: ports.pop() if ports else free_port(host)
        )
        try:
            server = Cyrus().start()
        except CyrusUnavailable as exc:
            unavailable(f"Cyrus unavailable: {exc}")
        try:
            assert taken.getsockname()[1] not in (server.port, server.ssl_port)
            server.new_user()  # the restarted tree is complete
        finally:
            server.stop()


def test_missing_binary_is_reported() -> None:
    with pytest.raises(CyrusUnavailable, match="cyrus-imapd"):
        Cyrus(binary="/nonexistent/master").start()
