"""A real, throwaway Dovecot IMAP server for tests.

``Dovecot`` starts a private ``dovecot -F`` with a standalone config in a fresh
temporary directory (nothing under /etc/dovecot or /var is used), waits until
its listeners greet, and tears everything down again on ``stop()`` (and at
interpreter exit as a safety net).

Listeners (all picked from free ports at start):

* ``host:port`` (127.0.0.1) plain IMAP with STARTTLS, ``host:ssl_port`` implicit TLS.
* ``alt_host:alt_port`` (127.0.0.2) and ``alt_host:alt_ssl_port``: the same again.

Why two addresses: Dovecot treats a connection as "secured" when the client IP
equals the server IP, and then allows plaintext LOGIN without TLS even with
``disable_plaintext_auth = yes``.  A client connecting to 127.0.0.1 has source
address 127.0.0.1, so it is "secured".  A client connecting to 127.0.0.2 gets
the kernel-chosen source address 127.0.0.1 (``ip route show table local``:
``local 127.0.0.0/8 dev lo src 127.0.0.1``; checked in the smoke test) which
differs from the server IP, so Dovecot advertises LOGINDISABLED and refuses
LOGIN before STARTTLS there.  Hence:

* tests that must prove "no login without TLS" use ``alt_host``/``alt_port``;
* tests that need an unencrypted login ("encryption: none") use ``host``/``port``
  -- no ``plaintext_auth=True`` needed (it exists for completeness and flips
  ``disable_plaintext_auth`` globally).

Privileges: as root the master runs as root (like a real deployment, it needs to
switch users), login processes run as ``dovenull``, internal services as
``dovecot`` and every mail process as ``nobody:nogroup`` (uid/gid written into
the passwd-file, ``first/last_valid_uid`` pinned to it), so no mail process can
run as root.  As a normal user every process runs as that user and chroots are
switched off (they need root).

Mail goes in only through IMAP (``append``/``append_many``); Maildir files are
never written directly.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
from pathlib import Path
from typing import Any, ClassVar

from tests.support.imapserver import (
    ImapServer,
    Listener,
    ServerError,
    ServerUnavailable,
    find_binary,
    free_port,
)

__all__ = ["Dovecot", "DovecotError", "DovecotUnavailable"]

_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class DovecotUnavailable(ServerUnavailable):
    """Dovecot cannot run on this machine (binary missing); tests should skip."""


class DovecotError(ServerError):
    """The private Dovecot failed to start or misbehaved (message has the log tail)."""


class Dovecot(ImapServer):
    """A private Dovecot IMAP server in a temp dir; also a context manager.

    ``Dovecot().start()`` returns once all four listeners sent an IMAP greeting.
    Every test should use its own ``new_user()`` so tests stay isolated.
    """

    name = "dovecot"
    Error = DovecotError
    alt_host = "127.0.0.2"
    log_files: ClassVar[tuple[str, ...]] = ("dovecot.log", "stderr.log")

    def __init__(self, *, plaintext_auth: bool = False, **options: Any) -> None:
        """Configure (but do not start) a server; ``options`` as for ``ImapServer``.

        ``plaintext_auth=True`` sets ``disable_plaintext_auth = no`` (global);
        usually unnecessary, see the module docstring.
        """
        super().__init__(**options)
        self.plaintext_auth = plaintext_auth
        self.alt_port = self.alt_ssl_port = 0

    @property
    def config_path(self) -> Path:
        return self._path("dovecot.conf")

    @property
    def log_path(self) -> Path:
        """Dovecot's own log (``log_path``/``info_log_path``)."""
        return self._path("dovecot.log")

    def _find_binary(self) -> str:
        binary = self._binary or find_binary("dovecot", "/usr/sbin")
        if binary is None or not os.access(binary, os.X_OK):
            raise DovecotUnavailable(
                "dovecot binary not found (install the Debian package dovecot-imapd)"
            )
        return binary

    def _command(self) -> list[str]:
        assert self._binary is not None
        return [self._binary, "-F", "-c", str(self.config_path)]

    def _listeners(self) -> list[Listener]:
        return [
            *super()._listeners(),
            (self.alt_host, self.alt_port, False),
            (self.alt_host, self.alt_ssl_port, True),
        ]

    # ---------------------------------------------------------------- set-up

    def _accounts(self) -> tuple[str, str, str, int, int]:
        """Return (login_user, internal_user, internal_group, mail_uid, mail_gid)."""
        if os.geteuid() != 0:
            # Unprivileged: Dovecot cannot switch users, so everything runs as us.
            me = pwd.getpwuid(os.getuid())
            group = grp.getgrgid(os.getgid()).gr_name
            return me.pw_name, me.pw_name, group, me.pw_uid, me.pw_gid

        def exists(user: str) -> bool:
            try:
                pwd.getpwnam(user)
            except KeyError:
                return False
            return True

        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            raise DovecotUnavailable("running as root but no 'nobody' user to own mail") from None
        # dovenull/dovecot come with the Debian package; fall back to nobody.
        login_user = "dovenull" if exists("dovenull") else "nobody"
        internal_user = "dovecot" if exists("dovecot") else "nobody"
        internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
        return login_user, internal_user, internal_group, nobody.pw_uid, nobody.pw_gid

    def _prepare_tree(self) -> None:
        self._make_root()
        login_user, internal_user, internal_group, uid, gid = self._accounts()
        self._mail_uid, self._mail_gid = uid, gid
        self._internal_gid = grp.getgrnam(internal_group).gr_gid
        for sub in ("run", "state", "passwd.d", "users"):
            self._path(sub).mkdir(exist_ok=True)
        self._path("passwd.d").chmod(0o750)
        if os.geteuid() == 0:
            # Read by the auth process (internal user); homes written by mail uid.
            os.chown(self._path("passwd.d"), 0, self._internal_gid)
            os.chown(self._path("users"), uid, gid)
        self.port, self.ssl_port = free_port(self.host), free_port(self.host)
        self.alt_port, self.alt_ssl_port = free_port(self.alt_host), free_port(self.alt_host)
        self.config_path.write_text(
            self._render_config(login_user, internal_user, internal_group, uid, gid)
        )
        self.config_path.chmod(0o644)

    def _render_config(
        self, login_user: str, internal_user: str, internal_group: str, uid: int, gid: int
    ) -> str:
        r = self.root
        assert r is not None
        rootless = os.geteuid() != 0
        # chroot() needs root; switch the default chroots off when unprivileged.
        no_chroot = "  chroot =\n" if rootless else ""
        return f"""\
# Generated by tests/support/dovecot.py -- standalone, nothing from /etc/dovecot.
protocols = imap
listen = {self.host}, {self.alt_host}
instance_name = dovecot-test-{os.getpid()}-{r.name}
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
info_log_path = {r}/dovecot.log
login_greeting = Dovecot test server ready.

default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
# Only the passwd-file's uid/gid may own mail processes (never root).
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}

disable_plaintext_auth = {"no" if self.plaintext_auth else "yes"}
auth_mechanisms = plain login
# Tests make failed logins on purpose: answer them in ~0.5 s (measured), not 2 s.
auth_failure_delay = 0
# One passwd-file per user: Dovecot stats a passwd-file at most once per
# second, so a user appended to a shared file right after a lookup would be
# unknown for up to a second (observed).  A per-user file is read fresh on the
# user's first lookup.  Usernames cannot contain "/" (auth_username_chars).
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {r}/passwd.d/%u
}}
userdb {{
  driver = passwd-file
  args = {r}/passwd.d/%u
}}

ssl = yes
ssl_cert = <{r}/tls/cert.pem
ssl_key = <{r}/tls/key.pem

mail_location = maildir:~/Maildir
# Throwaway data: skip fsync so bulk APPENDs are fast.
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
  # Special-use flags appear once a test creates these folders.
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
  mailbox Archive {{
    special_use = \\Archive
  }}
}}

protocol imap {{
  # Tests open many parallel connections for the same user from 127.0.0.1.
  mail_max_userip_connections = 100
}}

service imap-login {{
{no_chroot}  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.ssl_port}
    ssl = yes
  }}
  inet_listener imap_alt {{
    address = {self.alt_host}
    port = {self.alt_port}
  }}
  inet_listener imaps_alt {{
    address = {self.alt_host}
    port = {self.alt_ssl_port}
    ssl = yes
  }}
}}

service anvil {{
{no_chroot}  # Auth penalty (after a failed login, every login from that IP waits
  # 2..15 s; 4 s observed) would slow later tests.  A socket nobody may open
  # disables it; auth then logs one harmless
  # "net_connect_unix(anvil-auth-penalty) failed" error.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service ipc {{
{no_chroot}}}
service old-stats {{
{no_chroot}}}
"""

    # ------------------------------------------------------------------ users

    def new_user(self, prefix: str = "u", password: str | None = None) -> tuple[str, str]:
        """Create a fresh user (random password unless given); return (login, password).

        The user can log in immediately (per-user passwd-file, see the config).
        """
        if not _PREFIX_RE.match(prefix):
            raise ValueError(f"bad user prefix {prefix!r}: use [a-z0-9._-]")
        login = f"{prefix}{secrets.token_hex(5)}"
        password = password or secrets.token_urlsafe(18)
        if any(c in password for c in ":\r\n"):
            raise ValueError("password cannot contain ':' or newlines (passwd-file format)")
        home = self._path("users", login)
        line = f"{login}:{{PLAIN}}{password}:{self._mail_uid}:{self._mail_gid}::{home}::\n"
        # Write-then-rename so the auth process never reads a half-written file.
        tmp = self._path("passwd.d", f".{login}.tmp")
        tmp.write_text(line)
        tmp.chmod(0o640)
        if os.geteuid() == 0:
            os.chown(tmp, 0, self._internal_gid)
        tmp.replace(self._path("passwd.d", login))
        return login, password
