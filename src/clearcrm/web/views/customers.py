"""Customers: the list with search, and a customer's page with contacts, tasks, mail and notes."""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from clearcrm.customers import services as customers
from clearcrm.customers.models import Contact, Customer
from clearcrm.inbound.models import LedgerEntry
from clearcrm.tasks.models import Task
from clearcrm.web.forms import ContactForm
from clearcrm.web.views.common import StaffRequest, query_without

PAGE_SIZE = 50


def search_customers(text: str) -> Q:
    text = text.strip()[:100]
    return (
        Q(company__icontains=text)
        | Q(website__icontains=text)
        | Q(phone__icontains=text)
        | Q(contacts__email__icontains=text)
        | Q(contacts__first_name__icontains=text)
        | Q(contacts__last_name__icontains=text)
    )


@login_required
def customer_list(request: StaffRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    queryset = Customer.objects.select_related("account_manager__staff").annotate(
        contact_count=Count("contacts", distinct=True)
    )
    if q:
        matching = Customer.objects.filter(search_customers(q)).values("pk")
        queryset = queryset.filter(pk__in=matching)
    page = Paginator(queryset.order_by("company", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"section": "customers", "page": page, "q": q,
               "query_page": query_without(request, "page")}  # fmt: skip
    return render(request, "web/customers/list.html", context)


@login_required
def customer_detail(request: StaffRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.select_related("account_manager__staff"), pk=pk)
    context = {
        "section": "customers",
        "customer": customer,
        "contacts": customer.contacts.all(),
        "contact_form": ContactForm(),
        "tasks": Task.objects.visible_to(request.user)
        .filter(customer=customer)
        .prefetch_related("assignees__staff")
        .order_by("status", "due_date")[:100],
        "mail": LedgerEntry.objects.filter(customer=customer)
        .only("received_at", "created", "sender", "subject", "outcome", "task")
        .order_by("-created")[:50],
        "leads": customer.converted_leads.all()[:20],
        "notes": customer.notes.select_related("author__staff")[:200],
        "activities": customer.activities.select_related("actor__staff")[:50],
    }
    return render(request, "web/customers/detail.html", context)


@login_required
def contact_add(request: StaffRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = ContactForm(request.POST or None)

    def add(data: dict[str, Any]) -> object:
        return customers.add_contact(customer, **data, actor=request.user)

    saved = save_contact(request, form, customer, _("Contact added."), add)
    context = {"section": "customers", "customer": customer, "form": form}
    return saved or render(request, "web/customers/contact_form.html", context)


@login_required
def contact_edit(request: StaffRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("customer"), pk=pk)
    # The form validates a copy: update_contact compares with the saved contact.
    form = ContactForm(request.POST or None, instance=copy(contact))

    def update(data: dict[str, Any]) -> object:
        return customers.update_contact(contact, **data, actor=request.user)

    saved = save_contact(request, form, contact.customer, _("Contact saved."), update)
    context = {"section": "customers", "customer": contact.customer, "contact": contact,
               "form": form}  # fmt: skip
    return saved or render(request, "web/customers/contact_form.html", context)


def save_contact(
    request: StaffRequest,
    form: ContactForm,
    customer: Customer,
    done: str,
    save: Callable[[dict[str, Any]], object],
) -> HttpResponse | None:
    """Save a posted, valid contact form through `save`; None to show the form (again).

    What the service refuses (an address another customer has) shows on the form.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, done)
    return redirect(customer)
