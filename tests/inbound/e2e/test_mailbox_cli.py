"""`clearcrm mailbox ...`, run as an admin runs it."""

import json

import pytest

from tests.conftest import clearcrm
from tests.support.messages import message


@pytest.fixture
def cli(dovecot, account, tmp_path):
    login, password = account
    env = {"IMAP_PASSWORD": password, "SSL_CERT_FILE": str(dovecot.cert_path)}
    clearcrm(tmp_path, "migrate", "-v0")

    def run(*args, check=True):
        return clearcrm(tmp_path, *args, check=check, **env)

    run.login = login
    return run


def add(cli, dovecot, *extra):
    return cli(
        "mailbox", "add", "--name", "Sales", "--host", "localhost", "--port", str(dovecot.ssl_port),
        "--encryption", "ssl", "--login", cli.login, "--password-env", "IMAP_PASSWORD", *extra,
    )  # fmt: skip


def test_add_list_and_test(cli, dovecot, account):
    mailbox_id = add(cli, dovecot, "--folder", "INBOX", "--folder", "Web", "--check-every", "5")
    assert mailbox_id.stdout.strip().isdigit()
    listed = json.loads(cli("mailbox", "list", "--json").stdout)
    assert listed[0]["folders"] == ["INBOX", "Web"] and listed[0]["check_every"] == 5
    _, password = account
    assert password not in json.dumps(listed) and "password" not in json.dumps(listed)
    tested = cli("mailbox", "test", mailbox_id.stdout.strip())
    assert "Connected" in tested.stdout and "INBOX" in tested.stdout


def test_password_is_never_taken_from_the_command_line(cli, dovecot):
    result = cli(
        "mailbox", "add", "--name", "x", "--host", "localhost", "--login", "a",
        "--password-env", "NOT_SET_ANYWHERE", check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "NOT_SET_ANYWHERE is not set" in result.stderr


def test_plaintext_warns(cli, dovecot):
    result = add(cli, dovecot, "--encryption", "none", "--port", str(dovecot.port))
    assert "plain text" in result.stderr


def test_test_reports_a_wrong_password(cli, dovecot, tmp_path):
    mailbox_id = add(cli, dovecot).stdout.strip()
    result = clearcrm(
        tmp_path, "mailbox", "test", mailbox_id, check=False,
        IMAP_PASSWORD="wrong", SSL_CERT_FILE=str(dovecot.cert_path),
    )  # fmt: skip
    assert result.returncode == 0  # the stored password is the right one
    clearcrm(
        tmp_path, "mailbox", "update", mailbox_id, "--password-env", "BAD",
        BAD="wrong-password",
    )  # fmt: skip
    result = cli("mailbox", "test", mailbox_id, check=False)
    assert result.returncode != 0 and "Login refused" in result.stderr


def test_check_json_summary_and_leads_list(cli, dovecot, account):
    login, password = account
    dovecot.append(login, password, "INBOX", message(sender="Jane Doe <jane@example.org>"))
    mailbox_id = add(cli, dovecot).stdout.strip()
    summary = json.loads(cli("mailbox", "check", mailbox_id, "--json").stdout)
    assert summary["mailbox"] == int(mailbox_id) and summary["seen"] == 1
    assert summary["outcomes"]["lead_created"] == 1
    expected = {"lead_created", "lead_appended", "task_created", "customer_logged",
                "duplicate", "skipped_old", "failed"}  # fmt: skip
    assert expected <= set(summary["outcomes"])
    assert summary["errors"] == [] and summary["seconds"] >= 0
    leads = json.loads(cli("leads", "list", "--json").stdout)
    assert [(lead["name"], lead["email"]) for lead in leads] == [("Jane Doe", "jane@example.org")]
    every = json.loads(cli("mailbox", "check", "--all", "--json").stdout)
    assert isinstance(every, list) and every[0]["seen"] == 0


def test_check_with_progress_bar(cli, dovecot, account):
    login, password = account
    dovecot.append_many(login, password, "INBOX", [message(subject=f"m{i}") for i in range(30)])
    mailbox_id = add(cli, dovecot).stdout.strip()
    result = cli("mailbox", "check", mailbox_id, "--progress")
    assert "30/30" in result.stderr
    assert "lead_created: 30" in result.stdout


def test_check_exits_non_zero_on_errors(cli, dovecot):
    mailbox_id = add(cli, dovecot, "--folder", "Missing").stdout.strip()
    result = cli("mailbox", "check", mailbox_id, check=False)
    assert result.returncode == 1 and "Missing" in result.stdout


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_retry_a_failed_message(make_mailbox, put, monkeypatch, capsys):
    from django.core.management import call_command

    from clearcrm.inbound import decide
    from clearcrm.inbound.importer import import_mailbox
    from clearcrm.inbound.models import LedgerEntry, Outcome

    fault = {"active": True}

    def explode(message):
        if fault["active"]:
            raise RuntimeError("database hiccup")

    monkeypatch.setattr(decide, "RULES", [explode, *decide.RULES])
    put(message())
    import_mailbox(make_mailbox())
    failed = LedgerEntry.objects.get(outcome=Outcome.FAILED)
    fault["active"] = False
    call_command("mailbox", "retry", str(failed.pk))
    assert "lead_created" in capsys.readouterr().out
    failed.refresh_from_db()
    assert failed.outcome == Outcome.LEAD_CREATED and failed.error == ""
