"""Stage 1 on the wire, against each real IMAP server: namespaces, folders, login refusals.

No database: these talk to Dovecot and Cyrus only (tests/support/servers.py);
``account`` is tests/inbound/conftest.py's fresh user on ``mail_server``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from clearcrm.inbound import imap
from tests.support.dovecot import Dovecot
from tests.support.imapserver import ImapServer
from tests.support.messages import message
from tests.support.servers import EACH_SERVER, ServerPool

each_server = pytest.mark.parametrize("mail_server", EACH_SERVER, indirect=True)

# What each server says in NAMESPACE (RFC 2342) about the personal folders.
PERSONAL = {
    "dovecot": ("", "/"),
    "cyrus-upstream": ("", "/"),
    "cyrus-debian": ("INBOX.", "."),
    "cyrus-nomove": ("", "/"),
}


@pytest.fixture
def session(mail_server: ImapServer, account: tuple[str, str]) -> Iterator[IMAPClient]:
    """A session opened by imap.connect, as the importer opens it."""
    client = imap.connect(
        mail_server.host,
        mail_server.ssl_port,
        "ssl",
        *account,
        context=mail_server.ssl_context(),
    )
    yield client
    imap.close(client)


def server_name(request: pytest.FixtureRequest) -> str:
    return request.node.callspec.params["mail_server"]


@each_server
def test_connect_reads_the_personal_namespace(
    request: pytest.FixtureRequest, session: IMAPClient
) -> None:
    prefix, separator = PERSONAL[server_name(request)]
    assert imap.personal_namespace(session) == imap.Personal(prefix, separator)


@each_server
def test_a_folder_named_without_the_prefix_is_read(
    mail_server: ImapServer, account: tuple[str, str], session: IMAPClient
) -> None:
    sales = mail_server.folder_name("Sales")
    uid = mail_server.append(*account, sales, message(subject="in sales"))

    assert imap.resolve_folder(session, "Sales") == sales
    for named in ("Sales", sales):
        imap.select(session, named, readonly=True)
        assert imap.search_new(session, 0, since=None, unseen=False) == [uid]
    imap.select(session, "inbox", readonly=True)
    assert imap.search_new(session, 0, since=None, unseen=False) == []


@each_server
def test_move_creates_the_folder_in_the_personal_namespace(
    request: pytest.FixtureRequest,
    mail_server: ImapServer,
    account: tuple[str, str],
    session: IMAPClient,
) -> None:
    moved, kept = (mail_server.append(*account, "INBOX", message()) for _ in range(2))
    imap.select(session, "INBOX", readonly=False)
    imap.move(session, [moved], "Done")

    assert mail_server.list_messages(*account, mail_server.folder_name("Done")) == {1: set()}
    inbox = mail_server.list_messages(*account, "INBOX")
    if server_name(request) == "cyrus-nomove":
        # COPY, then \Deleted without UID EXPUNGE: nobody else's mail is expunged.
        assert not imap.can_expunge_single(session)
        assert inbox == {moved: {"\\Deleted"}, kept: set()}
    else:
        assert imap.can_expunge_single(session)
        assert inbox == {kept: set()}
    imap.move(session, [kept], "Done")  # the folder exists now: just moved into
    assert len(mail_server.list_messages(*account, mail_server.folder_name("Done"))) == 2


@pytest.mark.parametrize(
    ("mail_server", "asked", "accepted"),
    [
        # Debian's Cyrus separates levels with "." and refuses "/" in a name.
        ("cyrus-debian", "Clients/ACME", "INBOX.Clients.ACME"),
        # Dovecot (Maildir++) refuses "." in a name.
        ("dovecot", "Clients.ACME", "Clients/ACME"),
    ],
    indirect=["mail_server"],
)
def test_a_refused_create_says_which_name_the_server_accepts(
    session: IMAPClient, asked: str, accepted: str
) -> None:
    with pytest.raises(imap.FolderError) as refused:
        imap.ensure_folder(session, asked)

    assert f"refused to create folder {asked!r}" in str(refused.value)
    assert f"It accepts names like {accepted!r}" in str(refused.value)
    # ... and it does.
    assert imap.ensure_folder(session, accepted) == accepted
    assert accepted in imap.selectable_folders(session)


@each_server
def test_a_missing_folder_is_reported_with_the_folders_there_are(
    request: pytest.FixtureRequest,
    mail_server: ImapServer,
    account: tuple[str, str],
    session: IMAPClient,
) -> None:
    mail_server.create_folder(*account, mail_server.folder_name("Sales"))
    with pytest.raises(imap.FolderError) as missing:
        imap.select(session, "Sale", readonly=True)

    text = str(missing.value)
    tried = "'Sale' (as 'INBOX.Sale')" if server_name(request) == "cyrus-debian" else "'Sale'"
    assert text.startswith(f"The server will not open folder {tried}: ")
    assert text.endswith(f"Folders of this account: 'INBOX', {mail_server.folder_name('Sales')!r}.")
    assert imap.explain(missing.value, "imap.example", 993) == text


def test_a_folder_outside_the_personal_namespace_is_used_as_named(
    imap_servers: ServerPool,
) -> None:
    # Debian's Cyrus: bob's folder shared with ann shows as "user.<bob>.Shared".
    cyrus = imap_servers.get("cyrus-debian")
    ann, bob = cyrus.new_user("ann"), cyrus.new_user("bob")
    uid = cyrus.append(*bob, "INBOX.Shared", message())
    with cyrus.client(*bob) as c:
        c.setacl("INBOX.Shared", ann[0], "lrs")
    client = imap.connect(cyrus.host, cyrus.ssl_port, "ssl", *ann, context=cyrus.ssl_context())
    try:
        shared = f"user.{bob[0]}.Shared"
        assert imap.resolve_folder(client, shared) == shared
        imap.select(client, shared, readonly=True)
        assert imap.search_new(client, 0, since=None, unseen=False) == [uid]
    finally:
        imap.close(client)


@each_server
def test_envelopes_tell_mail_flagged_deleted_elsewhere(
    mail_server: ImapServer, account: tuple[str, str], session: IMAPClient
) -> None:
    deleted = mail_server.append(*account, "INBOX", message(), flags=["\\Deleted", "\\Seen"])
    normal = mail_server.append(*account, "INBOX", message(), flags=["\\Seen"])
    imap.select(session, "INBOX", readonly=True)
    envelopes = imap.fetch_envelopes(session, [deleted, normal])
    assert [(e.uid, e.flagged_deleted) for e in envelopes] == [(deleted, True), (normal, False)]


@pytest.mark.parametrize(
    ("server", "host", "port"),
    [("cyrus-tlsonly", "host", "port"), ("dovecot", "alt_host", "alt_port")],
)
def test_login_disabled_before_encryption_says_to_choose_encryption(
    imap_servers: ServerPool, server: str, host: str, port: str
) -> None:
    mail_server = imap_servers.get(server)
    login, password = mail_server.new_user()
    where = (getattr(mail_server, host), getattr(mail_server, port))

    with pytest.raises(imap.ImapError) as refused:
        imap.connect(*where, "none", login, password)
    assert str(refused.value) == (
        f"{where[0]}:{where[1]} refuses to log in without encryption: it requires SSL/TLS "
        "or STARTTLS, so choose one of them as the encryption setting "
        "(it advertises LOGINDISABLED)."
    )
    client = imap.connect(*where, "starttls", login, password, context=mail_server.ssl_context())
    imap.close(client)


def test_a_login_refused_for_want_of_encryption_is_explained_so(
    imap_servers: ServerPool,
) -> None:
    # Dovecot answers [PRIVACYREQUIRED] (RFC 5530) to a LOGIN sent anyway.
    dovecot = imap_servers.get("dovecot")
    assert isinstance(dovecot, Dovecot)
    user = dovecot.new_user()
    with (
        IMAPClient(dovecot.alt_host, dovecot.alt_port, ssl=False, timeout=10) as c,
        pytest.raises(LoginError) as refused,
    ):
        c.login(*user)
    assert "refuses to log in without encryption" in imap.explain(refused.value, "h", 143)


@each_server
def test_a_wrong_password_is_still_a_wrong_password(
    mail_server: ImapServer, account: tuple[str, str]
) -> None:
    with pytest.raises(imap.ImapError, match=r"check the email address \(login\) and password"):
        imap.connect(
            mail_server.host,
            mail_server.ssl_port,
            "ssl",
            account[0],
            account[1] + "x",
            context=mail_server.ssl_context(),
        )
