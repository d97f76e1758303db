"""`clearcrm run` alone turns new mail into leads: by the schedule and by IMAP IDLE."""

from __future__ import annotations

import signal
import time
import urllib.request

import pytest

from tests.conftest import free_port
from tests.support.messages import message
from tests.support.processes import Clearcrm, status, wait_until


def start(site, tmp_path, name: str = "run", **env: str) -> Clearcrm:
    port = free_port()
    env = {"CLEARCRM_DISPATCH_EVERY": "0.5", "CLEARCRM_ADMIN_PASSWORD": "Adm1n-pass", **env}
    run = Clearcrm(
        site.data_dir, "run", "--port", str(port), log=tmp_path / f"{name}.log", **site.env, **env
    )
    run.wait_for_output("ClearCRM is running")
    run.base = f"http://127.0.0.1:{port}"
    return run


def listener_of(site, mailbox_id: int) -> str:
    return next(m["listener"] for m in status(site.data_dir, **site.env)["mailboxes"]
                if m["id"] == mailbox_id)  # fmt: skip


def test_the_schedule_imports_new_mail_and_skips_inactive_mailboxes(site, tmp_path, account):
    # A "minute" of 1 s: checked every second, the IDLE listener off.
    mailbox = site.add_mailbox(account, "--check-every", "1", "--no-push")
    run = start(site, tmp_path, CLEARCRM_MINUTE_SECONDS="1")
    try:
        health = urllib.request.urlopen(run.base + "/health/", timeout=10)
        assert health.status == 200
        site.dovecot.append(*account, "INBOX", message(sender="first@example.org"))
        wait_until(lambda: site.lead_emails() == ["first@example.org"], "the first lead")
        assert listener_of(site, mailbox) == "off"

        site.run("mailbox", "update", str(mailbox), "--no-active")
        site.dovecot.append(*account, "INBOX", message(sender="second@example.org"))
        time.sleep(4)  # several scheduled checks would have happened by now
        assert site.lead_emails() == ["first@example.org"]
        assert status(site.data_dir, **site.env)["mailboxes"][0]["next_check"] is None

        site.run("mailbox", "update", str(mailbox), "--active")
        wait_until(
            lambda: site.lead_emails() == ["first@example.org", "second@example.org"],
            "the second lead once the mailbox is active again",
        )
    finally:
        assert run.stop() == 0
    assert "ClearCRM stopped." in run.output()


def test_idle_push_imports_within_seconds_and_follows_settings(site, tmp_path, account):
    # The schedule is an hour of 6-second minutes away: only IDLE can bring mail in.
    mailbox = site.add_mailbox(account, "--check-every", "60")
    site.dovecot.create_folder(*account, "Orders")
    run = start(site, tmp_path, CLEARCRM_MINUTE_SECONDS="6")
    try:
        wait_until(lambda: listener_of(site, mailbox) == "idle", "the listener in IDLE")
        site.dovecot.append(*account, "INBOX", message(sender="pushed@example.org"))
        wait_until(lambda: site.lead_emails() == ["pushed@example.org"], "the pushed lead", 30)

        # A folder added while running is watched too, without a restart.
        site.run("mailbox", "update", str(mailbox), "--folder", "INBOX", "--folder", "Orders")
        time.sleep(3)  # a refresh of the listener (every 1 s here) picks the change up
        wait_until(lambda: listener_of(site, mailbox) == "idle", "the listener back in IDLE")
        site.dovecot.append(*account, "Orders", message(sender="order@example.org"))
        wait_until(
            lambda: site.lead_emails() == ["order@example.org", "pushed@example.org"],
            "the lead from the added folder",
            30,
        )

        # Push turned off: the listener lets the mailbox go.
        site.run("mailbox", "update", str(mailbox), "--no-push")
        wait_until(lambda: listener_of(site, mailbox) == "off", "the listener to let go")
        assert site.query("SELECT listener_owner FROM inbound_mailbox") == [("",)]
    finally:
        assert run.stop() == 0


@pytest.mark.slow
def test_sigterm_during_an_import_then_restart_loses_and_duplicates_nothing(
    site, tmp_path, account
):
    total = 800
    site.dovecot.append_many(*account, "INBOX", [message() for _ in range(total)])
    site.add_mailbox(account, "--check-every", "1", "--no-push")
    # A short grace, so the import is abandoned midway rather than finished.
    env = {"CLEARCRM_MINUTE_SECONDS": "1", "CLEARCRM_SHUTDOWN_GRACE": "0.2"}
    run = start(site, tmp_path, **env)
    count = "SELECT count(*) FROM inbound_ledgerentry"
    done = count + " WHERE outcome <> 'pending'"
    wait_until(lambda: site.query(count)[0][0] > 0, "the import to start", every=0.05)
    assert run.stop(signal.SIGTERM) == 0
    assert "abandoning 1 running import(s)" in run.output()
    done_before = site.query(done)[0][0]

    again = start(site, tmp_path, name="again", **env)
    try:
        wait_until(lambda: site.query(done)[0][0] == total, "every message imported", 180)
    finally:
        assert again.stop() == 0
    assert done_before < total, "the import was not interrupted"
    leads = site.query("SELECT count(*), count(DISTINCT email) FROM leads_lead")[0]
    assert leads == (total, total)
    outcomes = site.query("SELECT outcome, count(*) FROM inbound_ledgerentry GROUP BY outcome")
    assert outcomes == [("lead_created", total)]
