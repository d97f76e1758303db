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

import atexit
import contextlib
import datetime
import grp
import ipaddress
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from imapclient import IMAPClient

__all__ = ["Dovecot", "DovecotError", "DovecotUnavailable"]

Flag = str | bytes

_APPENDUID_RE = re.compile(rb"\[APPENDUID \d+ ([0-9:,]+)\]")
_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class DovecotUnavailable(RuntimeError):
    """Dovecot cannot run on this machine (binary missing); tests should skip."""


class DovecotError(RuntimeError):
    """The private Dovecot failed to start or misbehaved (message has the log tail)."""


def _flag_str(flag: Flag) -> str:
    return flag.decode() if isinstance(flag, bytes) else flag


def _live_group_members(pgid: int) -> list[int]:
    """PIDs in process group ``pgid`` that are not zombies.

    Zombies are ignored: once the master has exited its last children are
    reparented to PID 1, which may reap them late; they hold no resources.
    """
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # Format: "pid (comm) state ppid pgrp ..."; comm may contain spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _default_parent_dir() -> str:
    """Where server dirs go: /dev/shm (tmpfs) if usable, else /tmp.

    Maildir saves are file creates + renames: on this machine's ext4 /tmp an
    APPEND costs ~1 ms of server time, on tmpfs ~0.13 ms (measured).  The path
    must stay short: Dovecot's unix sockets live under base_dir and socket
    paths are limited to 107 bytes, so $TMPDIR (often long) is not used.
    """
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return "/tmp"


def _free_port(host: str) -> int:
    """Return a port that was free on ``host`` a moment ago (bind to 0, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _write_self_signed_cert(cert_path: Path, key_path: Path) -> None:
    """Write a self-signed cert for localhost/127.0.0.1/127.0.0.2 and its key.

    It is its own CA (basicConstraints CA, keyCertSign, SKI/AKI) so a client can
    use it directly as ``cafile`` even with strict X.509 verification.
    """
    key = ec.generate_private_key(ec.SECP256R1())  # EC: generated in ~1 ms
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.2")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)  # read by Dovecot's config process (root, or the same user)


class Dovecot:
    """A private Dovecot IMAP server in a temp dir; also a context manager.

    ``Dovecot().start()`` returns once all four listeners sent an IMAP greeting.
    Every test should use its own ``new_user()`` so tests stay isolated.
    """

    host = "127.0.0.1"
    alt_host = "127.0.0.2"

    def __init__(
        self,
        *,
        plaintext_auth: bool = False,
        startup_timeout: float = 20.0,
        binary: str | None = None,
        keep_files: bool = False,
        parent_dir: str | None = None,
    ) -> None:
        """Configure (but do not start) a server.

        ``plaintext_auth=True`` sets ``disable_plaintext_auth = no`` (global);
        usually unnecessary, see the module docstring. ``keep_files`` leaves the
        temp dir (config, log, mail) in place after ``stop()`` for debugging.
        ``parent_dir`` is where that temp dir is made (default: see
        ``_default_parent_dir``).
        """
        self.plaintext_auth = plaintext_auth
        self.startup_timeout = startup_timeout
        self.keep_files = keep_files
        self._binary = binary
        self._parent_dir = parent_dir or _default_parent_dir()
        self._proc: subprocess.Popen[bytes] | None = None
        self.root: Path | None = None
        self.port = self.ssl_port = self.alt_port = self.alt_ssl_port = 0
        self.startup_seconds: float | None = None

    # ------------------------------------------------------------------ paths

    def _path(self, *parts: str) -> Path:
        if self.root is None:
            raise DovecotError("Dovecot is not started")
        return self.root.joinpath(*parts)

    @property
    def cert_path(self) -> Path:
        """PEM certificate of the server; use it as ``cafile`` to trust the server."""
        return self._path("tls", "cert.pem")

    @property
    def config_path(self) -> Path:
        return self._path("dovecot.conf")

    @property
    def log_path(self) -> Path:
        """Dovecot's own log (``log_path``/``info_log_path``)."""
        return self._path("dovecot.log")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """PID of the master, which is also the process group id of all its children."""
        return self._proc.pid if self._proc is not None else None

    def processes(self) -> list[int]:
        """PIDs of the live (non-zombie) processes of this server, master included."""
        return _live_group_members(self._proc.pid) if self._proc is not None else []

    # -------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        """Start the server; retries with new ports if one was grabbed meanwhile."""
        if self._proc is not None:
            raise DovecotError("Dovecot already started")
        binary = self._binary or shutil.which(
            "dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin"
        )
        if binary is None or not os.access(binary, os.X_OK):
            raise DovecotUnavailable(
                "dovecot binary not found (install the Debian package dovecot-imapd)"
            )
        self._binary = binary
        started = time.monotonic()
        for attempt in range(3):
            self._prepare_tree()
            self._spawn()
            try:
                self._wait_ready()
            except DovecotError:
                log = self.log_tail()
                self.stop()
                # Free ports are picked then released, so another process can
                # grab one before Dovecot binds it: just try again.
                if "Address already in use" in log and attempt < 2:
                    continue
                raise
            break
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Stop the master and every child; remove the temp dir (unless keep_files)."""
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None:
            self._terminate(proc)
        if self.root is not None and not self.keep_files:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @staticmethod
    def _terminate(proc: subprocess.Popen[bytes]) -> None:
        # The master runs in its own session/process group (start_new_session),
        # and its children (login, auth, imap, ...) stay in that group.  SIGTERM
        # lets the master shut its children down (shutdown_clients = yes); then
        # anything left in the group is SIGKILLed so nothing strays.
        pgid = proc.pid
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (members := _live_group_members(pgid)) and time.monotonic() < deadline:
            for pid in members:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

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
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="dovecot-", dir=self._parent_dir))
            # Dovecot's unprivileged processes must be able to traverse it.
            self.root.chmod(0o755)
        login_user, internal_user, internal_group, uid, gid = self._accounts()
        self._mail_uid, self._mail_gid = uid, gid
        self._internal_gid = grp.getgrnam(internal_group).gr_gid
        for sub in ("run", "state", "tls", "passwd.d", "users"):
            self._path(sub).mkdir(exist_ok=True)
        self._path("passwd.d").chmod(0o750)
        if os.geteuid() == 0:
            # Read by the auth process (internal user); homes written by mail uid.
            os.chown(self._path("passwd.d"), 0, self._internal_gid)
            os.chown(self._path("users"), uid, gid)
        if not self.cert_path.exists():
            _write_self_signed_cert(self.cert_path, self._path("tls", "key.pem"))
        self.port, self.ssl_port = _free_port(self.host), _free_port(self.host)
        self.alt_port, self.alt_ssl_port = _free_port(self.alt_host), _free_port(self.alt_host)
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

    def _spawn(self) -> None:
        assert self._binary is not None
        with open(self._path("stderr.log"), "ab") as err:
            # Own session => own process group, which stop() can kill as a whole.
            self._proc = subprocess.Popen(
                [self._binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
                close_fds=True,
            )
        atexit.register(self.stop)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        pending = {
            (self.host, self.port, False),
            (self.host, self.ssl_port, True),
            (self.alt_host, self.alt_port, False),
            (self.alt_host, self.alt_ssl_port, True),
        }
        last_error: Exception | None = None
        while pending:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise DovecotError(
                    f"dovecot exited with code {self._proc.returncode} during start-up\n"
                    + self.log_tail()
                )
            if time.monotonic() > deadline:
                raise DovecotError(
                    f"dovecot not ready after {self.startup_timeout:.0f} s "
                    f"(waiting for {sorted(pending)}; last error: {last_error!r})\n"
                    + self.log_tail()
                )
            for listener in sorted(pending):
                try:
                    self._probe(*listener)
                except (OSError, ValueError) as exc:
                    last_error = exc
                else:
                    pending.discard(listener)
            if pending:
                time.sleep(0.02)

    def _probe(self, host: str, port: int, implicit_tls: bool) -> None:
        """Connect and read the IMAP greeting (after the TLS handshake if implicit)."""
        with socket.create_connection((host, port), timeout=2) as raw:
            if implicit_tls:
                with self.ssl_context().wrap_socket(raw, server_hostname=host) as tls:
                    greeting = tls.recv(4096)
            else:
                greeting = raw.recv(4096)
        if not greeting.startswith(b"* OK"):
            raise ValueError(f"unexpected greeting on {host}:{port}: {greeting!r}")

    def log_tail(self, lines: int = 60) -> str:
        """Last lines of Dovecot's log and of the master's stderr, for error messages."""
        out = []
        for name in ("dovecot.log", "stderr.log"):
            try:
                text = self._path(name).read_text(errors="replace")
            except (OSError, DovecotError):
                continue
            tail = "\n".join(text.splitlines()[-lines:])
            out.append(f"--- {name} (last {lines} lines) ---\n{tail}")
        return "\n".join(out) or "(no Dovecot log)"

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

    # ------------------------------------------------------------ IMAP helpers

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts only this server's certificate."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def client(
        self,
        login: str,
        password: str,
        *,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> IMAPClient:
        """A logged-in IMAPClient: implicit TLS on ``ssl_port``, or STARTTLS on ``port``."""
        if starttls:
            c = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
            c.starttls(self.ssl_context())
        else:
            c = IMAPClient(
                self.host, self.ssl_port, ssl=True, ssl_context=self.ssl_context(), timeout=timeout
            )
        try:
            c.login(login, password)
        except BaseException:
            c.shutdown()
            raise
        return c

    @contextlib.contextmanager
    def _session(self, login: str, password: str) -> Iterator[IMAPClient]:
        c = self.client(login, password)
        try:
            yield c
        finally:
            with contextlib.suppress(Exception):
                c.logout()

    @staticmethod
    def _ensure_folder(c: IMAPClient, folder: str, subscribe: bool = False) -> None:
        if folder.upper() != "INBOX" and not c.folder_exists(folder):
            c.create_folder(folder)
            if subscribe:
                c.subscribe_folder(folder)

    @staticmethod
    def _appended_uids(response: bytes | str) -> list[int]:
        """UIDs from an APPENDUID response code (UIDPLUS), e.g. ``[APPENDUID 7 3]``."""
        data = response.encode() if isinstance(response, str) else response
        m = _APPENDUID_RE.search(data)
        if not m:
            return []
        uids: list[int] = []
        for part in m.group(1).split(b","):
            lo, _, hi = part.partition(b":")
            uids.extend(range(int(lo), int(hi or lo) + 1))
        return uids

    def create_folder(
        self, login: str, password: str, folder: str, *, subscribe: bool = False
    ) -> None:
        """Create ``folder`` if it does not exist yet (idempotent)."""
        with self._session(login, password) as c:
            self._ensure_folder(c, folder, subscribe)

    def delete_folder(self, login: str, password: str, folder: str) -> None:
        """Delete ``folder`` (and its messages)."""
        with self._session(login, password) as c:
            c.delete_folder(folder)

    def append(
        self,
        login: str,
        password: str,
        folder: str,
        raw: bytes,
        flags: Iterable[Flag] = (),
        msg_time: datetime.datetime | None = None,
    ) -> int:
        """APPEND one RFC 5322 message (creating ``folder`` if missing); return its UID.

        ``msg_time`` becomes the INTERNALDATE (use an aware datetime).
        """
        with self._session(login, password) as c:
            self._ensure_folder(c, folder)
            resp = c.append(folder, raw, flags=tuple(flags), msg_time=msg_time)
        uids = self._appended_uids(resp)
        if len(uids) != 1:
            raise DovecotError(f"APPEND gave no APPENDUID: {resp!r}")
        return uids[0]

    def append_many(
        self,
        login: str,
        password: str,
        folder: str,
        raws: Iterable[bytes],
        flags: Iterable[Flag] = (),
        *,
        batch_size: int = 200,
    ) -> list[int]:
        """APPEND many messages over ONE connection; return their UIDs in order.

        Uses MULTIAPPEND (RFC 3502; imapclient >= 3 has ``multiappend``) with
        LITERAL+ in batches of ``batch_size``: a plain APPEND loop waits for a
        continuation and a tagged reply and costs Dovecot one save transaction
        per message.  Measured for 1000 small messages: APPEND loop 1.4 s,
        MULTIAPPEND 0.2 s on tmpfs (6.5 s vs 1.4 s on ext4 /tmp).
        """
        flag_tuple = tuple(flags)
        uids: list[int] = []
        with self._session(login, password) as c:
            self._ensure_folder(c, folder)
            batch: list[bytes | dict[str, object]] = []
            for raw in raws:
                batch.append({"msg": raw, "flags": flag_tuple} if flag_tuple else raw)
                if len(batch) >= batch_size:
                    uids.extend(self._multiappend(c, folder, batch))
                    batch = []
            if batch:
                uids.extend(self._multiappend(c, folder, batch))
        return uids

    @classmethod
    def _multiappend(
        cls, c: IMAPClient, folder: str, batch: list[bytes | dict[str, object]]
    ) -> list[int]:
        typ, data = c.multiappend(folder, batch)
        text = b" ".join(d for d in data if isinstance(d, bytes))
        uids = cls._appended_uids(text)
        if typ != "OK" or len(uids) != len(batch):
            raise DovecotError(f"MULTIAPPEND of {len(batch)} messages failed: {typ} {text!r}")
        return uids

    def set_flags(
        self,
        login: str,
        password: str,
        folder: str,
        uids: Sequence[int],
        flags: Iterable[Flag],
    ) -> None:
        """Replace the flags of ``uids`` in ``folder`` with ``flags`` (STORE FLAGS)."""
        with self._session(login, password) as c:
            c.select_folder(folder)
            c.set_flags(list(uids), tuple(flags), silent=True)

    def list_messages(self, login: str, password: str, folder: str) -> dict[int, set[str]]:
        """Return ``{uid: {flag, ...}}`` for every message in ``folder``.

        Flags are str (``"\\Seen"``); the session-only ``\\Recent`` is left out so
        results do not depend on which connection saw a message first.
        """
        with self._session(login, password) as c:
            c.select_folder(folder, readonly=True)
            fetched = c.fetch(c.search("ALL"), ["FLAGS"])  # fetch([]) returns {}
        return {
            int(uid): {_flag_str(f) for f in data[b"FLAGS"]} - {"\\Recent"}
            for uid, data in fetched.items()
        }
