"""The import engine against a real Dovecot: every setting and every outcome."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User

from clearcrm.attachments.models import Attachment
from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound import decide, imap
from clearcrm.inbound.importer import import_mailbox, retry
from clearcrm.inbound.models import ImportRun, LedgerEntry, Mailbox, Outcome, PostAction
from clearcrm.leads.models import Lead, LeadEmail, LeadSource, LeadStatus
from clearcrm.tasks.models import Task
from tests.inbound.e2e.conftest import import_at_once
from tests.support.messages import message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def outcomes(summary) -> dict:
    return {k: v for k, v in summary.as_dict()["outcomes"].items() if v}


def test_enquiry_becomes_a_lead_with_the_mailbox_defaults(make_mailbox, put, server_flags):
    ana = User.objects.create_user("ana", "ana@clearcrm.test")
    status = LeadStatus.objects.get(name="Contacted")
    source = LeadSource.objects.get(name="Web form")
    mailbox = make_mailbox(
        responsible=ana, default_status=status, default_source=source, mark_public=True
    )
    put(
        message(
            sender="Jane Doe <Jane.Doe@Example.org>",
            subject="Quote for 40 seats",
            body="Hello, please send a quote.",
            message_id="<q1@example.org>",
            attachments=[("quote request.pdf", "application/pdf", b"%PDF-1.4 data")],
        )
    )

    summary = import_mailbox(mailbox)

    assert outcomes(summary) == {"lead_created": 1}
    assert summary.seen == 1 and not summary.errors
    lead = Lead.objects.get()
    assert (lead.name, lead.email) == ("Jane Doe", "jane.doe@example.org")
    assert (lead.status, lead.source, lead.assigned, lead.is_public) == (status, source, ana, True)
    assert lead.mailbox == mailbox
    assert "please send a quote" in lead.description
    email = lead.emails.get()
    assert (email.subject, email.message_id) == ("Quote for 40 seats", "q1@example.org")
    attachment = Attachment.objects.get(lead=lead)
    assert attachment.original_name == "quote request.pdf" and attachment.lead_email == email
    assert attachment.path.read_bytes() == b"%PDF-1.4 data"
    entry = LedgerEntry.objects.get()
    assert (entry.outcome, entry.lead, entry.lead_email) == (Outcome.LEAD_CREATED, lead, email)
    assert "new lead" in entry.reason
    assert entry.post_action == PostAction.DONE
    assert server_flags() == {entry.uid: {"\\Seen"}}
    assert ImportRun.objects.get(mailbox=mailbox).outcomes["lead_created"] == 1
    assert lead.activities.filter(text__contains="Lead created").exists()


def test_defaults_when_the_mailbox_sets_none(make_mailbox, put):
    put(message(sender="nobody-named@example.org"))
    import_mailbox(make_mailbox())
    lead = Lead.objects.get()
    assert lead.name == "Nobody Named"  # taken from the address when nothing better exists
    assert (lead.status.name, lead.source.name, lead.assigned, lead.is_public) == (
        "New", "Email", None, False,
    )  # fmt: skip


def test_reply_in_a_known_thread_joins_the_lead(make_mailbox, put):
    mailbox = make_mailbox()
    put(message(sender="jane@example.org", message_id="<first@example.org>"))
    import_mailbox(mailbox)
    # The reply comes from another address, but names the first mail in In-Reply-To.
    put(message(sender="jane.private@example.net", in_reply_to="<first@example.org>"))
    summary = import_mailbox(mailbox)
    assert outcomes(summary) == {"lead_appended": 1}
    lead = Lead.objects.get()
    assert lead.emails.count() == 2
    assert "replies to" in LedgerEntry.objects.get(outcome=Outcome.LEAD_APPENDED).reason


def test_mail_from_a_leads_address_joins_the_lead(make_mailbox, put):
    mailbox = make_mailbox()
    put(message(sender="Jane <jane@example.org>", subject="first"))
    import_mailbox(mailbox)
    put(message(sender="JANE@EXAMPLE.ORG", subject="second"))
    assert outcomes(import_mailbox(mailbox)) == {"lead_appended": 1}
    lead = Lead.objects.get()
    assert [e.subject for e in lead.emails.all()] == ["first", "second"]
    assert lead.last_contact is not None


def test_single_reply_to_wins_over_from(make_mailbox, put):
    put(message(sender="Website <wordpress@shop.example>", reply_to="Visitor <v@example.org>"))
    import_mailbox(make_mailbox())
    assert Lead.objects.get().email == "v@example.org"


def customer_with_contact(manager: User | None = None) -> Contact:
    customer = Customer.objects.create(company="Northwind", account_manager=manager)
    return Contact.objects.create(
        customer=customer, first_name="Laura", email="laura@northwind.test"
    )


def test_customer_mail_becomes_a_task_for_the_account_manager(make_mailbox, put):
    manager = User.objects.create_user("ben")
    contact = customer_with_contact(manager)
    put(
        message(
            sender="Laura Callahan <laura@northwind.test>",
            subject="Invoice question",
            body="Where is my invoice?",
            attachments=[("invoice.txt", "text/plain", b"INV-1")],
        )
    )
    summary = import_mailbox(make_mailbox(create_task_if_customer=True))
    assert outcomes(summary) == {"task_created": 1}
    task = Task.objects.get()
    assert task.title == "Laura Callahan - laura@northwind.test"
    assert task.customer == contact.customer
    assert list(task.assignees.all()) == [manager]
    assert "Invoice question" in task.description and "Where is my invoice?" in task.description
    assert task.attachments.get().original_name == "invoice.txt"
    assert not Lead.objects.exists()


def test_customer_task_falls_back_to_the_responsible(make_mailbox, put):
    responsible = User.objects.create_user("ana")
    customer_with_contact(manager=None)
    put(message(sender="laura@northwind.test"))
    import_mailbox(make_mailbox(create_task_if_customer=True, responsible=responsible))
    assert list(Task.objects.get().assignees.all()) == [responsible]


def test_customer_mail_is_logged_when_tasks_are_off(make_mailbox, put):
    contact = customer_with_contact()
    put(message(sender="laura@northwind.test", subject="Thanks!", body="All good."))
    summary = import_mailbox(make_mailbox(create_task_if_customer=False))
    assert outcomes(summary) == {"customer_logged": 1}
    note = contact.customer.notes.get()
    assert "Thanks!" in note.text and "All good." in note.text
    assert contact.customer.activities.filter(text__contains="Thanks!").exists()
    assert not Task.objects.exists() and not Lead.objects.exists()


def test_mail_before_import_since_is_skipped(make_mailbox, put, server_flags):
    put(message(subject="ancient", date=datetime(2019, 5, 1, tzinfo=UTC)))
    put(message(subject="recent"))
    summary = import_mailbox(make_mailbox(since=date(2024, 1, 1)))
    assert outcomes(summary) == {"skipped_old": 1, "lead_created": 1}
    skipped = LedgerEntry.objects.get(outcome=Outcome.SKIPPED_OLD)
    assert "2019-05-01" in skipped.reason
    assert server_flags()[skipped.uid] == set()  # skipped mail is left as it was


def test_only_unseen_ignores_mail_read_elsewhere(make_mailbox, put):
    put(message(subject="read in Thunderbird"), flags=["\\Seen"])
    put(message(subject="new"))
    summary = import_mailbox(make_mailbox(only_unseen=True))
    assert outcomes(summary) == {"lead_created": 1}
    assert LeadEmail.objects.get().subject == "new"


def test_all_messages_imports_read_mail_and_changes_no_flags(make_mailbox, put, server_flags):
    read = put(message(subject="read in Thunderbird"), flags=["\\Seen"])
    unread = put(message(subject="new"))
    summary = import_mailbox(make_mailbox(only_unseen=False))
    assert outcomes(summary) == {"lead_created": 2}
    assert server_flags() == {read: {"\\Seen"}, unread: set()}
    assert set(LedgerEntry.objects.values_list("post_action", flat=True)) == {PostAction.NONE}


def test_several_folders(make_mailbox, put):
    put(message(subject="in inbox"))
    put(message(subject="in web forms"), folder="Web forms")
    summary = import_mailbox(make_mailbox(folders=["INBOX", "Web forms"]))
    assert outcomes(summary) == {"lead_created": 2}
    assert set(LedgerEntry.objects.values_list("folder__name", flat=True)) == {"INBOX", "Web forms"}


def test_missing_folder_is_reported_and_others_still_imported(make_mailbox, put):
    put(message())
    mailbox = make_mailbox(folders=["Nope", "INBOX"])
    summary = import_mailbox(mailbox)
    assert outcomes(summary) == {"lead_created": 1}
    assert any("Nope" in e for e in summary.errors)
    assert mailbox.folder_states.get(name="Nope").last_error


def test_delete_after_import(make_mailbox, put, server_flags):
    put(message())
    summary = import_mailbox(make_mailbox(after_import=Mailbox.AfterImport.DELETE))
    assert outcomes(summary) == {"lead_created": 1}
    assert server_flags() == {}


def test_move_after_import_creates_the_folder(make_mailbox, put, server_flags):
    put(message())
    mailbox = make_mailbox(
        after_import=Mailbox.AfterImport.MOVE, move_to="Processed", only_unseen=False
    )
    import_mailbox(mailbox)
    assert server_flags("INBOX") == {}
    assert len(server_flags("Processed")) == 1
    assert Lead.objects.count() == 1


def test_uidvalidity_reset_imports_nothing_twice(make_mailbox, put, dovecot, account):
    login, password = account
    raws = [message(subject=f"m{i}") for i in range(3)]
    for raw in raws:
        put(raw, folder="Leads")
    mailbox = make_mailbox(folders=["Leads"], only_unseen=False)
    assert outcomes(import_mailbox(mailbox)) == {"lead_created": 3}
    old_validity = mailbox.folder_states.get().uidvalidity

    dovecot.delete_folder(login, password, "Leads")
    for raw in raws:
        put(raw, folder="Leads")
    summary = import_mailbox(mailbox)

    assert mailbox.folder_states.get().uidvalidity != old_validity
    assert outcomes(summary) == {"duplicate": 3}
    assert Lead.objects.count() == 3


@pytest.mark.parametrize(
    ("message_id", "key"), [("<twice@example.org>", "mid:"), ("", "sha256:")]
)  # without a Message-ID, the same bytes are the same message
def test_same_message_in_two_folders_is_one_lead(make_mailbox, put, message_id, key):
    raw = message(message_id=message_id)
    put(raw, folder="INBOX")
    put(raw, folder="Archive")
    summary = import_mailbox(make_mailbox(folders=["INBOX", "Archive"]))
    assert outcomes(summary) == {"lead_created": 1, "duplicate": 1}
    copy = LedgerEntry.objects.get(outcome=Outcome.DUPLICATE)
    assert copy.duplicate_of.outcome == Outcome.LEAD_CREATED
    assert copy.message_key.startswith(key) and copy.message_key == copy.duplicate_of.message_key
    assert Lead.objects.count() == 1


def test_second_poll_imports_nothing(make_mailbox, put):
    mailbox = make_mailbox(only_unseen=False)
    put(message())
    import_mailbox(mailbox)
    assert import_mailbox(mailbox).seen == 0
    assert Lead.objects.count() == 1


def test_lost_cursor_is_covered_by_the_ledger(make_mailbox, put):
    mailbox = make_mailbox(only_unseen=False)
    put(message())
    import_mailbox(mailbox)
    mailbox.folder_states.update(last_uid=0)  # as after a crash before the cursor was saved
    summary = import_mailbox(mailbox)
    assert outcomes(summary) == {"duplicate": 1}
    assert Lead.objects.count() == 1


def test_crash_between_commit_and_flag_is_completed_next_run(
    make_mailbox, put, server_flags, monkeypatch
):
    mailbox = make_mailbox(only_unseen=True)
    uid = put(message())

    def network_gone(client, uids):
        raise ConnectionResetError("connection reset by peer")

    with monkeypatch.context() as patch:
        patch.setattr(imap, "mark_seen", network_gone)
        summary = import_mailbox(mailbox)
    assert outcomes(summary) == {"lead_created": 1}
    assert any("after-import action failed" in e for e in summary.errors)
    entry = LedgerEntry.objects.get()
    assert entry.post_action == PostAction.FAILED and "reset" in entry.post_action_error
    assert server_flags() == {uid: set()}

    summary = import_mailbox(mailbox)
    assert not summary.errors and summary.outcomes["lead_created"] == 0
    assert Lead.objects.count() == 1
    assert server_flags() == {uid: {"\\Seen"}}
    entry.refresh_from_db()
    assert entry.post_action == PostAction.DONE


def test_message_over_the_size_limit_keeps_its_headers(make_mailbox, put):
    put(
        message(
            subject="Big brochure",
            attachments=[("big.bin", "application/octet-stream", b"x" * 300_000)],
        )
    )
    put(message(subject="small"))
    summary = import_mailbox(make_mailbox(max_message_size=100_000))
    assert outcomes(summary) == {"lead_created": 2}
    big = LeadEmail.objects.get(subject="Big brochure")
    assert "not imported" in big.text and "over the mailbox's limit" in big.text
    assert not Attachment.objects.filter(original_name="big.bin").exists()


def test_failing_message_is_recorded_and_does_not_block_others(
    make_mailbox, put, server_flags, monkeypatch
):
    fault = {"active": True}

    def explode(message):
        if fault["active"] and message.parsed.subject == "poison":
            raise ValueError("cannot handle this one")

    poison = put(message(subject="poison"))
    put(message(subject="fine"))
    mailbox = make_mailbox(only_unseen=True)
    monkeypatch.setattr(decide, "RULES", [explode, *decide.RULES])

    summary = import_mailbox(mailbox)

    assert outcomes(summary) == {"failed": 1, "lead_created": 1}
    failed = LedgerEntry.objects.get(outcome=Outcome.FAILED)
    assert "cannot handle this one" in failed.error
    assert failed.raw_file and b"poison" in retry_copy(failed)
    assert server_flags()[poison] == set()  # left untouched on the server

    # Retried on later runs, a bounded number of times.
    for _ in range(10):
        import_mailbox(mailbox)
    failed.refresh_from_db()
    assert failed.attempts == 5 and failed.outcome == Outcome.FAILED

    # Once the cause is fixed, an admin retries it by hand.
    fault["active"] = False
    assert retry(failed) == Outcome.LEAD_CREATED
    assert Lead.objects.count() == 2
    import_mailbox(mailbox)  # the next run completes the post-import action
    assert server_flags()[poison] == {"\\Seen"}


def retry_copy(entry: LedgerEntry) -> bytes:
    from clearcrm.inbound.ledger import raw_of

    return raw_of(entry)


def test_wrong_password_is_recorded_on_the_mailbox(make_mailbox, put):
    put(message())
    mailbox = make_mailbox()
    mailbox.password = "wrong"
    mailbox.save()
    summary = import_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "Login refused" in summary.errors[0]
    assert "Login refused" in mailbox.last_error and mailbox.consecutive_failures == 1
    assert not LedgerEntry.objects.exists() and not Lead.objects.exists()
    import_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert mailbox.consecutive_failures == 2


def test_unreachable_host_is_recorded_on_the_mailbox(make_mailbox):
    from tests.conftest import free_port

    mailbox = make_mailbox(port=free_port())
    summary = import_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "Connection refused" in mailbox.last_error
    assert summary.errors == [mailbox.last_error]


def test_unknown_host_is_explained(make_mailbox):
    mailbox = make_mailbox(host="imap.does-not-exist.invalid")
    import_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "Unknown host" in mailbox.last_error


@pytest.mark.parametrize("encryption", ["ssl", "starttls", "none"])
def test_encryption_modes(make_mailbox, put, dovecot, encryption):
    port = dovecot.ssl_port if encryption == "ssl" else dovecot.port
    put(message())
    summary = import_mailbox(make_mailbox(encryption=encryption, port=port))
    assert outcomes(summary) == {"lead_created": 1}, summary.errors


def test_plaintext_login_refused_by_a_remote_server(make_mailbox, dovecot):
    # Dovecot trusts a client on its own IP; 127.0.0.2 is "another host".
    mailbox = make_mailbox(encryption="none", host=dovecot.alt_host, port=dovecot.alt_port)
    import_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "without encryption" in mailbox.last_error or "Login refused" in mailbox.last_error


def test_untrusted_certificate_is_refused_unless_verification_is_skipped(
    make_mailbox, put, monkeypatch, tmp_path
):
    empty_ca = tmp_path / "none.pem"
    empty_ca.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty_ca))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    put(message())
    mailbox = make_mailbox()
    import_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "certificate" in mailbox.last_error and "not trusted" in mailbox.last_error
    Mailbox.objects.filter(pk=mailbox.pk).update(skip_verify=True)
    mailbox.refresh_from_db()
    assert outcomes(import_mailbox(mailbox)) == {"lead_created": 1}


def test_a_second_run_while_one_holds_the_lease_does_nothing(make_mailbox, put):
    from clearcrm.inbound.lease import acquire_lease

    mailbox = make_mailbox()
    put(message())
    assert acquire_lease(mailbox, "other-worker")
    summary = import_mailbox(mailbox)
    assert "Another import" in summary.errors[0] and summary.seen == 0
    # A lease left by a crashed worker expires.
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_expires=datetime(2000, 1, 1, tzinfo=UTC))
    assert outcomes(import_mailbox(mailbox)) == {"lead_created": 1}


def test_two_runs_at_the_same_time_make_one_lead(make_mailbox, put):
    mailbox = make_mailbox(only_unseen=False)
    for i in range(20):
        put(message(subject=f"m{i}"))
    same = [Mailbox.objects.get(pk=mailbox.pk) for _ in range(2)]
    summaries = import_at_once(same)
    assert Lead.objects.count() == 20
    assert LedgerEntry.objects.count() == 20
    assert sum(s.outcomes["lead_created"] for s in summaries) == 20


def test_two_mailboxes_on_one_inbox_at_the_same_time_make_one_lead_each(make_mailbox, put):
    """Even without the lease (two mailboxes), the ledger keeps each message single."""
    first = make_mailbox(only_unseen=False)
    second = make_mailbox(only_unseen=False)
    for i in range(30):
        put(message(subject=f"m{i}"))
    summaries = import_at_once([first, second])
    assert Lead.objects.count() == 30
    assert sum(s.outcomes["lead_created"] for s in summaries) == 30
    assert sum(s.outcomes["duplicate"] for s in summaries) == 30


def test_lease_of_a_dead_process_on_this_host_is_taken_over(make_mailbox, put):
    import socket
    import subprocess

    from clearcrm.inbound.lease import acquire_lease

    mailbox = make_mailbox()
    put(message())
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert acquire_lease(mailbox, f"{socket.gethostname()}:{dead.pid}:abcd")
    assert outcomes(import_mailbox(mailbox)) == {"lead_created": 1}
