"""Fixtures for the real IMAP servers: each started at most once per test process.

Loaded by tests/conftest.py (``pytest_plugins``), so every test can use them;
no Django needed.  Under pytest-xdist every worker is its own process and so
has private instances.  They start on first use and stop at the end of the
session (Dovecot ~0.07 s, each Cyrus variant ~0.1 s to start, measured).

* ``imap_servers``: the per-process pool; ``imap_servers.get("cyrus-debian")``.
* ``mail_server``: Dovecot, or, parametrised indirectly, any of ``SERVERS``::

      @pytest.mark.parametrize("mail_server", EACH_SERVER, indirect=True)
      def test_move(mail_server): ...

A server that cannot run here (package missing) makes its tests skip with the
reason printed, or fail when ``CI=true``: CI must run every test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.cyrus import Cyrus
from tests.support.dovecot import Dovecot
from tests.support.imapserver import ImapServer, ServerUnavailable
from tests.support.skipping import unavailable

# Every server the suite can start, by the name tests use (and see as their id).
SERVERS: dict[str, Callable[[], ImapServer]] = {
    "dovecot": Dovecot,
    # Cyrus's own defaults since 3.0: folders beside INBOX, separator "/".
    "cyrus-upstream": Cyrus,
    # Debian's /etc/imapd.conf: folders under "INBOX.", separator ".".
    "cyrus-debian": lambda: Cyrus(namespace="debian"),
    # No MOVE (RFC 6851) and no UIDPLUS (RFC 4315): COPY, and no UID EXPUNGE.
    "cyrus-nomove": lambda: Cyrus(suppress_capabilities=("MOVE", "UIDPLUS")),
    # allowplaintext: no -- LOGINDISABLED until STARTTLS.
    "cyrus-tlsonly": lambda: Cyrus(allow_plaintext=False),
}
# The servers whose behaviour differs for the engine (the TLS-only variant
# differs only before login).
EACH_SERVER = ["dovecot", "cyrus-upstream", "cyrus-debian", "cyrus-nomove"]
CYRUS_VARIANTS = [name for name in SERVERS if name.startswith("cyrus")]


class ServerPool:
    """Servers of this process, started on first ``get`` and stopped by ``stop_all``."""

    def __init__(self) -> None:
        self._started: dict[str, ImapServer] = {}
        self._missing: dict[str, str] = {}

    def get(self, name: str) -> ImapServer:
        """The running server ``name`` (a key of SERVERS); skips or fails if unavailable."""
        if name in self._missing:
            unavailable(self._missing[name])
        if name not in self._started:
            try:
                self._started[name] = SERVERS[name]().start()
            except ServerUnavailable as exc:
                self._missing[name] = f"{name} unavailable: {exc}"
                unavailable(self._missing[name])
        return self._started[name]

    def stop_all(self) -> None:
        for server in self._started.values():
            server.stop()
        self._started.clear()


@pytest.fixture(scope="session")
def imap_servers() -> Iterator[ServerPool]:
    pool = ServerPool()
    yield pool
    pool.stop_all()


@pytest.fixture
def mail_server(request: pytest.FixtureRequest, imap_servers: ServerPool) -> ImapServer:
    """Dovecot, or the server named by indirect parametrisation (see the module doc)."""
    return imap_servers.get(getattr(request, "param", "dovecot"))
