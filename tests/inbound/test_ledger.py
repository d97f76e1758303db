"""The ledger (inbound.ledger): recording, owning and claiming messages. Database, no server."""

import pytest

from clearcrm.inbound import ledger
from clearcrm.inbound.imap import Envelope, Fetched
from clearcrm.inbound.models import LedgerEntry, Mailbox, MailboxFolder, Outcome, PostAction
from tests.support.messages import message

pytestmark = pytest.mark.django_db


@pytest.fixture
def folders():
    mailbox = Mailbox.objects.create(name="Sales", host="imap.example", login="s@example.com")
    return [MailboxFolder.objects.create(mailbox=mailbox, name=n) for n in ("INBOX", "Web")]


def fetched(uid: int, raw: bytes, message_id: str = "") -> Fetched:
    header = f"Message-ID: <{message_id}>\r\n".encode() if message_id else b""
    return Fetched(Envelope(uid, len(raw), None, frozenset(), header), raw, headers_only=False)


def test_new_messages_are_recorded_pending_and_copies_as_duplicates(folders):
    inbox, web = folders
    first = ledger.record(inbox, 7, [fetched(1, message(), "a@x.example"),
                                     fetched(2, b"no id", "")], PostAction.PENDING)  # fmt: skip
    assert [r.entry.outcome for r in first] == [Outcome.PENDING, Outcome.PENDING]
    assert first[0].entry.message_key == "mid:a@x.example"
    assert first[1].entry.message_key.startswith("sha256:")
    assert first[0].fetched.envelope.uid == 1
    [copy] = ledger.record(web, 3, [fetched(5, message(), "a@x.example")], PostAction.PENDING)
    assert copy.entry.outcome == Outcome.DUPLICATE
    assert copy.entry.duplicate_of == first[0].entry
    assert copy.entry.post_action == PostAction.PENDING
    assert ledger.entries_at(inbox, 7, [1, 2, 3]).keys() == {1, 2}


def test_one_batch_with_the_same_message_twice_owns_it_once(folders):
    inbox, _ = folders
    recorded = ledger.record(
        inbox, 7, [fetched(1, b"x", "same@x.example"), fetched(2, b"x", "same@x.example")], ""
    )
    assert [r.entry.outcome for r in recorded] == [Outcome.PENDING, Outcome.DUPLICATE]


def test_a_failure_keeps_the_message_and_is_claimed_once(folders):
    inbox, _ = folders
    [recorded] = ledger.record(inbox, 7, [fetched(1, b"raw bytes", "f@x.example")], "")
    entry = recorded.entry
    ledger.fail(entry, "RuntimeError: boom", b"raw bytes")
    assert entry.outcome == Outcome.FAILED and ledger.raw_of(entry) == b"raw bytes"
    assert ledger.retryable_failures(inbox) == [entry]
    assert ledger.claim_failure(entry) is True
    assert ledger.claim_failure(entry) is False  # no longer a failure: someone has it
    assert LedgerEntry.objects.get(pk=entry.pk).outcome == Outcome.PENDING


def test_attempts_stop_at_the_limit(folders):
    inbox, _ = folders
    [recorded] = ledger.record(inbox, 7, [fetched(1, b"x", "n@x.example")], "")
    entry = recorded.entry
    for _ in range(ledger.MAX_ATTEMPTS - 1):
        assert ledger.start_attempt(entry)
    assert not ledger.start_attempt(entry)
    assert LedgerEntry.objects.get(pk=entry.pk).attempts == ledger.MAX_ATTEMPTS


def test_message_key_and_header_message_id():
    assert ledger.header_message_id(b"Message-ID: <Abc@Example.COM>\r\n") == "Abc@example.com"
    assert ledger.header_message_id(b"") == ""
    assert ledger.message_key("", b"x") == ledger.message_key("", b"x")
    assert ledger.message_key("id@x", b"x") == "mid:id@x"
