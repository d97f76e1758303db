"""Which messages get an after-import action (inbound.postactions.planned). No server.

Carrying the actions out on a real server is tested end to end (e2e/test_importer.py).
"""

import pytest

from clearcrm.inbound.models import Mailbox, Outcome, PostAction
from clearcrm.inbound.postactions import FILTERED, IMPORTED, planned


@pytest.mark.parametrize("outcome", sorted(IMPORTED))
def test_imported_mail_is_acted_on_when_the_mailbox_changes_the_server(outcome):
    assert planned(Mailbox(only_unseen=True), outcome) == PostAction.PENDING
    assert planned(Mailbox(only_unseen=False, after_import="delete"), outcome) == "pending"
    assert planned(Mailbox(only_unseen=False, after_import="keep"), outcome) == PostAction.NONE


@pytest.mark.parametrize("outcome", sorted(FILTERED))
def test_filtered_mail_is_only_ever_marked_read(outcome):
    assert planned(Mailbox(only_unseen=True), outcome) == PostAction.PENDING
    assert planned(Mailbox(only_unseen=False, after_import="delete"), outcome) == "none"


@pytest.mark.parametrize("outcome", [Outcome.FAILED, Outcome.SKIPPED_OLD, Outcome.PENDING])
def test_failed_and_skipped_mail_is_left_alone(outcome):
    assert planned(Mailbox(only_unseen=True, after_import="delete"), outcome) == PostAction.NONE
