"""GET /health/: 200 when the database and the queue answer, 503 otherwise, nothing private."""

from __future__ import annotations

import pytest

from clearcrm.inbound.models import Mailbox
from clearcrm.worker import queue
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def test_healthy(client):
    Mailbox.objects.create(name="Secret Sales", host="imap.secret.example", last_error="boom")
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert "no-cache" in response["Cache-Control"]
    for private in (b"Secret", b"imap.secret", b"boom"):
        assert private not in response.content


def test_unreachable_queue_is_503_without_details(client, monkeypatch, settings):
    port = free_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"  # nothing listens there
    monkeypatch.setattr(queue, "huey", queue.make_huey())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "queue": "unreachable"}
    assert str(port).encode() not in response.content


def test_only_get(client):
    assert client.post("/health/").status_code == 405
