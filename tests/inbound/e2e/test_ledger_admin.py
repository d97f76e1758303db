"""The import ledger in the admin: why each message went where it did, its copy, a retry."""

import pytest
from django.urls import reverse

from clearcrm.inbound.models import Outcome
from clearcrm.leads.models import Lead

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_ledger_shows_outcome_and_reason(admin_client, failed):
    page = admin_client.get(reverse("admin:inbound_ledgerentry_change", args=[failed.pk]))
    text = page.content.decode()
    assert "temporary trouble" in text and "Download the message" in text


def test_admin_downloads_the_kept_copy(admin_client, failed):
    response = admin_client.get(reverse("admin:inbound_ledgerentry_raw", args=[failed.pk]))
    assert response["Content-Type"] == "message/rfc822"
    assert b"needs a retry" in b"".join(response.streaming_content)


def test_admin_retries_failed_messages(admin_client, failed):
    response = admin_client.post(
        reverse("admin:inbound_ledgerentry_changelist"),
        {"action": "retry_failed", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "Retried: 1 lead_created" in response.content.decode()
    failed.refresh_from_db()
    assert failed.outcome == Outcome.LEAD_CREATED and Lead.objects.count() == 1
