"""The server pool: a server that cannot run here skips its tests, or fails them in CI."""

from __future__ import annotations

import pytest

from tests.support import servers
from tests.support.cyrus import Cyrus
from tests.support.servers import ServerPool


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
    assert "install the Debian packages cyrus-imapd and sasl2-bin" in capsys.readouterr().out


def test_a_missing_server_fails_in_ci(pool: ServerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    for _ in range(2):  # also once it is known to be missing
        with pytest.raises(pytest.fail.Exception, match="CI=true"):
            pool.get("absent")


def test_each_server_is_started_once_per_process(imap_servers: ServerPool) -> None:
    first = imap_servers.get("cyrus-debian")
    assert imap_servers.get("cyrus-debian") is first and first.running
