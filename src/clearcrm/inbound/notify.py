"""Who hears about imported mail, per the mailbox's notification settings."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse

from clearcrm.inbound.models import Mailbox
from clearcrm.leads.models import Lead
from clearcrm.notifications.services import notify
from clearcrm.staff.models import ROLE_ADMIN


def recipients(mailbox: Mailbox, lead: Lead) -> list[User]:
    # With their staff profiles, which notify() reads for each recipient.
    if mailbox.notify == Mailbox.Notify.STAFF:
        return list(mailbox.notify_staff.select_related("staff"))
    if mailbox.notify == Mailbox.Notify.ROLES:
        users = User.objects.filter(groups__in=mailbox.notify_roles.all()).distinct()
        return list(users.select_related("staff"))
    return [lead.assigned] if lead.assigned else []


def lead_imported(mailbox: Mailbox, lead: Lead) -> None:
    if mailbox.notify_imported:
        text = f"New lead from email: {lead.name}" + (f" ({lead.email})" if lead.email else "")
        notify(recipients(mailbox, lead), text, lead.get_absolute_url())


def lead_wrote_again(mailbox: Mailbox, lead: Lead, subject: str) -> None:
    if mailbox.notify_lead_writes_again:
        text = f"{lead.name} wrote again: {subject}"
        notify(recipients(mailbox, lead), text, lead.get_absolute_url())


def sender_rate_limited(mailbox: Mailbox, sender: str, limit: int) -> None:
    admins = User.objects.filter(Q(is_superuser=True) | Q(groups__name=ROLE_ADMIN)).distinct()
    admins = admins.select_related("staff")
    notify(
        admins,
        f"{sender} sent more than {limit} messages to {mailbox.name} within an hour; "
        "further ones create no leads or tasks until the hour is over.",
        reverse("admin:inbound_ledgerentry_changelist") + f"?q={sender}",
    )
