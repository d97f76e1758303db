"""Stage 1, connect and fetch: talk IMAP (RFC 3501) to a mailbox's server.

Everything here is about the wire: connecting with the right TLS mode,
finding the folders the admin named in the server's namespace, searching by
UID, and fetching in few round trips. Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.imapclient import DELETED, SEEN, SocketTimeout

CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 120.0
# One FETCH asks for at most this many bytes of message bodies (by RFC822.SIZE),
# so memory stays bounded whatever the mailbox holds, and a big first import
# still needs only a handful of round trips.
FETCH_BUDGET_BYTES = 8 * 1024 * 1024
FETCH_MAX_MESSAGES = 500
ENVELOPE_BATCH = 2000
MESSAGE_ID_FIELD = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
# How many of the account's folders an error message lists at most.
LISTED_FOLDERS = 20


class ImapError(Exception):
    """A failure talking to the server, with a message an admin can act on.

    `login_refused` tells a wrong login or password apart: retrying those soon
    gets accounts locked, so callers back off longer.
    """

    def __init__(self, message: str, *, login_refused: bool = False) -> None:
        super().__init__(message)
        self.login_refused = login_refused


class FolderError(ImapError):
    """The server would not open or create a folder; the message says what it accepts."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """What one cheap FETCH tells about a message, before its body is read."""

    uid: int
    size: int
    internal_date: datetime | None
    flags: frozenset[bytes]
    message_id_header: bytes

    @property
    def flagged_deleted(self) -> bool:
        """Whether the message is flagged \\Deleted (RFC 3501 §2.3.2), awaiting EXPUNGE."""
        return any(flag.lower() == DELETED.lower() for flag in self.flags)


@dataclass(frozen=True, slots=True)
class Fetched:
    """Stage 1's result: a message's bytes (only its header block when it is too big)."""

    envelope: Envelope
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
        _refuse_disabled_login(client, f"{host}:{port}", encrypted=encryption != "none")
        client.login(login, password)
    except ImapError:
        close(client)
        raise
    except Exception as exc:
        close(client)
        raise ImapError(
            explain(exc, host, port), login_refused=isinstance(exc, LoginError)
        ) from None
    return client


def _refuse_disabled_login(client: IMAPClient, where: str, *, encrypted: bool) -> None:
    """Raise ImapError before LOGIN if the server says LOGIN would be refused.

    A server that allows no plaintext login on an unencrypted connection
    advertises LOGINDISABLED (RFC 3501 §6.2.3, RFC 2595 §3.2) and then refuses
    LOGIN whatever the password, which IMAPClient reports as a LoginError.
    """
    if not client.has_capability("LOGINDISABLED"):
        return
    if encrypted:
        raise ImapError(f"{where} does not allow LOGIN with a password, not even over TLS.")
    raise ImapError(_needs_encryption(where) + " (it advertises LOGINDISABLED).")


def _needs_encryption(where: str) -> str:
    return (
        f"{where} refuses to log in without encryption: it requires SSL/TLS or STARTTLS, "
        "so choose one of them as the encryption setting"
    )


def explain(exc: BaseException, host: str, port: int) -> str:
    """Turn a low-level exception into a sentence for the mailbox's error field."""
    where = f"{host}:{port}"
    if isinstance(exc, ImapError):
        return str(exc)
    # A LoginError with PRIVACYREQUIRED (RFC 5530 §3) is about encryption, not
    # the password: it is explained with the other IMAP errors below.
    if isinstance(exc, LoginError) and "PRIVACYREQUIRED" not in str(exc).upper():
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
            return _needs_encryption(where) + "."
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


@dataclass(frozen=True, slots=True)
class Personal:
    """The personal namespace (RFC 2342 §5): where the user's own folders live.

    Dovecot: prefix "" and separator "/"; Cyrus as Debian sets it up: prefix
    "INBOX." and separator ".", where CREATE "Done" is refused.
    """

    prefix: str
    separator: str | None

    def contains(self, name: str) -> bool:
        """Whether ``name`` already starts with the prefix (INBOX in any case, RFC 3501 §5.1)."""
        if self.prefix[:5].upper() == "INBOX":
            return name[:5].upper() == "INBOX" and name[5:].startswith(self.prefix[5:])
        return name.startswith(self.prefix)

    def suggest(self, name: str) -> str:
        """``name`` as a personal folder: prefixed, levels split at "/" or "." and rejoined.

        For an error message only: "Clients/ACME" -> "INBOX.Clients.ACME".
        """
        rest = name[len(self.prefix) :] if self.prefix and self.contains(name) else name
        parts = [part for part in re.split(r"[/.]", rest) if part] or [rest]
        return self.prefix + (self.separator or "/").join(parts)


# Read once per connection, when first needed: it does not change during a session.
_namespaces: weakref.WeakKeyDictionary[IMAPClient, Personal] = weakref.WeakKeyDictionary()


def personal_namespace(client: IMAPClient) -> Personal:
    """The account's personal namespace, read after login (NAMESPACE, RFC 2342)."""
    personal = _namespaces.get(client)
    if personal is None:
        personal = _read_personal_namespace(client)
        _namespaces[client] = personal
    return personal


def _read_personal_namespace(client: IMAPClient) -> Personal:
    if client.has_capability("NAMESPACE"):
        namespaces = client.namespace().personal
        if namespaces:
            # The first one is where a client puts the user's folders (RFC 2342 §5).
            prefix, separator = namespaces[0]
            return Personal(prefix, separator)
    # Without NAMESPACE: no prefix, and LIST "" "" tells the separator (RFC 3501 §6.3.8).
    listed = client.list_folders("", "")
    separator = listed[0][1] if listed else None
    return Personal("", separator.decode() if isinstance(separator, bytes) else separator)


def resolve_folder(client: IMAPClient, folder: str) -> str:
    """The server's name for a folder the admin named, maybe without the personal prefix.

    "Done" is "INBOX.Done" where the personal prefix is "INBOX.", unless the
    server has a folder called just "Done" (another namespace, such as
    Cyrus's shared folders, may have an empty prefix).
    """
    if folder.upper() == "INBOX":
        return folder  # the same everywhere (RFC 3501 §5.1); no NAMESPACE round trip
    personal = personal_namespace(client)
    if not personal.prefix or personal.contains(folder):
        return folder
    if client.folder_exists(folder):
        return folder
    return personal.prefix + folder


def select(client: IMAPClient, folder: str, *, readonly: bool) -> int:
    """Select a folder (resolved in the personal namespace) and return its UIDVALIDITY."""
    name = resolve_folder(client, folder)
    try:
        info = client.select_folder(name, readonly=readonly)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as exc:
        raise FolderError(
            f"The server will not open folder {_named(folder, name)}: {_reason(exc)}. "
            f"{_existing_folders(client)}"
        ) from None
    return int(info[b"UIDVALIDITY"])


def ensure_folder(client: IMAPClient, folder: str) -> str:
    """The server's name for ``folder``, created first if it does not exist yet."""
    name = resolve_folder(client, folder)
    if client.folder_exists(name):
        return name
    try:
        client.create_folder(name)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as exc:
        raise FolderError(
            f"The server refused to create folder {_named(folder, name)}: {_reason(exc)}. "
            + _naming_hint(personal_namespace(client), folder, name)
        ) from None
    return name


def _naming_hint(personal: Personal, folder: str, tried: str) -> str:
    """Which name the server would take instead, from its personal namespace."""
    rules = f"levels separated by {personal.separator or '/'!r}"
    if personal.prefix:
        rules = f"this account's folders start with {personal.prefix!r}, {rules}"
    suggestion = personal.suggest(folder)
    if suggestion != tried:
        return f"It accepts names like {suggestion!r} ({rules})."
    return f"On this server {rules}."


def _named(folder: str, name: str) -> str:
    return repr(folder) if folder == name else f"{folder!r} (as {name!r})"


def _reason(exc: IMAPClientError) -> str:
    """The server's words, without IMAPClient's "create failed: " in front."""
    text = str(exc)
    return text.split(" failed: ", 1)[-1] if " failed: " in text else text


def _existing_folders(client: IMAPClient) -> str:
    names = selectable_folders(client)
    shown = ", ".join(repr(n) for n in names[:LISTED_FOLDERS])
    more = f" and {len(names) - LISTED_FOLDERS} more" if len(names) > LISTED_FOLDERS else ""
    return f"Folders of this account: {shown}{more}."


def search_new(
    client: IMAPClient, after_uid: int, *, since: date | None, unseen: bool
) -> list[int]:
    """UIDs above the cursor, optionally only unseen ones or since a date.

    `UID n:*` always matches the highest UID even when it is below n
    (RFC 3501 §6.4.8), so the result is filtered once more here.
    """
    criteria: list[object] = ["UID", f"{after_uid + 1}:*"]
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
    by_uid = {e.uid: e for e in batch}
    small = [e.uid for e in batch if e.size <= max_size]
    large = [e.uid for e in batch if e.size > max_size]
    fetched = []
    for uids, item, key, headers_only in (
        (small, "BODY.PEEK[]", b"BODY[]", False),
        (large, "BODY.PEEK[HEADER]", b"BODY[HEADER]", True),
    ):
        if uids:
            for uid, data in client.fetch(uids, [item]).items():
                fetched.append(Fetched(by_uid[uid], data.get(key) or b"", headers_only))
    fetched.sort(key=lambda f: f.envelope.uid)
    return fetched


def mark_seen(client: IMAPClient, uids: list[int]) -> None:
    client.add_flags(uid_set(uids), [SEEN], silent=True)


def can_expunge_single(client: IMAPClient) -> bool:
    """Whether EXPUNGE can be limited to chosen UIDs (UID EXPUNGE, RFC 4315 UIDPLUS)."""
    return bool(client.has_capability("UIDPLUS"))


def delete(client: IMAPClient, uids: list[int]) -> None:
    """Delete and expunge exactly these UIDs (UIDPLUS, RFC 4315), never others."""
    client.delete_messages(uid_set(uids), silent=True)
    # Without UIDPLUS a plain EXPUNGE would also remove mail someone else marked
    # \Deleted, so then the flag stays and the server's own expunge removes it.
    if can_expunge_single(client):
        client.uid_expunge(uid_set(uids))


def move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """Move messages (RFC 6851 MOVE when offered, else COPY and delete).

    The folder is resolved in the personal namespace and created if missing.
    """
    target = ensure_folder(client, folder)
    if client.has_capability("MOVE"):
        client.move(uid_set(uids), target)
    else:
        client.copy(uid_set(uids), target)
        delete(client, uids)
