"""What the throwaway IMAP test servers (Dovecot, Cyrus) have in common.

A subclass knows how to lay out its private tree, which binary to run and on
which listeners it answers; this base starts it (again with fresh ports when
one was grabbed meanwhile), waits until every listener greets, stops the whole
process group, and talks IMAP to it: users' mail goes in only through APPEND,
never by writing the server's files.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import ipaddress
import os
import re
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
from typing import ClassVar, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from imapclient import IMAPClient

__all__ = ["ImapServer", "ServerError", "ServerUnavailable"]

Flag = str | bytes
# (host, port, implicit TLS?)
Listener = tuple[str, int, bool]

_APPENDUID_RE = re.compile(rb"\[APPENDUID \d+ ([0-9:,]+)\]")


class ServerUnavailable(RuntimeError):
    """The server cannot run on this machine (binary missing); tests should skip."""


class ServerError(RuntimeError):
    """The private server failed to start or misbehaved (message has the log tail)."""


class PortTaken(ServerError):
    """A listener's port was taken by another process before the server bound it."""


def flag_str(flag: Flag) -> str:
    return flag.decode() if isinstance(flag, bytes) else flag


def live_group_members(pgid: int) -> list[int]:
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


def default_parent_dir() -> str:
    """Where server dirs go: /dev/shm (tmpfs) if usable, else /tmp.

    Saving mail is file creates + renames (+ fsync for Cyrus): on this
    machine's ext4 /tmp a Dovecot APPEND costs ~1 ms of server time, on tmpfs
    ~0.13 ms (measured).  The path must stay short: both servers keep unix
    sockets in it and socket paths are limited to 107 bytes, so $TMPDIR
    (often long) is not used.
    """
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return "/tmp"


def free_port(host: str) -> int:
    """Return a port that was free on ``host`` a moment ago (bind to 0, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def find_binary(name: str, *dirs: str) -> str | None:
    """``name`` on $PATH or in one of ``dirs`` (daemons live outside a user's PATH)."""
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *dirs]))


def write_self_signed_cert(cert_path: Path, key_path: Path) -> None:
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
    key_path.chmod(0o600)  # read by the server as root, or as the same user


class ImapServer:
    """A private IMAP server in a temp dir; also a context manager.

    ``start()`` returns once every listener sent an IMAP greeting.  Every test
    should use its own ``new_user()`` so tests stay isolated.  ``port`` offers
    STARTTLS, ``ssl_port`` implicit TLS, both on ``host``.
    """

    host = "127.0.0.1"
    # Shown in messages, and the id of a parametrised test.
    name: ClassVar[str] = "imap"
    Error: ClassVar[type[ServerError]] = ServerError
    # The personal namespace (RFC 2342) as this server presents it to users.
    personal_prefix: str = ""
    separator: str = "/"
    # Files whose tails ``log_tail`` shows, relative to the tree.
    log_files: ClassVar[tuple[str, ...]] = ("stderr.log",)

    def __init__(
        self,
        *,
        startup_timeout: float = 20.0,
        binary: str | None = None,
        keep_files: bool = False,
        parent_dir: str | None = None,
    ) -> None:
        """Configure (but do not start) a server.

        ``keep_files`` leaves the temp dir (config, log, mail) in place after
        ``stop()`` for debugging.  ``parent_dir`` is where that temp dir is made
        (default: see ``default_parent_dir``).
        """
        self.startup_timeout = startup_timeout
        self.keep_files = keep_files
        self._binary = binary
        self._parent_dir = parent_dir or default_parent_dir()
        self._proc: subprocess.Popen[bytes] | None = None
        self.root: Path | None = None
        self.port = self.ssl_port = 0
        self.startup_seconds: float | None = None

    # ------------------------------------------------ what a subclass provides

    def _find_binary(self) -> str:
        """The server's executable; raise ServerUnavailable if it is missing."""
        raise NotImplementedError

    def _prepare_tree(self) -> None:
        """Create ``self.root`` (once) and write the config with fresh ports."""
        raise NotImplementedError

    def _command(self) -> list[str]:
        """The command line that runs the server in the foreground."""
        raise NotImplementedError

    def _listeners(self) -> list[Listener]:
        return [(self.host, self.port, False), (self.host, self.ssl_port, True)]

    def new_user(self, prefix: str = "u", password: str | None = None) -> tuple[str, str]:
        """Create a fresh user (random password unless given); return (login, password)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ paths

    def _path(self, *parts: str) -> Path:
        if self.root is None:
            raise self.Error(f"{self.name} is not started")
        return self.root.joinpath(*parts)

    def _make_root(self) -> Path:
        """The temp dir with a TLS certificate in tls/, made on the first call."""
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=self._parent_dir))
            # The server's unprivileged processes must be able to traverse it.
            self.root.chmod(0o755)
            self._path("tls").mkdir()
            write_self_signed_cert(self.cert_path, self.key_path)
        return self.root

    @property
    def cert_path(self) -> Path:
        """PEM certificate of the server; use it as ``cafile`` to trust the server."""
        return self._path("tls", "cert.pem")

    @property
    def key_path(self) -> Path:
        return self._path("tls", "key.pem")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """PID of the master, which is also the process group id of all its children."""
        return self._proc.pid if self._proc is not None else None

    def processes(self) -> list[int]:
        """PIDs of the live (non-zombie) processes of this server, master included."""
        return live_group_members(self._proc.pid) if self._proc is not None else []

    def folder_name(self, *parts: str) -> str:
        """The server's name of a personal folder: ("Clients", "ACME") -> "INBOX.Clients.ACME"."""
        return self.personal_prefix + self.separator.join(parts)

    # -------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        """Start the server; retries with new ports if one was grabbed meanwhile."""
        if self._proc is not None:
            raise self.Error(f"{self.name} already started")
        self._binary = self._find_binary()
        started = time.monotonic()
        for attempt in range(3):
            self._prepare_tree()
            self._spawn()
            try:
                self._wait_ready()
            except ServerError as exc:
                # Free ports are picked then released, so another process can
                # grab one before the server binds it: just try again.
                taken = isinstance(exc, PortTaken) or "Address already in use" in self.log_tail()
                self.stop()
                if taken and attempt < 2:
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
        # and its children stay in that group.  SIGTERM lets the master shut
        # its children down; then anything left in the group is SIGKILLed so
        # nothing strays.
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
        while (members := live_group_members(pgid)) and time.monotonic() < deadline:
            for pid in members:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def _spawn(self) -> None:
        with open(self._path("stderr.log"), "ab") as err:
            # Own session => own process group, which stop() can kill as a whole.
            self._proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
                close_fds=True,
            )
        atexit.register(self.stop)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        pending = set(self._listeners())
        last_error: Exception | None = None
        first_ready: float | None = None
        while pending:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise self.Error(
                    f"{self.name} exited with code {self._proc.returncode} during start-up\n"
                    + self.log_tail()
                )
            if time.monotonic() > deadline:
                raise self.Error(
                    f"{self.name} not ready after {self.startup_timeout:.0f} s "
                    f"(waiting for {sorted(pending)}; last error: {last_error!r})\n"
                    + self.log_tail()
                )
            for listener in sorted(pending):
                try:
                    self._probe(*listener)
                except ConnectionRefusedError as exc:
                    # The master binds all its listeners at once, so one still
                    # refusing well after another greeted was never bound:
                    # its port was taken (Cyrus says so only to syslog).
                    if first_ready is not None and time.monotonic() - first_ready > 1:
                        raise PortTaken(f"{self.name} could not bind {listener[:2]}") from exc
                    last_error = exc
                except (OSError, ValueError) as exc:
                    last_error = exc
                else:
                    pending.discard(listener)
                    first_ready = first_ready or time.monotonic()
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
        """Last lines of the server's own log files, for error messages."""
        out = []
        for name in self.log_files:
            try:
                text = self._path(name).read_text(errors="replace")
            except (OSError, ServerError):
                continue
            tail = "\n".join(text.splitlines()[-lines:])
            out.append(f"--- {name} (last {lines} lines) ---\n{tail}")
        return "\n".join(out) or f"(no {self.name} log)"

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
        """UIDs from an APPENDUID response code (UIDPLUS), e.g. ``[APPENDUID 7 3]``.

        Cyrus still sends it when UIDPLUS is hidden by ``suppress_capabilities``.
        """
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
        """Create ``folder`` (the server's name for it) if it does not exist yet."""
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
            raise self.Error(f"APPEND gave no APPENDUID: {resp!r}")
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
        continuation and a tagged reply and costs the server one save
        transaction per message.  Measured on Dovecot for 1000 small messages:
        APPEND loop 1.4 s, MULTIAPPEND 0.2 s on tmpfs (6.5 s vs 1.4 s on ext4).
        """
        # Every message gets a flag list, even "()": without one imapclient 4.1
        # writes two spaces between consecutive literals, which Cyrus refuses
        # ("BAD Missing required argument to Append command").
        item = {"flags": tuple(flags)}
        uids: list[int] = []
        with self._session(login, password) as c:
            self._ensure_folder(c, folder)
            batch: list[dict[str, object]] = []
            for raw in raws:
                batch.append({**item, "msg": raw})
                if len(batch) >= batch_size:
                    uids.extend(self._multiappend(c, folder, batch))
                    batch = []
            if batch:
                uids.extend(self._multiappend(c, folder, batch))
        return uids

    def _multiappend(self, c: IMAPClient, folder: str, batch: list[dict[str, object]]) -> list[int]:
        typ, data = c.multiappend(folder, batch)
        text = b" ".join(d for d in data if isinstance(d, bytes))
        uids = self._appended_uids(text)
        if typ != "OK" or len(uids) != len(batch):
            raise self.Error(f"MULTIAPPEND of {len(batch)} messages failed: {typ} {text!r}")
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
            int(uid): {flag_str(f) for f in data[b"FLAGS"]} - {"\\Recent"}
            for uid, data in fetched.items()
        }
