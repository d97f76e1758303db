"""The only code that creates or changes leads and their conversations.

Each function applies the defaults, the activity entry and the notification
that belong to the change, so the importer, the web UI and the API behave the
same by calling the same function. They run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clearcrm.attachments.models import FileData, attach, store_file
from clearcrm.customers.models import Contact, Customer
from clearcrm.customers.services import add_contact, create_customer
from clearcrm.leads.models import Lead, LeadEmail, LeadSource, LeadStatus
from clearcrm.notifications.services import notify
from clearcrm.staff.models import active_or_none, display_name
from clearcrm.timeline.services import log_activity

# What update_lead may change; status, assignment and the lost/junk/public
# flags have functions of their own, with their own log entries.
PROFILE_FIELDS = ("name", "company", "title", "email", "phone", "phone_display", "website",
                  "address", "city", "state", "zip", "country", "description", "extra",
                  "source")  # fmt: skip


def create_lead(
    *,
    name: str,
    email: str = "",
    status: LeadStatus | None = None,
    source: LeadSource | None = None,
    assigned: User | None = None,
    is_public: bool = False,
    created_by: User | None = None,
    actor: User | None = None,
    activity: str | None = None,
    notify_assignee: bool = True,
    **fields: Any,
) -> Lead:
    """A new lead with the default status and source unless given.

    `fields` are other Lead columns (company, phone, mailbox, last_contact …).
    The assignee is told, unless they created it themselves or the caller
    notifies by its own rules (the importer: per the mailbox's settings).
    """
    lead = Lead.objects.create(
        name=name[:200],
        email=email,
        status=status or LeadStatus.default(),
        source=source or LeadSource.default(),
        assigned=assigned,
        is_public=is_public,
        created_by=created_by,
        **fields,
    )
    if activity is None:
        who = display_name(actor) if actor else ""
        activity = _("Lead created by %(who)s") % {"who": who} if who else _("Lead created")
    log_activity(lead, activity, actor=actor)
    if notify_assignee and assigned is not None and assigned != actor:
        notify([assigned], _("New lead assigned to you: %(name)s") % {"name": lead.name},
               lead.get_absolute_url())  # fmt: skip
    return lead


def update_lead(lead: Lead, *, actor: User | None, **fields: Any) -> list[str]:
    """Change profile fields; logs which changed and returns their names."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not lead profile fields: {sorted(unknown)}")
    changed = [name for name, value in fields.items() if getattr(lead, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(lead, name, fields[name])
    lead.save(update_fields=[*changed, "updated"])
    by_name = {field.name: field for field in Lead._meta.concrete_fields}
    labels = ", ".join(str(by_name[name].verbose_name) for name in changed)
    log_activity(lead, _("Changed %(fields)s") % {"fields": labels}, actor=actor)
    return changed


def change_status(lead: Lead, status: LeadStatus, *, actor: User | None) -> bool:
    """Move a lead to another status; False when it already has it."""
    if lead.status_id == status.pk:
        return False
    old = lead.status.name
    lead.status = status
    lead.save(update_fields=["status", "updated"])
    log_activity(
        lead,
        _("Status changed from %(old)s to %(new)s") % {"old": old, "new": status.name},
        actor=actor,
    )
    return True


def assign_lead(lead: Lead, user: User | None, *, actor: User | None, reason: str = "") -> bool:
    """Give a lead to a staff member (None: nobody); the new assignee is told."""
    if not _reassign(lead, user, actor, reason):
        return False
    if user is not None and user != actor:
        notify([user], _("Lead assigned to you: %(name)s") % {"name": lead.name},
               lead.get_absolute_url())  # fmt: skip
    return True


def assign_leads(leads: Iterable[Lead], user: User | None, *, actor: User | None) -> int:
    """Give several leads to one staff member: each logs, the assignee is told once."""
    changed = [lead for lead in leads if _reassign(lead, user, actor)]
    if not changed or user is None or user == actor:
        return len(changed)
    if len(changed) == 1:
        text = _("Lead assigned to you: %(name)s") % {"name": changed[0].name}
        link = changed[0].get_absolute_url()
    else:
        text = _("%(count)d leads assigned to you") % {"count": len(changed)}
        link = reverse("leads") + "?assigned=me"
    notify([user], text, link)
    return len(changed)


def _reassign(lead: Lead, user: User | None, actor: User | None, reason: str = "") -> bool:
    if lead.assigned_id == (user.pk if user else None):
        return False
    lead.assigned = user
    lead.save(update_fields=["assigned", "updated"])
    who = display_name(user) if user else _("nobody")
    text = _("Assigned to %(who)s") % {"who": who}
    log_activity(lead, f"{text} {reason}" if reason else text, actor=actor)
    return True


def mark_lost(lead: Lead, lost: bool, *, actor: User | None) -> bool:
    return _set_flag(lead, "is_lost", lost, _("Marked lost"), _("No longer marked lost"), actor)


def mark_junk(lead: Lead, junk: bool, *, actor: User | None) -> bool:
    return _set_flag(lead, "is_junk", junk, _("Marked junk"), _("No longer marked junk"), actor)


def set_public(lead: Lead, public: bool, *, actor: User | None) -> bool:
    return _set_flag(lead, "is_public", public, _("Made public"), _("Made private"), actor)


def _set_flag(lead: Lead, flag: str, value: bool, on: str, off: str, actor: User | None) -> bool:
    if getattr(lead, flag) == value:
        return False
    setattr(lead, flag, value)
    lead.save(update_fields=[flag, "updated"])
    log_activity(lead, on if value else off, actor=actor)
    return True


def delete_lead(lead: Lead, *, actor: User | None) -> None:
    """Delete a lead with its conversation, notes, activity and attachments."""
    lead.delete()


def delete_leads(leads: QuerySet[Lead], *, actor: User | None) -> int:
    """Delete several leads at once, as delete_lead does one; returns how many."""
    ids = list(leads.values_list("pk", flat=True))
    return Lead.objects.filter(pk__in=ids).delete()[1].get(Lead._meta.label, 0)


def add_incoming_email(
    lead: Lead,
    *,
    from_name: str,
    from_email: str,
    to: str,
    cc: str,
    subject: str,
    sent_at: datetime,
    message_id: str,
    in_reply_to: str,
    text: str,
    html: str,
    attachments: Iterable[FileData] = (),
    activity: bool = True,
    raw: bytes = b"",
) -> LeadEmail:
    """An email received from the lead, with its attachments; moves 'last contact' on.

    `activity=False` when the email is the one the lead was just created from:
    the creation entry already tells of it. `raw`, the message as received, is
    stored content-addressed like attachments, for "View original".
    """
    email = LeadEmail.objects.create(
        lead=lead,
        direction=LeadEmail.INCOMING,
        from_name=from_name[:200],
        from_email=from_email[:254],
        to=to,
        cc=cc,
        subject=subject[:998],
        sent_at=sent_at,
        message_id=message_id[:500],
        in_reply_to=in_reply_to[:500],
        text=text,
        html=html,
        raw_file=store_file(raw)[0] if raw else "",
    )
    for file in attachments:
        attach(lead, file, lead_email=email)
    record_contact(lead, sent_at)
    if activity:
        log_activity(
            lead, _("Email received: %(subject)s") % {"subject": subject or _("(no subject)")}
        )
    return email


def record_contact(lead: Lead, when: datetime) -> None:
    """Move the lead's 'last contact' on to `when` (never back)."""
    later = Q(last_contact__isnull=True) | Q(last_contact__lt=when)
    Lead.objects.filter(later, pk=lead.pk).update(last_contact=when, updated=timezone.now())
    if lead.last_contact is None or lead.last_contact < when:
        lead.last_contact = when


@transaction.atomic
def convert_to_customer(lead: Lead, *, actor: User | None, company: str | None = None) -> Customer:
    """Make a customer (with the lead as its primary contact) out of a lead.

    From then on mail from the lead's address is the customer's mail. The
    account manager is the lead's assignee, else whoever converts it.
    """
    if lead.customer_id is not None:
        raise ValidationError(_("This lead has already been converted to a customer."))
    if lead.email:
        taken = Contact.objects.filter(email=lead.email).select_related("customer").first()
        if taken is not None:
            raise ValidationError(
                _("%(email)s is already a contact of the customer %(company)s.")
                % {"email": lead.email, "company": taken.customer.company}
            )
    customer = create_customer(
        company=(company or lead.company or lead.name)[:200],
        account_manager=active_or_none(lead.assigned) or actor,
        actor=actor,
        activity=_("Customer created from lead %(name)s") % {"name": lead.name},
        website=lead.website,
        phone=lead.phone,
        address=lead.address,
        city=lead.city,
        country=lead.country,
    )
    if lead.email:
        first, _space, last = lead.name.partition(" ")
        add_contact(customer, email=lead.email, first_name=first[:100], last_name=last[:100],
                    phone=lead.phone, is_primary=True, actor=actor)  # fmt: skip
    lead.customer = customer
    lead.save(update_fields=["customer", "updated"])
    log_activity(lead, _("Converted to customer %(company)s") % {"company": customer.company},
                 actor=actor)  # fmt: skip
    return customer
