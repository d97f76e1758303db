"""Stage 6, post-actions: flag, move or delete imported mail on the server.

They run only after the message's effects are committed. A failure leaves the
ledger entry's post_action 'failed' and the next run tries again; the message
itself is never processed twice (the ledger says it is done).
"""

from __future__ import annotations

from imapclient import IMAPClient

from clearcrm.inbound import imap
from clearcrm.inbound.models import LedgerEntry, Mailbox, Outcome, PostAction

# Outcomes after which the message counts as imported, so the mailbox's
# "after import" settings apply. Skipped and failed mail is left untouched.
IMPORTED = {
    Outcome.LEAD_CREATED,
    Outcome.LEAD_APPENDED,
    Outcome.TASK_CREATED,
    Outcome.CUSTOMER_LOGGED,
    Outcome.DUPLICATE,
}


# Filtered mail (spam, auto-replies, bounces, lists...) is marked read like
# imported mail, so it is not looked at again, but never deleted or moved:
# a filter can be wrong, and then the message is still there.
FILTERED = {
    Outcome.BLOCKED,
    Outcome.AUTO_REPLY,
    Outcome.BOUNCE,
    Outcome.LIST_MAIL,
    Outcome.RATE_LIMITED,
    Outcome.OWN_MAIL,
}


def planned(mailbox: Mailbox, outcome: str) -> str:
    """Whether a message with this outcome has something to do on the server."""
    if outcome in IMPORTED and mailbox.changes_server:
        return PostAction.PENDING
    if outcome in FILTERED and mailbox.only_unseen:
        return PostAction.PENDING
    return PostAction.NONE


def run(client: IMAPClient, mailbox: Mailbox, entries: list[LedgerEntry]) -> str:
    """Apply the post-import action to entries of the selected folder; '' or the error."""
    todo = [e for e in entries if e.post_action in (PostAction.PENDING, PostAction.FAILED)]
    if not todo:
        return ""
    imported = [e.uid for e in todo if e.outcome in IMPORTED]
    try:
        if mailbox.only_unseen:
            imap.mark_seen(client, [e.uid for e in todo])
        if imported and mailbox.after_import == Mailbox.AfterImport.DELETE:
            imap.delete(client, imported)
        elif imported and mailbox.after_import == Mailbox.AfterImport.MOVE:
            imap.move(client, imported, mailbox.move_to)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        _mark(entries, PostAction.FAILED, error)
        return error
    _mark(entries, PostAction.DONE, "")
    return ""


def _mark(entries: list[LedgerEntry], state: str, error: str) -> None:
    pks = [e.pk for e in entries if e.post_action in (PostAction.PENDING, PostAction.FAILED)]
    for start in range(0, len(pks), 500):
        LedgerEntry.objects.filter(pk__in=pks[start : start + 500]).update(
            post_action=state, post_action_error=error
        )
    for entry in entries:
        if entry.post_action in (PostAction.PENDING, PostAction.FAILED):
            entry.post_action, entry.post_action_error = state, error
