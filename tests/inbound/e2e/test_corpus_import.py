"""Every real-world message of ../shared/corpus goes through a full import from Dovecot."""

import re

import pytest

from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import LedgerEntry, Outcome
from clearcrm.leads.models import Lead, LeadEmail
from tests.conftest import corpus_or_unavailable

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ENCODED_WORD = re.compile(r"=\?[\w-]+\?[bq]\?", re.IGNORECASE)


def corpus_messages() -> list[bytes]:
    corpus = corpus_or_unavailable()
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("README"))
    return [p.read_bytes() for p in files]


def test_whole_corpus_imports_with_an_outcome_for_every_message(make_mailbox, dovecot, account):
    login, password = account
    raws = corpus_messages()
    uids = dovecot.append_many(login, password, "INBOX", raws, batch_size=20)
    assert len(uids) == len(raws)

    summary = import_mailbox(make_mailbox(only_unseen=False, create_task_if_customer=True))

    assert summary.errors == []
    assert summary.seen == len(raws)
    entries = LedgerEntry.objects.all()
    assert entries.count() == len(raws)
    assert not entries.filter(outcome=Outcome.PENDING).exists()
    failed = list(entries.filter(outcome=Outcome.FAILED).values_list("uid", "error"))
    assert failed == [], failed
    texts = [
        *Lead.objects.values_list("name", flat=True),
        *LeadEmail.objects.values_list("subject", flat=True),
        *LeadEmail.objects.values_list("from_name", flat=True),
        *entries.values_list("subject", flat=True),
        *entries.values_list("sender", flat=True),
    ]
    leftovers = [t for t in texts if ENCODED_WORD.search(t)]
    assert leftovers == []
    print(f"corpus import: {len(raws)} messages, {summary.as_dict()['outcomes']}")
