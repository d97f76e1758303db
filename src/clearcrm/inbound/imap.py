"""Stage 1, connect and fetch: talk IMAP (RFC 3501) to a mailbox's server.

Everything here is about the wire: connecting with the right TLS mode,
searching by UID, and fetching in few round trips. Nothing here touches the
database.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SEEN, SocketTimeout

CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 120.0
# One FETCH asks for at most this many bytes of message bodies (by RFC822.SIZE),
# so memory stays bounded whatever the mailbox holds, and a big first import
# still needs only a handful of round trips.
FETCH_BUDGET_BYTES = 8 * 1024 * 1024
FETCH_MAX_MESSAGES = 500
ENVELOPE_BATCH = 2000
MESSAGE_ID_FIELD = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"


class ImapError(Exception):
    """A failure talking to the server, with a message an admin can act on.

    `login_refused` tells a wrong login or password apart: retrying those soon
    gets accounts locked, so callers back off longer.
    """

    def __init__(self, message: str, *, login_refused: bool = False) -> None:
        super().__init__(message)
        self.login_refused = login_refused


@dataclass(frozen=True, slots=True)
class Envelope:
    """What one cheap FETCH tells about a message, before its body is read."""

    uid: int
    size: int
    internal_date: datetime | None
    flags: frozenset[bytes]
    message_id_header: bytes


@dataclass(frozen=True, slots=True)
class Fetched:
    uid: int
    raw: bytes
    headers_only: bool


def tls_context(skip_verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(
    host: str,
    port: int,
    encryption: str,
    login: str,
    password: str,
    *,
    skip_verify: bool = False,
    context: ssl.SSLContext | None = None,
) -> IMAPClient:
    """Open an authenticated session, or raise ImapError saying what went wrong."""
    context = context or tls_context(skip_verify)
    timeout = SocketTimeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    try:
        client = IMAPClient(
            host, port=port, ssl=encryption == "ssl", ssl_context=context, timeout=timeout
        )
    except Exception as exc:
        raise ImapError(explain(exc, host, port)) from None
    try:
        if encryption == "starttls":
            client.starttls(context)
        client.normalise_times = False  # keep INTERNALDATE timezone-aware
        client.login(login, password)
    except Exception as exc:
        close(client)
        raise ImapError(
            explain(exc, host, port), login_refused=isinstance(exc, LoginError)
        ) from None
    return client


def explain(exc: BaseException, host: str, port: int) -> str:
    """Turn a low-level exception into a sentence for the mailbox's error field."""
    where = f"{host}:{port}"
    if isinstance(exc, LoginError):
        return f"Login refused by {where}: check the email address (login) and password."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"The TLS certificate of {where} is not trusted ({exc.verify_message}). "
            "Fix the server's certificate, or turn on 'skip certificate verification' "
            "for a self-signed one."
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed with {where}: {exc.reason or exc}. Check the encryption setting."
    if isinstance(exc, socket.gaierror):
        return f"Unknown host {host!r}: check the IMAP server name."
    if isinstance(exc, ConnectionRefusedError):
        return f"Connection refused by {where}: check the port and encryption setting."
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"Timed out talking to {where}."
    if isinstance(exc, IMAPClientError):
        text = str(exc)
        if "STARTTLS" in text.upper():
            return f"{where} does not offer STARTTLS: choose SSL/TLS or another port."
        if "PRIVACYREQUIRED" in text.upper() or "PLAINTEXT" in text.upper():
            return f"{where} refuses to log in without encryption: choose SSL/TLS or STARTTLS."
        return f"IMAP error from {where}: {text}"
    if isinstance(exc, OSError):
        return f"Network error with {where}: {exc.strerror or exc}."
    return f"Unexpected error with {where}: {type(exc).__name__}: {exc}"


def close(client: IMAPClient) -> None:
    """Log out, ignoring a connection that is already gone."""
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()


def selectable_folders(client: IMAPClient) -> list[str]:
    """Folders that can hold mail (RFC 3501 §7.2.2: \\Noselect ones cannot)."""
    names = []
    for flags, _delimiter, name in client.list_folders():
        if not any(flag.lower() in (b"\\noselect", b"\\nonexistent") for flag in flags):
            names.append(name)
    return sorted(names, key=lambda n: (n.upper() != "INBOX", n.lower()))


def select(client: IMAPClient, folder: str, *, readonly: bool) -> int:
    """Select a folder and return its UIDVALIDITY."""
    info = client.select_folder(folder, readonly=readonly)
    return int(info[b"UIDVALIDITY"])


def search_new(
    client: IMAPClient, after_uid: int, *, since: date | None, unseen: bool
) -> list[int]:
    """UIDs above the cursor, optionally only unseen ones or since a date.

    `UID n:*` always matches the highest UID even when it is below n
    (RFC 3501 §6.4.8), so the result is filtered once more here.
    """
    criteria: list = ["UID", f"{after_uid + 1}:*"]
    if since:
        criteria += ["SINCE", since]
    if unseen:
        criteria.append("UNSEEN")
    return sorted(uid for uid in client.search(criteria) if uid > after_uid)


def uid_set(uids: Iterable[int]) -> str:
    """Compact UIDs into an IMAP sequence set, 1:3,7,9:10, for STORE, COPY and MOVE.

    (FETCH takes a plain list: imapclient matches its answers to the ints asked for.)
    """
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("empty UID set")
    ranges, start, prev = [], ordered[0], ordered[0]
    for uid in ordered[1:]:
        if uid != prev + 1:
            ranges.append((start, prev))
            start = uid
        prev = uid
    ranges.append((start, prev))
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


def fetch_envelopes(client: IMAPClient, uids: list[int]) -> list[Envelope]:
    """Size, date, flags and Message-ID of each message, without reading bodies."""
    envelopes = []
    for start in range(0, len(uids), ENVELOPE_BATCH):
        batch = uids[start : start + ENVELOPE_BATCH]
        response = client.fetch(
            batch,
            ["RFC822.SIZE", "INTERNALDATE", "FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"],
        )
        for uid, data in response.items():
            envelopes.append(
                Envelope(
                    uid=uid,
                    size=int(data.get(b"RFC822.SIZE") or 0),
                    internal_date=data.get(b"INTERNALDATE"),
                    flags=frozenset(data.get(b"FLAGS") or ()),
                    message_id_header=data.get(MESSAGE_ID_FIELD) or b"",
                )
            )
    envelopes.sort(key=lambda e: e.uid)
    return envelopes


def plan_fetches(envelopes: list[Envelope], max_size: int) -> Iterator[list[Envelope]]:
    """Group messages into FETCH commands bounded by bytes and count."""
    batch: list[Envelope] = []
    budget = 0
    for envelope in envelopes:
        cost = min(envelope.size, max_size)
        if batch and (budget + cost > FETCH_BUDGET_BYTES or len(batch) >= FETCH_MAX_MESSAGES):
            yield batch
            batch, budget = [], 0
        batch.append(envelope)
        budget += cost
    if batch:
        yield batch


def fetch_messages(client: IMAPClient, batch: list[Envelope], max_size: int) -> list[Fetched]:
    """Fetch one planned batch; messages over max_size come as headers only.

    BODY.PEEK never sets \\Seen (RFC 3501 §6.4.5), so reading is side-effect free.
    """
    small = [e.uid for e in batch if e.size <= max_size]
    large = [e.uid for e in batch if e.size > max_size]
    fetched = []
    if small:
        for uid, data in client.fetch(small, ["BODY.PEEK[]"]).items():
            fetched.append(Fetched(uid, data.get(b"BODY[]") or b"", headers_only=False))
    if large:
        for uid, data in client.fetch(large, ["BODY.PEEK[HEADER]"]).items():
            fetched.append(Fetched(uid, data.get(b"BODY[HEADER]") or b"", headers_only=True))
    fetched.sort(key=lambda f: f.uid)
    return fetched


def mark_seen(client: IMAPClient, uids: list[int]) -> None:
    client.add_flags(uid_set(uids), [SEEN], silent=True)


def delete(client: IMAPClient, uids: list[int]) -> None:
    """Delete and expunge exactly these UIDs (UIDPLUS, RFC 4315), never others."""
    client.delete_messages(uid_set(uids), silent=True)
    # Without UIDPLUS a plain EXPUNGE would also remove mail someone else marked
    # \Deleted, so then the flag stays and the server's own expunge removes it.
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uid_set(uids))


def move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """Move messages (RFC 6851 MOVE when offered, else COPY and delete)."""
    if not client.folder_exists(folder):
        client.create_folder(folder)
    if client.has_capability("MOVE"):
        client.move(uid_set(uids), folder)
    else:
        client.copy(uid_set(uids), folder)
        delete(client, uids)
