"""The staff-facing pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from clearcrm.leads.models import Lead

PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    leads = (
        Lead.objects.visible_to(request.user)
        .select_related("status", "source", "assigned")
        .order_by("-created")[:PAGE_SIZE]
    )
    return render(request, "web/home.html", {"leads": leads})


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(
        Lead.objects.visible_to(request.user).select_related("status", "assigned"),
        pk=pk,
    )
    context = {
        "lead": lead,
        "emails": lead.emails.prefetch_related("attachments"),
        "activities": lead.activities.select_related("actor")[:100],
    }
    return render(request, "web/lead.html", context)
