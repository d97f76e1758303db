"""Global search: leads (those the user may see), customers and contacts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from clearcrm.customers.models import Contact, Customer
from clearcrm.leads.models import Lead
from clearcrm.web.filters import search_leads
from clearcrm.web.views.common import StaffRequest

LIMIT = 20


@login_required
def search(request: StaffRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    context: dict[str, object] = {"section": "search", "q": q}
    if q:
        visible = Lead.objects.visible_to(request.user)
        context.update(
            leads=search_leads(visible, q).select_related("status", "assigned__staff")[:LIMIT],
            customers=Customer.objects.filter(
                Q(company__icontains=q) | Q(phone__icontains=q) | Q(website__icontains=q)
            )[:LIMIT],
            contacts=Contact.objects.filter(
                Q(first_name__icontains=q)
                | Q(last_name__icontains=q)
                | Q(email__icontains=q)
                | Q(phone__icontains=q)
            ).select_related("customer")[:LIMIT],
        )
    return render(request, "web/search.html", context)
