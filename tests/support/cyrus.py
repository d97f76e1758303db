"""A real, throwaway Cyrus IMAP server for tests, the second server next to Dovecot.

``Cyrus`` starts a private Cyrus ``master`` (Debian's ``cyrus-imapd``) with its
own imapd.conf and cyrus.conf in a fresh temporary directory: config dir,
spool, sockets, locks, sasldb and certificate all live there; /etc/imapd.conf,
/etc/cyrus.conf, /var/lib/cyrus and /var/spool/cyrus are never used.  Every
service is started with ``-C`` pointing at the private imapd.conf, because the
master does not pass its own ``-C`` on to the processes it spawns (they would
read /etc/imapd.conf: observed).  Start-up takes ~0.07 s (measured).

Listeners (free ports picked at start, 127.0.0.1): ``port`` plain IMAP with
STARTTLS, ``ssl_port`` implicit TLS (``imapd -s``); a self-signed certificate.

Variants, chosen by constructor arguments:

* ``namespace="upstream"`` (Cyrus's own default since 3.0: ``altnamespace: yes``,
  ``unixhierarchysep: yes``): personal folders beside INBOX, separator ``/``.
* ``namespace="debian"`` (Debian's /etc/imapd.conf: both ``no``): personal
  folders under ``INBOX.``, separator ``.``; ``CREATE Done`` is refused with
  "Permission denied".
* ``suppress_capabilities=("MOVE", "UIDPLUS")``: the server hides them (it
  still answers APPEND with APPENDUID, which ``append`` relies on).
* ``allow_plaintext=False`` (``allowplaintext: no``): before STARTTLS the server
  advertises LOGINDISABLED and answers LOGIN with "NO Login only available
  under a layer".

Users live in the private sasldb (``saslpasswd2``, realm = ``servername``);
their INBOX is created at their first login (``autocreate_quota: 0``, no quota).

Privileges: as root the master switches to the ``cyrus`` user of the Debian
package (``cyrus_user``), so the tree is chowned to it; as a normal user
everything runs as that user.  Cyrus logs to syslog, which a test machine
usually lacks, so ``log_tail`` has only what the processes print themselves.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

from imapclient import IMAPClient

from tests.support.imapserver import (
    ImapServer,
    ServerError,
    ServerUnavailable,
    find_binary,
    free_port,
)

__all__ = ["Cyrus", "CyrusError", "CyrusUnavailable"]

Namespace = Literal["upstream", "debian"]

# Debian's and Fedora's places for the daemons.
LIBEXEC_DIRS = ("/usr/lib/cyrus/bin", "/usr/libexec/cyrus-imapd")
# Debian will not install cyrus-imapd beside dovecot-imapd (both are an
# "imap-server"), so `make system-deps` unpacks its imapd here instead.
PRIVATE_IMAPD_DIR = Path(__file__).resolve().parents[2] / ".tools/cyrus-imapd/usr/lib/cyrus/bin"
# Letters and digits only: "." is the hierarchy separator in the Debian variant.
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]*$")


class CyrusUnavailable(ServerUnavailable):
    """Cyrus cannot run on this machine (a binary is missing); tests should skip."""


class CyrusError(ServerError):
    """The private Cyrus failed to start or misbehaved (message has the log tail)."""


class Cyrus(ImapServer):
    """A private Cyrus IMAP server in a temp dir; also a context manager."""

    name = "cyrus"
    Error = CyrusError
    log_files: ClassVar[tuple[str, ...]] = ("master.log", "stderr.log")

    def __init__(
        self,
        *,
        namespace: Namespace = "upstream",
        suppress_capabilities: Iterable[str] = (),
        allow_plaintext: bool = True,
        **options: Any,
    ) -> None:
        """Configure (but do not start) a server; ``options`` as for ``ImapServer``."""
        super().__init__(**options)
        if namespace not in ("upstream", "debian"):
            raise ValueError(f"unknown namespace variant {namespace!r}")
        self.namespace = namespace
        self.suppress_capabilities = tuple(suppress_capabilities)
        self.allow_plaintext = allow_plaintext
        upstream = namespace == "upstream"
        self.personal_prefix = "" if upstream else "INBOX."
        self.separator = "/" if upstream else "."
        self._saslpasswd: str | None = None
        self._imapd: str | None = None

    @property
    def config_path(self) -> Path:
        return self._path("imapd.conf")

    @property
    def servername(self) -> str:
        """Shown in the greeting; also the SASL realm of every user."""
        return f"cyrus-test-{self._path().name.removeprefix('cyrus-')}"

    def _find_binary(self) -> str:
        # Not on $PATH: another program may be called "master" there.
        master = self._binary or shutil.which("master", path=os.pathsep.join(LIBEXEC_DIRS))
        # Debian's sasl2-bin; users cannot be made without it.
        self._saslpasswd = find_binary("saslpasswd2", "/usr/sbin")
        self._imapd = shutil.which(
            "imapd", path=os.pathsep.join((*LIBEXEC_DIRS, str(PRIVATE_IMAPD_DIR)))
        )
        missing = [
            what
            for what, path in (
                ("Cyrus master", master), ("Cyrus imapd", self._imapd),
                ("saslpasswd2", self._saslpasswd),
            )
            if path is None or not os.access(path, os.X_OK)
        ]  # fmt: skip
        if missing or master is None:
            raise CyrusUnavailable(
                f"{' and '.join(missing)} not found "
                "(`make system-deps` installs cyrus-common and sasl2-bin, and unpacks "
                "cyrus-imapd's imapd into .tools/)"
            )
        return master

    def _command(self) -> list[str]:
        assert self._binary is not None
        return [
            self._binary,
            *("-C", str(self.config_path)),
            *("-M", str(self._path("cyrus.conf"))),
            *("-p", str(self._path("run", "master.pid"))),
            *("-L", str(self._path("master.log"))),
        ]

    # ---------------------------------------------------------------- set-up

    @staticmethod
    def _run_as() -> pwd.struct_passwd:
        """The account every Cyrus process runs as."""
        if os.geteuid() != 0:
            return pwd.getpwuid(os.getuid())
        try:
            # Created by the cyrus-common package; Cyrus refuses to run as root.
            return pwd.getpwnam("cyrus")
        except KeyError:
            raise CyrusUnavailable("running as root but there is no 'cyrus' user") from None

    def _prepare_tree(self) -> None:
        root = self._make_root()
        for sub in ("config/socket", "spool", "run/proc", "run/lock"):
            self._path(*sub.split("/")).mkdir(parents=True, exist_ok=True)
        self.port, self.ssl_port = free_port(self.host), free_port(self.host)
        account = self._run_as()
        self.config_path.write_text(self._render_imapd_conf(account.pw_name))
        self._path("cyrus.conf").write_text(self._render_cyrus_conf())
        if os.geteuid() == 0:
            for path in (root, *root.rglob("*")):
                os.chown(path, account.pw_uid, account.pw_gid)

    def _render_imapd_conf(self, user: str) -> str:
        r = self.root
        yes_no = {True: "yes", False: "no"}
        upstream = self.namespace == "upstream"
        suppress = " ".join(self.suppress_capabilities)
        return f"""\
# Generated by tests/support/cyrus.py -- standalone, nothing from /etc/imapd.conf.
configdirectory: {r}/config
defaultpartition: default
partition-default: {r}/spool
proc_path: {r}/run/proc
mboxname_lockpath: {r}/run/lock
idlesocket: {r}/config/socket/idle
lmtpsocket: {r}/config/socket/lmtp
notifysocket: {r}/config/socket/notify
servername: {self.servername}
syslog_prefix: {self.servername}
cyrus_user: {user}

altnamespace: {yes_no[upstream]}
unixhierarchysep: {yes_no[upstream]}
allowplaintext: {yes_no[self.allow_plaintext]}
{f"suppress_capabilities: {suppress}" if suppress else ""}

# A user's INBOX appears at the first login, without a quota.
autocreate_quota: 0
# Tests make failed logins on purpose: answer at once, not after 3 s.
failedloginpause: 0
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {r}/sasldb2
sasl_mech_list: PLAIN

tls_server_cert: {self.cert_path}
tls_server_key: {self.key_path}
"""

    def _render_cyrus_conf(self) -> str:
        imapd = self._imapd
        recover = str(Path(self._binary or "").with_name("ctl_cyrusdb"))
        conf = f"-C {self.config_path}"
        return f"""\
# Generated by tests/support/cyrus.py.  Every command gets -C: the master
# does not pass its own on.
START {{
  recover cmd="{recover} {conf} -r"
}}
SERVICES {{
  imap cmd="{imapd} {conf}" listen="{self.host}:{self.port}" prefork=1
  imaps cmd="{imapd} {conf} -s" listen="{self.host}:{self.ssl_port}" prefork=1
}}
EVENTS {{
}}
"""

    @contextlib.contextmanager
    def _session(self, login: str, password: str) -> Iterator[IMAPClient]:
        """The helpers' connection: without TLS where the variant allows it.

        Cyrus's imapd does not set TCP_NODELAY, so a write that follows an
        unacknowledged one waits for the client's delayed ACK, ~40 ms on Linux:
        after every TLS handshake, and in a SEARCH or APPEND answer (measured).
        A plain connection saves the first.
        """
        if not self.allow_plaintext:
            with super()._session(login, password) as c:
                yield c
            return
        c = IMAPClient(self.host, self.port, ssl=False, timeout=30)
        try:
            c.login(login, password)
            yield c
        finally:
            with contextlib.suppress(Exception):
                c.logout()

    # ------------------------------------------------------------------ users

    def new_user(self, prefix: str = "u", password: str | None = None) -> tuple[str, str]:
        """Create a fresh user (random password unless given); return (login, password).

        The user can log in immediately: each login reads the sasldb afresh.
        """
        if not _PREFIX_RE.match(prefix):
            raise ValueError(f"bad user prefix {prefix!r}: use [a-z][a-z0-9]*")
        assert self._saslpasswd is not None
        login = f"{prefix}{secrets.token_hex(5)}"
        password = password or secrets.token_urlsafe(18)
        sasldb = self._path("sasldb2")
        # -p: the password comes on stdin; -c: create the user.
        done = subprocess.run(
            [self._saslpasswd, "-f", str(sasldb), "-u", self.servername, "-p", "-c", login],
            input=password.encode(),
            capture_output=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            raise CyrusError(f"saslpasswd2 failed: {done.stderr.decode(errors='replace')}")
        if os.geteuid() == 0:
            account = self._run_as()
            os.chown(sasldb, account.pw_uid, account.pw_gid)
        return login, password
