"""The server pool (a server that cannot run here skips its tests, or fails them in CI),
and what every test server must do alike."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from imapclient.exceptions import LoginError

from tests.support import servers
from tests.support.cyrus import Cyrus
from tests.support.imapserver import ImapServer, ServerUnavailable, live_group_members
from tests.support.servers import SERVERS, ServerPool
from tests.support.skipping import unavailable
from tests.support.test_support_smoke import make_message


@pytest.fixture(autouse=True)
def _files_in_tmp() -> None:
    """Override tests/conftest.py's Django-settings fixture (see test_support_smoke.py)."""


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> ServerPool:
    """A pool that also knows "absent": a Cyrus whose binary is not installed."""
    monkeypatch.setitem(servers.SERVERS, "absent", lambda: Cyrus(binary="/nonexistent/master"))
    return ServerPool()


def test_a_missing_server_skips_outside_ci(
    pool: ServerPool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="absent unavailable: Cyrus master"):
        pool.get("absent")
    assert "`make system-deps` installs cyrus-common" in capsys.readouterr().out


def test_a_missing_server_fails_in_ci(pool: ServerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    for _ in range(2):  # also once it is known to be missing
        with pytest.raises(pytest.fail.Exception, match="CI=true"):
            pool.get("absent")


def test_each_server_is_started_once_per_process(imap_servers: ServerPool) -> None:
    first = imap_servers.get("cyrus-debian")
    assert imap_servers.get("cyrus-debian") is first and first.running


@pytest.mark.parametrize("mail_server", ["dovecot", "cyrus-upstream"], indirect=True)
def test_users_are_isolated(mail_server: ImapServer) -> None:
    a, b = mail_server.new_user("a"), mail_server.new_user("b")
    mail_server.append(*a, "INBOX", make_message(1))
    assert mail_server.list_messages(*b, "INBOX") == {}
    with pytest.raises(LoginError):
        mail_server.client(a[0], b[1])


@pytest.mark.parametrize("name", ["dovecot", "cyrus-upstream"])
def test_stop_leaves_no_process_and_no_files(name: str) -> None:
    try:
        server = SERVERS[name]().start()
    except ServerUnavailable as exc:
        unavailable(f"{name} unavailable: {exc}")
    pgid, root = server.pid, server.root
    assert pgid is not None and root is not None and len(server.processes()) >= 2
    server.stop()
    assert live_group_members(pgid) == []
    assert not Path(root).exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.ssl_port), timeout=2).close()
