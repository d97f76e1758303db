"""Mailbox health as the dashboard shows it, from what the engine records.

One function decides each mailbox's state, so new health fields (a next
scheduled check, a failing flag) only need reading here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.urls import reverse

from clearcrm.inbound.models import LedgerEntry, Mailbox, Outcome

# Outcomes that brought something into the CRM.
IMPORTED = (Outcome.LEAD_CREATED, Outcome.LEAD_APPENDED, Outcome.TASK_CREATED,
            Outcome.CUSTOMER_LOGGED)  # fmt: skip


@dataclass
class MailboxHealth:
    mailbox: Mailbox
    imported_today: int

    @property
    def state(self) -> str:
        """'off', 'never' (not checked yet), 'failing' or 'ok'."""
        if not self.mailbox.active:
            return "off"
        if self.mailbox.consecutive_failures or self.mailbox.last_error:
            return "failing"
        if self.mailbox.last_run_at is None:
            return "never"
        return "ok"

    @property
    def settings_url(self) -> str:
        return reverse("admin:inbound_mailbox_change", args=[self.mailbox.pk])


def mailbox_health(since: datetime) -> list[MailboxHealth]:
    """Every mailbox with what it imported since `since` (two queries)."""
    imported = dict(
        LedgerEntry.objects.filter(created__gte=since, outcome__in=IMPORTED)
        .order_by()
        .values_list("mailbox")
        .annotate(n=Count("pk"))
    )
    mailboxes = Mailbox.objects.defer("password_encrypted").order_by("name")
    return [MailboxHealth(m, imported.get(m.pk, 0)) for m in mailboxes]
