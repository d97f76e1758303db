"""The import engine end to end against each IMAP server (tests/support/servers.py).

Parametrising ``mail_server`` switches every fixture of tests/inbound/conftest.py
(account, make_mailbox, put, server_flags) to that server.
"""

import pytest

from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import LedgerEntry, Mailbox, PostAction
from clearcrm.leads.models import Lead
from tests.support.messages import message
from tests.support.servers import EACH_SERVER

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("mail_server", EACH_SERVER, indirect=True)
def test_folders_named_without_the_prefix_are_read_and_moved_into(
    request, mail_server, make_mailbox, put, server_flags
):
    uid = put(message(subject="Quote"), folder=mail_server.folder_name("Sales"))
    mailbox = make_mailbox(folders=["Sales"], after_import=Mailbox.AfterImport.MOVE, move_to="Done")

    summary = import_mailbox(mailbox)

    assert summary.errors == [] and Lead.objects.count() == 1
    assert LedgerEntry.objects.get().post_action == PostAction.DONE
    assert server_flags(mail_server.folder_name("Done")) == {1: {"\\Seen"}}
    sales = server_flags(mail_server.folder_name("Sales"))
    if request.node.callspec.params["mail_server"] == "cyrus-nomove":
        assert sales == {uid: {"\\Seen", "\\Deleted"}}  # no UIDPLUS: flagged, not expunged
    else:
        assert sales == {}


@pytest.mark.parametrize("mail_server", ["cyrus-tlsonly"], indirect=True)
def test_a_server_that_disables_plaintext_login_asks_for_encryption(mail_server, make_mailbox, put):
    put(message())
    mailbox = make_mailbox(encryption="none", port=mail_server.port)

    import_mailbox(mailbox)

    mailbox.refresh_from_db()
    assert "requires SSL/TLS or STARTTLS" in mailbox.last_error
    assert "password" not in mailbox.last_error
    Mailbox.objects.filter(pk=mailbox.pk).update(encryption="starttls")
    mailbox.refresh_from_db()
    assert import_mailbox(mailbox).errors == [] and Lead.objects.count() == 1
