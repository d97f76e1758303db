"""Notes on leads and customers: anyone who sees the record adds; authors edit and delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clearcrm.customers.models import Customer
from clearcrm.leads.models import Lead
from clearcrm.timeline.models import Note
from clearcrm.timeline.services import add_note, delete_note, edit_note
from clearcrm.web.access import lead_for, visible_leads
from clearcrm.web.forms import TextForm
from clearcrm.web.views.common import StaffRequest, post_text


def note_for(request: StaffRequest, pk: int) -> Note:
    """A note on a lead the user may see, or on a customer."""
    visible = Q(lead__in=visible_leads(request.user).values("pk")) | Q(customer__isnull=False)
    return get_object_or_404(Note.objects.filter(visible).select_related("lead", "customer"), pk=pk)


def page_of(note: Note) -> str:
    about = note.lead or note.customer
    return f"{about.get_absolute_url()}#notes" if about else "/"


@login_required
@require_POST
def lead_note_add(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk)
    return _add(request, lead)


@login_required
@require_POST
def customer_note_add(request: StaffRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return _add(request, customer)


def _add(request: StaffRequest, about: Lead | Customer) -> HttpResponse:
    return post_text(
        request,
        lambda text: add_note(about, text, author=request.user),
        _("Note added."),
        _("A note needs some text."),
        f"{about.get_absolute_url()}#notes",
    )


@login_required
@require_POST
def note_edit(request: StaffRequest, pk: int) -> HttpResponse:
    note = note_for(request, pk)
    form = TextForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A note needs some text."))
        return redirect(page_of(note))
    try:
        edit_note(note, form.cleaned_data["text"], actor=request.user)
    except PermissionDenied:
        messages.error(request, _("Only the author of a note may change it."))
    return redirect(page_of(note))


@login_required
@require_POST
def note_delete(request: StaffRequest, pk: int) -> HttpResponse:
    note = note_for(request, pk)
    target = page_of(note)
    try:
        delete_note(note, actor=request.user)
    except PermissionDenied:
        messages.error(request, _("Only the author of a note may delete it."))
    else:
        messages.success(request, _("Note deleted."))
    return redirect(target)
