"""The only writers of customers and their contacts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearcrm.addresses import normalize_address
from clearcrm.attachments.models import FileData, attach
from clearcrm.customers.models import Contact, Customer
from clearcrm.timeline.models import Note
from clearcrm.timeline.services import add_note, log_activity

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "is_primary")
#: An email kept as a note on a customer is cut to this many characters.
MAX_EMAIL_NOTE_CHARS = 20_000


def create_customer(
    *,
    company: str,
    account_manager: User | None = None,
    actor: User | None = None,
    activity: str | None = None,
    **fields: Any,
) -> Customer:
    """A new customer; `fields` are other Customer columns (website, phone, address …)."""
    customer = Customer.objects.create(company=company, account_manager=account_manager, **fields)
    log_activity(customer, activity or _("Customer created"), actor=actor)
    return customer


def add_contact(
    customer: Customer,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    is_primary: bool = False,
    actor: User | None = None,
) -> Contact:
    """A contact of a customer; an address belongs to one contact only."""
    email = normalize_address(email)
    taken = Contact.objects.filter(email=email).select_related("customer").first()
    if taken is not None:
        raise ValidationError(
            {"email": _("%(email)s is already a contact of %(company)s.")
             % {"email": email, "company": taken.customer.company}}
        )  # fmt: skip
    contact = Contact.objects.create(
        customer=customer,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        is_primary=is_primary,
    )
    log_activity(customer, _("Contact added: %(contact)s") % {"contact": contact}, actor=actor)
    return contact


def update_contact(contact: Contact, *, actor: User | None, **fields: Any) -> list[str]:
    """Change a contact's fields; returns the names of those that changed."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    if "email" in fields:
        fields["email"] = normalize_address(fields["email"])
        if Contact.objects.filter(email=fields["email"]).exclude(pk=contact.pk).exists():
            raise ValidationError({"email": _("This address is already another contact's.")})
    changed = [name for name, value in fields.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, fields[name])
    if changed:
        contact.save(update_fields=changed)
        log_activity(
            contact.customer, _("Contact changed: %(contact)s") % {"contact": contact}, actor=actor
        )
    return changed


@transaction.atomic
def add_incoming_email(
    customer: Customer,
    *,
    from_name: str,
    from_email: str,
    subject: str,
    text: str,
    attachments: Iterable[FileData] = (),
) -> Note:
    """An email from one of the customer's contacts, kept as a note with its attachments."""
    body = f"Email from {from_name} <{from_email}>\nSubject: {subject}\n\n{text}"
    note = add_note(customer, body[:MAX_EMAIL_NOTE_CHARS], author=None)
    for file in attachments:
        attach(customer, file)
    log_activity(customer, f"Email received from {from_email}: {subject}")
    return note
