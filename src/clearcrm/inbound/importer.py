"""One import run of one mailbox, top to bottom.

    lease the mailbox → connect (imap) → for each folder:
        finish earlier post-actions, retry earlier failures,
        search new UIDs → skip those the ledger has → fetch in byte-bounded batches →
        record in the ledger → read (parse, extract) → decide → apply
        (one transaction a message) → post-actions for the batch → advance the cursor
    → release the lease → send the notification emails the run wrote

`import_mailbox` is the one entry point for an import run; `retry` processes
one failed message again (the CLI's and the admin's retry).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError

from clearcrm.inbound import imap, ledger, postactions
from clearcrm.inbound.apply import apply
from clearcrm.inbound.decide import decide
from clearcrm.inbound.imap import Envelope, Fetched, ImapError
from clearcrm.inbound.known import Known
from clearcrm.inbound.lease import acquire_lease, owner_name, release_lease, renew_lease
from clearcrm.inbound.ledger import Recorded
from clearcrm.inbound.message import Incoming, Read, read
from clearcrm.inbound.models import (
    ImportRun,
    LedgerEntry,
    Mailbox,
    MailboxFolder,
    Outcome,
)
from clearcrm.inbound.parse import ParsedEmail
from clearcrm.notifications.send import send_outbox

log = logging.getLogger(__name__)

COMMIT_GROUP = 50
# The sizes of the ledger entry's columns that describe its message.
SENDER_CHARS, ADDRESS_CHARS, SUBJECT_CHARS = 300, 254, 998
# "retried": failed messages processed again from their kept copy on this run.
REPORTED_OUTCOMES = [o.value for o in Outcome if o != Outcome.PENDING] + ["retried"]

Progress = Callable[[int, int], None]


@dataclass
class RunSummary:
    mailbox: int
    seen: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    busy: bool = False  # another run held the mailbox: nothing was done
    login_refused: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "seen": self.seen,
            "outcomes": {name: self.outcomes.get(name, 0) for name in REPORTED_OUTCOMES},
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Run:
    """What the steps of one run share."""

    mailbox: Mailbox
    summary: RunSummary
    lease_owner: str
    progress: Progress | None = None
    done: int = 0
    total: int = 0

    def count(self, outcome: str, n: int = 1) -> None:
        self.summary.outcomes[outcome] += n
        self.summary.seen += n
        self.done += n
        if self.progress:
            self.progress(self.done, self.total)


def import_mailbox(mailbox: Mailbox, *, progress: Progress | None = None) -> RunSummary:
    """Import new mail from every folder of a mailbox, once."""
    started = time.monotonic()
    run = Run(mailbox, RunSummary(mailbox.pk), lease_owner=owner_name(), progress=progress)
    if not acquire_lease(mailbox, run.lease_owner):
        run.summary.errors.append("Another import of this mailbox is running; nothing done.")
        run.summary.busy = True
        return run.summary
    try:
        _import_folders(run)
    finally:
        release_lease(mailbox, run.lease_owner)
        run.summary.seconds = time.monotonic() - started
        ImportRun.objects.create(
            mailbox=mailbox,
            seconds=run.summary.seconds,
            seen=run.summary.seen,
            outcomes=run.summary.as_dict()["outcomes"],
            errors=run.summary.errors,
        )
    # Not while holding the lease: a slow mail server must not hold up the next import.
    send_outbox()
    return run.summary


def _import_folders(run: Run) -> None:
    mailbox = run.mailbox
    try:
        client = connect(mailbox)
    except ImapError as exc:
        _record_mailbox_error(mailbox, str(exc))
        run.summary.errors.append(str(exc))
        run.summary.login_refused = exc.login_refused
        return
    try:
        for name in mailbox.folder_names:
            state, _ = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=name)
            try:
                import_folder(run, client, state)
            except Exception as exc:
                error = f"Folder {name!r}: {imap.explain(exc, mailbox.host, mailbox.port)}"
                log.warning("mailbox %s: %s", mailbox.pk, error)
                _record_folder_error(state, error)
                run.summary.errors.append(error)
                if isinstance(exc, IMAPClientAbortError | OSError):
                    break  # the connection is gone: the next run starts afresh
    finally:
        imap.close(client)
    _record_mailbox_result(mailbox, run.summary.errors)


def connect(mailbox: Mailbox) -> IMAPClient:
    return imap.connect(
        mailbox.host,
        mailbox.port,
        mailbox.encryption,
        mailbox.login,
        mailbox.password,
        skip_verify=mailbox.skip_verify,
    )


def import_folder(run: Run, client: IMAPClient, state: MailboxFolder) -> None:
    mailbox = run.mailbox
    uidvalidity = imap.select(client, state.name, readonly=not mailbox.changes_server)
    if state.uidvalidity != uidvalidity:
        # RFC 3501 §2.3.1.1: old UIDs mean nothing now. Start over; the ledger's
        # message keys recognise every message already imported.
        state.uidvalidity, state.last_uid = uidvalidity, 0
        state.save(update_fields=["uidvalidity", "last_uid"])
    postactions.run(client, mailbox, ledger.unfinished_post_actions(state, uidvalidity))
    _retry_failures(run, client, state)

    uids = imap.search_new(client, state.last_uid, since=mailbox.since, unseen=mailbox.only_unseen)
    recorded = ledger.entries_at(state, uidvalidity, uids)
    pending = {uid for uid, entry in recorded.items() if entry.outcome == Outcome.PENDING}
    finished = [uid for uid in uids if uid in recorded and uid not in pending]
    wanted = [uid for uid in uids if uid not in recorded or uid in pending]
    run.total += len(uids)
    run.count(Outcome.DUPLICATE, len(finished))

    envelopes = imap.fetch_envelopes(client, wanted) if wanted else []
    for batch in imap.plan_fetches(envelopes, mailbox.max_message_size):
        _import_batch(run, client, state, uidvalidity, batch, recorded)
        state.last_uid = max(state.last_uid, batch[-1].uid)
        state.save(update_fields=["last_uid"])
        renew_lease(mailbox, run.lease_owner)
    if uids:
        state.last_uid = max(state.last_uid, uids[-1])
    state.last_run_at, state.last_error, state.consecutive_failures = timezone.now(), "", 0
    state.save(update_fields=["last_uid", "last_run_at", "last_error", "consecutive_failures"])


def _import_batch(
    run: Run,
    client: IMAPClient,
    state: MailboxFolder,
    uidvalidity: int,
    batch: list[Envelope],
    recorded: dict[int, LedgerEntry],
) -> None:
    fetched = imap.fetch_messages(client, batch, run.mailbox.max_message_size)
    new = ledger.record(
        state,
        uidvalidity,
        [f for f in fetched if f.envelope.uid not in recorded],
        postactions.planned(run.mailbox, Outcome.DUPLICATE),
    )
    resumed = [
        read(Recorded(f, recorded[f.envelope.uid]), run.mailbox)
        for f in fetched
        if f.envelope.uid in recorded
    ]
    run.count(Outcome.DUPLICATE, sum(r.entry.outcome == Outcome.DUPLICATE for r in new))
    fresh = [read(r, run.mailbox) for r in new if r.entry.outcome == Outcome.PENDING]
    known = Known.about(
        run.mailbox,
        {m.correspondent for m in (*resumed, *fresh)},
        (m.parsed for m in (*resumed, *fresh)),
    )

    # A message an earlier run died on is retried alone, its attempt counted
    # first, so a message that kills the importer is found out and set aside.
    for message in resumed:
        if not ledger.start_attempt(message.entry):
            ledger.fail(message.entry, _gave_up(message.entry), message.recorded.fetched.raw)
            run.count(Outcome.FAILED)
        else:
            run.count(process(run.mailbox, state.name, message, known))
    # New messages commit in small groups: each message in its own savepoint,
    # so a failure undoes only that message, without a commit per message.
    for start in range(0, len(fresh), COMMIT_GROUP):
        with transaction.atomic():
            for message in fresh[start : start + COMMIT_GROUP]:
                run.count(process(run.mailbox, state.name, message, known))
    entries = [r.entry for r in new] + [m.entry for m in resumed]
    error = postactions.run(client, run.mailbox, entries)
    if error:
        run.summary.errors.append(f"Folder {state.name!r}: after-import action failed: {error}")


def _gave_up(entry: LedgerEntry) -> str:
    return (
        f"Processing this message was interrupted {entry.attempts} times (the importer "
        "crashed or was killed while on it), so it is left for an admin to look at."
    )


def process(
    mailbox: Mailbox, folder: str, message: Read, known: Known, *, retrying: bool = False
) -> str:
    """Decide and apply one read message; its effects and ledger entry commit together.

    ``retrying``: the entry is a failure processed again, claimed first with a
    conditional UPDATE inside the same transaction, so that of an admin's retry
    and an import's retry of the same message only one processes it.
    """
    entry, parsed = message.entry, message.parsed
    incoming = Incoming.of(message, mailbox, folder, known)
    entry.sender = _sender_text(parsed)[:SENDER_CHARS]
    entry.sender_address = incoming.correspondent[:ADDRESS_CHARS]
    entry.subject = parsed.subject[:SUBJECT_CHARS]
    try:
        with transaction.atomic():
            if retrying and not ledger.claim_failure(entry):
                entry.refresh_from_db()
                return entry.outcome  # another process retried it meanwhile
            decision = decide(incoming)
            effects = apply(incoming, decision)
            ledger.finish(
                entry,
                decision.outcome,
                decision.reason,
                effects.links(),
                postactions.planned(mailbox, decision.outcome),
            )
    except Exception as exc:
        log.exception("mailbox %s: message UID %s failed", mailbox.pk, entry.uid)
        ledger.fail(entry, f"{type(exc).__name__}: {exc}", message.recorded.fetched.raw)
    else:
        known.remember(effects.lead, effects.lead_email)
    return entry.outcome


def _sender_text(parsed: ParsedEmail) -> str:
    """The reply address as shown in the ledger: 'Name <address>'."""
    reply = parsed.reply_address
    if reply is None:
        return ""
    return f"{reply.name} <{reply.email}>" if reply.name else reply.email


def _retry_failures(run: Run, client: IMAPClient, state: MailboxFolder) -> None:
    retried = []
    for entry in ledger.retryable_failures(state):
        ledger.start_attempt(entry)
        _retry(entry, run.mailbox)
        run.summary.outcomes["retried"] += 1
        if entry.uidvalidity == state.uidvalidity:
            retried.append(entry)
    postactions.run(client, run.mailbox, retried)


def retry(entry: LedgerEntry) -> str:
    """Process a failed message again from its kept copy (the CLI's and the admin's retry).

    Returns the outcome; when an import retried the message meanwhile, its outcome.
    Notification emails go out afterwards, as after an import.
    """
    outcome = _retry(entry, entry.mailbox)
    send_outbox()
    return outcome


def _retry(entry: LedgerEntry, mailbox: Mailbox) -> str:
    envelope = Envelope(entry.uid, entry.size, entry.received_at, frozenset(), b"")
    fetched = Fetched(envelope, ledger.raw_of(entry), headers_only=False)
    message = read(Recorded(fetched, entry), mailbox)
    known = Known.about(mailbox, {message.correspondent}, [message.parsed])
    return process(mailbox, entry.folder.name, message, known, retrying=True)


def _record_mailbox_error(mailbox: Mailbox, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_error=error,
        last_error_at=timezone.now(),
        last_run_at=timezone.now(),
        consecutive_failures=F("consecutive_failures") + 1,
    )


def _record_mailbox_result(mailbox: Mailbox, errors: list[str]) -> None:
    if errors:
        _record_mailbox_error(mailbox, "\n".join(errors)[:5000])
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_error="", last_run_at=timezone.now(), consecutive_failures=0
        )


def _record_folder_error(state: MailboxFolder, error: str) -> None:
    MailboxFolder.objects.filter(pk=state.pk).update(
        last_error=error,
        last_error_at=timezone.now(),
        consecutive_failures=F("consecutive_failures") + 1,
    )
