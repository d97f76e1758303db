"""`clearcrm status --json` keeps its contract; no live listener lease reads 'off'."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from clearcrm.inbound.models import ImportRun, Mailbox
from clearcrm.worker import queue
from tests.conftest import free_port

pytestmark = pytest.mark.django_db

KEYS = {
    "id", "name", "next_check", "last_run", "last_outcomes", "last_error",
    "consecutive_failures", "failing", "listener",
}  # fmt: skip


def status_json() -> dict:
    out = StringIO()
    call_command("status", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_json_report_follows_the_contract():
    now = timezone.now()
    box = Mailbox.objects.create(
        name="Sales", host="imap.test", next_check_at=now, last_run_at=now,
        last_error="Timed out talking to imap.test:993.", consecutive_failures=2,
        listener_owner="h:1:x", listener_expires=now + timedelta(minutes=1), listener_state="idle",
    )  # fmt: skip
    ImportRun.objects.create(mailbox=box, outcomes={"lead_created": 0})
    ImportRun.objects.create(mailbox=box, outcomes={"lead_created": 3, "duplicate": 0})
    Mailbox.objects.create(name="Off", host="imap.test", active=False)

    data = status_json()
    assert set(data) == {"mailboxes", "queue"}
    assert data["queue"] == {"pending": queue.pending()}
    sales, off = data["mailboxes"]
    assert set(sales) == KEYS
    assert sales == {
        "id": box.pk, "name": "Sales", "next_check": now.isoformat(), "last_run": now.isoformat(),
        "last_outcomes": {"lead_created": 3}, "last_error": "Timed out talking to imap.test:993.",
        "consecutive_failures": 2, "failing": False, "listener": "idle",
    }  # fmt: skip
    assert off["next_check"] is None and off["last_run"] is None and off["last_error"] is None
    assert off["listener"] == "off" and off["last_outcomes"] == {}


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({"listener_expires": timezone.now() - timedelta(seconds=1)}, "off"),  # listener died
        ({"push": False}, "off"),
        ({"listener_state": "error"}, "error"),
        ({"listener_state": "polling"}, "polling"),
    ],
)
def test_listener_state(changes, state):
    fields = {"listener_expires": timezone.now() + timedelta(minutes=1), "listener_state": "idle"}
    Mailbox.objects.create(name="m", host="imap.test", **{**fields, **changes})
    assert status_json()["mailboxes"][0]["listener"] == state


def test_an_unreachable_queue_reads_null_and_fails(monkeypatch, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    monkeypatch.setattr(queue, "huey", queue.make_huey())
    out = StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("status", "--json", stdout=out)
    assert exit_status.value.code == 1
    assert json.loads(out.getvalue())["queue"] == {"pending": None}
