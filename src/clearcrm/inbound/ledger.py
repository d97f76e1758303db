"""Stage 2, the ledger: every message seen is recorded before anything is done with it.

A message is identified by its Message-ID (RFC 5322 §3.6.4), or by a hash of
its bytes when it has none. The first ledger entry for a message owns it;
every other copy (another folder, another mailbox, a UIDVALIDITY reset) is a
duplicate of that entry. The database's unique constraints, not timing,
guarantee that a message is imported at most once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clearcrm.attachments.models import store_file, stored_path
from clearcrm.inbound.imap import Fetched
from clearcrm.inbound.models import LedgerEntry, MailboxFolder, Outcome, PostAction
from clearcrm.inbound.parse import normalize_message_id

# Processing a message is started at most this many times: a message whose
# processing keeps failing (or keeps killing the process) is then left as
# `failed` for an admin to look at, and never blocks newer mail.
MAX_ATTEMPTS = 5
#: Rows asked for in one query (SQLite allows 999 parameters, and fewer is kinder).
QUERY_CHUNK = 500
#: Characters of a Message-ID kept in a message key (the column holds 600).
MAX_KEY_MESSAGE_ID = 590


@dataclass(frozen=True, slots=True)
class Recorded:
    """Stage 2's result: a fetched message and the ledger entry that now stands for it."""

    fetched: Fetched
    entry: LedgerEntry


@dataclass(frozen=True, slots=True)
class _Identity:
    """How the ledger recognises a message wherever it is found."""

    message_id: str
    key: str


def header_message_id(header_block: bytes) -> str:
    """The normalised Message-ID in a block of header lines, '' when none."""
    if not header_block.strip():
        return ""
    headers = BytesHeaderParser(policy=compat32).parsebytes(header_block)
    return normalize_message_id(str(headers.get("Message-ID") or ""))


def message_key(message_id: str, raw: bytes) -> str:
    if message_id:
        return "mid:" + message_id[:MAX_KEY_MESSAGE_ID]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _identify(fetched: Fetched) -> _Identity:
    message_id = header_message_id(fetched.envelope.message_id_header)
    return _Identity(message_id, message_key(message_id, fetched.raw))


def entries_at(folder: MailboxFolder, uidvalidity: int, uids: list[int]) -> dict[int, LedgerEntry]:
    """The ledger entries already recorded for these UIDs of a folder."""
    found: dict[int, LedgerEntry] = {}
    for start in range(0, len(uids), QUERY_CHUNK):
        batch = uids[start : start + QUERY_CHUNK]
        for entry in LedgerEntry.objects.filter(
            folder=folder, uidvalidity=uidvalidity, uid__in=batch
        ):
            found[entry.uid] = entry
    return found


def record(
    folder: MailboxFolder, uidvalidity: int, fetched: list[Fetched], post_action: str
) -> list[Recorded]:
    """Record new messages as pending entries (or duplicates) in one transaction.

    Copies of a message already owned elsewhere are recorded as duplicates
    right away, with the post-import action pending.
    """
    found = [(f, _identify(f)) for f in fetched]
    try:
        with transaction.atomic():
            entries = _record_batch(folder, uidvalidity, found, post_action)
    except IntegrityError:
        # Another mailbox claimed one of these messages at the same moment:
        # record one at a time, so each either owns its message or duplicates it.
        entries = [_record_one(folder, uidvalidity, f, who, post_action) for f, who in found]
    return [Recorded(f, entry) for (f, _), entry in zip(found, entries, strict=True)]


def _record_batch(
    folder: MailboxFolder,
    uidvalidity: int,
    found: list[tuple[Fetched, _Identity]],
    post_action: str,
) -> list[LedgerEntry]:
    owners = owners_of({who.key for _, who in found})
    entries: dict[int, LedgerEntry] = {}
    for index, (fetched, who) in enumerate(found):
        if who.key not in owners:
            entries[index] = owners[who.key] = _new_entry(folder, uidvalidity, fetched, who)
    LedgerEntry.objects.bulk_create(list(entries.values()))
    duplicates = []
    for index, (fetched, who) in enumerate(found):
        if index not in entries:
            entries[index] = _new_duplicate(
                folder, uidvalidity, fetched, who, owners[who.key], post_action
            )
            duplicates.append(entries[index])
    LedgerEntry.objects.bulk_create(duplicates)
    return [entries[index] for index in range(len(found))]


def _record_one(
    folder: MailboxFolder, uidvalidity: int, fetched: Fetched, who: _Identity, post_action: str
) -> LedgerEntry:
    try:
        with transaction.atomic():
            entry = _new_entry(folder, uidvalidity, fetched, who)
            entry.save()
    except IntegrityError:
        owner = owners_of({who.key})[who.key]
        entry = _new_duplicate(folder, uidvalidity, fetched, who, owner, post_action)
        entry.save()
    return entry


def owners_of(keys: Iterable[str]) -> dict[str, LedgerEntry]:
    keys = list(keys)
    owners: dict[str, LedgerEntry] = {}
    for start in range(0, len(keys), QUERY_CHUNK):
        for entry in LedgerEntry.objects.filter(
            message_key__in=keys[start : start + QUERY_CHUNK], duplicate_of=None
        ):
            owners[entry.message_key] = entry
    return owners


def _new_entry(
    folder: MailboxFolder, uidvalidity: int, fetched: Fetched, who: _Identity
) -> LedgerEntry:
    envelope = fetched.envelope
    return LedgerEntry(
        mailbox_id=folder.mailbox_id,
        folder=folder,
        uidvalidity=uidvalidity,
        uid=envelope.uid,
        message_key=who.key,
        message_id=who.message_id,  # normalize_message_id bounds it to the column
        size=envelope.size,
        received_at=envelope.internal_date,
        attempts=1,
    )


def _new_duplicate(
    folder: MailboxFolder,
    uidvalidity: int,
    fetched: Fetched,
    who: _Identity,
    owner: LedgerEntry,
    post_action: str,
) -> LedgerEntry:
    entry = _new_entry(folder, uidvalidity, fetched, who)
    entry.duplicate_of = owner
    entry.attempts = 0
    entry.outcome = Outcome.DUPLICATE
    entry.reason = f"Same message as ledger entry #{owner.pk} ({owner.outcome})."
    entry.sender, entry.subject = owner.sender, owner.subject
    entry.processed_at = timezone.now()
    entry.post_action = post_action
    return entry


def start_attempt(entry: LedgerEntry) -> bool:
    """Count one more processing attempt; False when the message has had enough."""
    if entry.attempts >= MAX_ATTEMPTS:
        return False
    entry.attempts += 1
    LedgerEntry.objects.filter(pk=entry.pk).update(attempts=entry.attempts)
    return True


def claim_failure(entry: LedgerEntry) -> bool:
    """Take a failed entry to process it again; False when another process took it.

    One conditional UPDATE, run inside the transaction that processes the
    message: a second claim waits for that transaction and then finds the
    entry no longer failed. A crash rolls the claim back with the rest.
    """
    claimed = LedgerEntry.objects.filter(pk=entry.pk, outcome=Outcome.FAILED).update(
        outcome=Outcome.PENDING
    )
    return claimed == 1


def finish(
    entry: LedgerEntry, outcome: str, reason: str, links: dict[str, Any], post_action: str
) -> None:
    """Record the outcome; called in the same transaction as the effects."""
    entry.outcome, entry.reason, entry.error = outcome, reason, ""
    for name, value in links.items():
        setattr(entry, name, value)
    entry.post_action = post_action
    entry.processed_at = timezone.now()
    entry.save(update_fields=[*FINISHED_FIELDS, *links])


# What processing a message sets on its ledger entry.
FINISHED_FIELDS = ("outcome", "reason", "error", "post_action", "processed_at", "sender",
                   "sender_address", "subject")  # fmt: skip


def fail(entry: LedgerEntry, error: str, raw: bytes) -> None:
    """Record a failure, keeping the raw message so an admin can download and retry it."""
    stored_name, _digest = store_file(raw) if raw else ("", "")
    LedgerEntry.objects.filter(pk=entry.pk).update(
        outcome=Outcome.FAILED,
        reason="Processing raised an error; the message was left untouched on the server.",
        error=error[:5000],
        raw_file=stored_name or entry.raw_file,
        post_action=PostAction.NONE,
        sender=entry.sender,
        sender_address=entry.sender_address,
        subject=entry.subject,
        processed_at=timezone.now(),
    )
    entry.refresh_from_db()


def raw_of(entry: LedgerEntry) -> bytes:
    """The kept copy of a failed message."""
    return stored_path(entry.raw_file).read_bytes()


def retryable_failures(folder: MailboxFolder) -> list[LedgerEntry]:
    """Failed messages of a folder that deserve another try on this run."""
    return list(
        LedgerEntry.objects.filter(
            folder=folder, outcome=Outcome.FAILED, attempts__lt=MAX_ATTEMPTS
        ).exclude(raw_file="")
    )


def unfinished_post_actions(folder: MailboxFolder, uidvalidity: int) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            Q(post_action=PostAction.PENDING) | Q(post_action=PostAction.FAILED),
            folder=folder,
            uidvalidity=uidvalidity,
        )
    )
