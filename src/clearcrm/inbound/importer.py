"""One import run of one mailbox, top to bottom.

    lease the mailbox → connect (imap) → for each folder:
        finish earlier post-actions, retry earlier failures,
        search new UIDs → skip those the ledger has → fetch in byte-bounded batches →
        record in the ledger → parse → decide → apply (one transaction a message) →
        post-actions for the batch → advance the folder's cursor

`import_mailbox` is the one entry point for the CLI, the task queue and the web.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError

from clearcrm.inbound import imap, ledger, postactions
from clearcrm.inbound.apply import apply
from clearcrm.inbound.decide import Incoming, correspondent, decide
from clearcrm.inbound.extract import extract_lead_details
from clearcrm.inbound.imap import Envelope, ImapError
from clearcrm.inbound.known import Known
from clearcrm.inbound.lease import acquire_lease, owner_name, release_lease, renew_lease
from clearcrm.inbound.ledger import Candidate
from clearcrm.inbound.models import (
    ImportRun,
    LedgerEntry,
    Mailbox,
    MailboxFolder,
    Outcome,
)
from clearcrm.inbound.parse import ParsedEmail, parse_message
from clearcrm.notifications.send import send_outbox

log = logging.getLogger(__name__)

COMMIT_GROUP = 50
# "retried": failed messages processed again from their kept copy on this run.
REPORTED_OUTCOMES = [o.value for o in Outcome if o != Outcome.PENDING] + ["retried"]

Progress = Callable[[int, int], None]


@dataclass
class RunSummary:
    mailbox: int
    seen: int = 0
    outcomes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    busy: bool = False  # another run held the mailbox: nothing was done
    login_refused: bool = False

    def as_dict(self) -> dict:
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
    by_uid = {e.uid: e for e in batch}
    candidates = [
        Candidate(by_uid[f.uid], f.raw, f.headers_only)
        for f in imap.fetch_messages(client, batch, run.mailbox.max_message_size)
    ]
    new = [c for c in candidates if c.envelope.uid not in recorded]
    ledger.record(state, uidvalidity, new, postactions.planned(run.mailbox, Outcome.DUPLICATE))
    resumed = [c for c in candidates if c.envelope.uid in recorded]
    for candidate in resumed:
        candidate.entry = recorded[candidate.envelope.uid]
    run.count(Outcome.DUPLICATE, sum(c.entry.outcome == Outcome.DUPLICATE for c in new))
    fresh = [c for c in new if c.entry.outcome == Outcome.PENDING]
    for candidate in (*resumed, *fresh):
        read(candidate, run.mailbox)
    known = Known.about(
        run.mailbox,
        {correspondent(c.parsed, c.details) for c in (*resumed, *fresh)},
        (c.parsed for c in (*resumed, *fresh)),
    )

    # A message an earlier run died on is retried alone, its attempt counted
    # first, so a message that kills the importer is found out and set aside.
    for candidate in resumed:
        if not ledger.start_attempt(candidate.entry):
            ledger.fail(candidate.entry, _gave_up(candidate.entry), candidate.raw)
            run.count(Outcome.FAILED)
        else:
            run.count(process(run.mailbox, state.name, candidate, known))
    # New messages commit in small groups: each message in its own savepoint,
    # so a failure undoes only that message, without a commit per message.
    for start in range(0, len(fresh), COMMIT_GROUP):
        with transaction.atomic():
            for candidate in fresh[start : start + COMMIT_GROUP]:
                run.count(process(run.mailbox, state.name, candidate, known))
    error = postactions.run(client, run.mailbox, [c.entry for c in candidates])
    if error:
        run.summary.errors.append(f"Folder {state.name!r}: after-import action failed: {error}")
    send_outbox()


def _gave_up(entry: LedgerEntry) -> str:
    return (
        f"Processing this message was interrupted {entry.attempts} times (the importer "
        "crashed or was killed while on it), so it is left for an admin to look at."
    )


def read(candidate: Candidate, mailbox: Mailbox) -> None:
    """Parse a message, and extract who it is from and what it says about them."""
    parsed = parse_message(candidate.raw, headers_only=candidate.headers_only)
    sender = parsed.sender
    candidate.parsed = parsed
    candidate.details = extract_lead_details(
        sender_name=sender.name if sender else "",
        sender_email=sender.email if sender else "",
        reply_to=[(a.name, a.email) for a in parsed.reply_to],
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        default_region=mailbox.phone_region or None,
    )


def process(mailbox: Mailbox, folder: str, candidate: Candidate, known: Known) -> str:
    """Decide and apply one read message; its effects and ledger entry commit together."""
    entry, parsed = candidate.entry, candidate.parsed
    message = Incoming(
        mailbox,
        parsed,
        candidate.details,
        candidate.raw,
        folder,
        received_at=candidate.envelope.internal_date,
        known=known,
        size=candidate.envelope.size,
        headers_only=candidate.headers_only,
    )
    entry.sender = _sender_text(parsed)[:300]
    entry.sender_address = message.address[:254]
    entry.subject = parsed.subject[:998]
    try:
        with transaction.atomic():
            decision = decide(message)
            effects = apply(message, decision)
            ledger.finish(
                entry,
                decision.outcome,
                decision.reason,
                effects.links(),
                postactions.planned(mailbox, decision.outcome),
            )
    except Exception as exc:
        log.exception("mailbox %s: message UID %s failed", mailbox.pk, entry.uid)
        ledger.fail(entry, f"{type(exc).__name__}: {exc}", candidate.raw)
    else:
        known.remember(effects.lead, effects.lead_email)
    return entry.outcome


def _sender_text(parsed: ParsedEmail) -> str:
    contact = parsed.contact
    if contact is None:
        return ""
    return f"{contact.name} <{contact.email}>" if contact.name else contact.email


def _retry_failures(run: Run, client: IMAPClient, state: MailboxFolder) -> None:
    retried = []
    for entry in ledger.retryable_failures(state):
        ledger.start_attempt(entry)
        retry(entry, run.mailbox)
        run.summary.outcomes["retried"] += 1
        if entry.uidvalidity == state.uidvalidity:
            retried.append(entry)
    postactions.run(client, run.mailbox, retried)


def retry(entry: LedgerEntry, mailbox: Mailbox | None = None) -> str:
    """Process a failed message again from its kept raw copy."""
    mailbox = mailbox or entry.mailbox
    envelope = Envelope(entry.uid, entry.size, entry.received_at, frozenset(), b"")
    candidate = Candidate(envelope, ledger.raw_of(entry), headers_only=False, entry=entry)
    read(candidate, mailbox)
    address = correspondent(candidate.parsed, candidate.details)
    return process(
        mailbox, entry.folder.name, candidate, Known.about(mailbox, {address}, [candidate.parsed])
    )


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
