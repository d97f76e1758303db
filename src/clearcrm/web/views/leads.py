"""The leads table: search, filters, sorting, keyset pages, bulk actions, CSV export, new lead."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from clearcrm.leads import services as leads
from clearcrm.leads.models import LeadStatus
from clearcrm.web.access import ids_from, only_visible
from clearcrm.web.filters import LeadFilter, staff_members
from clearcrm.web.forms import NewLeadForm
from clearcrm.web.keyset import Order, capped_count, paginate
from clearcrm.web.views.common import StaffRequest, back_to, query_without

PAGE_SIZE = 50
COUNT_CAP = 10_000
# Each sort: the expressions it orders by (never NULL, so a cursor can hold them).
SORTS: dict[str, tuple[Any, ...]] = {
    "created": ("created",),
    "name": ("name",),
    "company": ("company",),
    "status": ("status__order", "status__name"),
    "assigned": (
        Coalesce(NullIf("assigned__staff__full_name", Value("")), "assigned__username", Value("")),
    ),
    "last_contact": (Coalesce("last_contact", "created"),),
}
DEFAULT_SORT = "-created"
RELATED = ("status", "source", "assigned__staff")


def sort_of(request: StaffRequest) -> tuple[str, Order]:
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    return sort, Order(SORTS[sort.lstrip("-")], descending=sort.startswith("-"))


@login_required
def lead_list(request: StaffRequest) -> HttpResponse:
    filters = LeadFilter(request.GET, user=request.user)
    sort, order = sort_of(request)
    queryset = filters.qs.select_related(*RELATED)
    page = paginate(
        queryset,
        order,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=PAGE_SIZE,
    )
    whole = not (page.next_cursor or page.prev_cursor)
    total, more = (len(page.rows), False) if whole else capped_count(filters.qs, COUNT_CAP)
    context = {
        "section": "leads",
        "filters": filters,
        "page": page,
        "total": total,
        "total_more": more,
        "sort": sort,
        "sortable": SORTS,
        "query_sort": query_without(request, "sort", "after", "before"),
        "query_page": query_without(request, "after", "before"),
        "query_filters": query_without(request, "after", "before", "sort"),
        "statuses": LeadStatus.objects.all(),
        "staff": staff_members(),
    }
    return render(request, "web/leads/list.html", context)


# -------------------------------------------------------------------- export

CSV_COLUMNS = [
    ("id", "pk"),
    ("name", "name"),
    ("email", "email"),
    ("company", "company"),
    ("title", "title"),
    ("phone", "phone"),
    ("website", "website"),
    ("city", "city"),
    ("country", "country"),
    ("status", "status__name"),
    ("source", "source__name"),
    ("assigned", "assigned__username"),
    ("public", "is_public"),
    ("lost", "is_lost"),
    ("junk", "is_junk"),
    ("created", "created"),
    ("last_contact", "last_contact"),
]
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@login_required
def lead_export(request: StaffRequest) -> StreamingHttpResponse:
    """The current filter as CSV (what the user may see only), streamed in chunks."""
    filters = LeadFilter(request.GET, user=request.user)
    rows = filters.qs.order_by("-created", "-pk").values_list(*[c[1] for c in CSV_COLUMNS])
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow([c[0] for c in CSV_COLUMNS])
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow([csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
    return response


# ---------------------------------------------------------------------- bulk

BULK_ACTIONS = {
    "assign": gettext_lazy("Assign"),
    "status": gettext_lazy("Change status"),
    "lost": gettext_lazy("Mark lost"),
    "junk": gettext_lazy("Mark junk"),
    "delete": gettext_lazy("Delete"),
}


@login_required
@require_POST
def lead_bulk(request: StaffRequest) -> HttpResponse:
    """Bulk actions, in two steps: a confirmation page, then the change."""
    action = request.POST.get("action", "")
    selected = only_visible(request.user, ids_from(request.POST.getlist("ids")))
    if action not in BULK_ACTIONS or not selected.exists():
        messages.warning(request, _("Select some leads and an action first."))
        return back_to(request)
    target, target_label = bulk_target(action, request.POST.get("value", ""))
    if action in ("assign", "status") and target is None and target_label is None:
        messages.warning(request, _("Choose whom to assign them to, or which status."))
        return back_to(request)
    if request.POST.get("confirm") != "yes":
        context = {
            "section": "leads",
            "action": action,
            "action_label": BULK_ACTIONS[action],
            "target_label": target_label,
            "leads": selected.order_by("name")[:500],
            "count": selected.count(),
            "value": request.POST.get("value", ""),
            "next": request.POST.get("next", ""),
        }
        return render(request, "web/leads/bulk_confirm.html", context)
    done = apply_bulk(action, selected.select_related("status"), target, request.user)
    messages.success(
        request,
        ngettext("%(count)d lead changed.", "%(count)d leads changed.", done) % {"count": done},
    )
    return back_to(request)


def bulk_target(action: str, value: str) -> tuple[Any, str | None]:
    """The user or status a bulk action sets, and its label; (None, None) when invalid."""
    if action == "assign":
        if value == "none":
            return None, _("nobody")
        user = staff_members().filter(pk=value).first() if value.isdigit() else None
        return (user, user.staff.display_name) if user else (None, None)
    if action == "status":
        status = LeadStatus.objects.filter(pk=value).first() if value.isdigit() else None
        return (status, status.name) if status else (None, None)
    return None, ""


@transaction.atomic
def apply_bulk(action: str, selected: Any, target: Any, actor: Any) -> int:
    if action == "delete":
        return leads.delete_leads(selected, actor=actor)
    if action == "assign":
        return leads.assign_leads(list(selected), target, actor=actor)
    changed = 0
    for lead in selected:
        if action == "status":
            changed += leads.change_status(lead, target, actor=actor)
        elif action == "lost":
            changed += leads.mark_lost(lead, True, actor=actor)
        else:
            changed += leads.mark_junk(lead, True, actor=actor)
    return changed


# ------------------------------------------------------------------ new lead


@login_required
def lead_new(request: StaffRequest) -> HttpResponse:
    form = NewLeadForm(request.POST or None, initial={"assigned": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        people = {"assigned": data.pop("assigned"), "created_by": request.user}
        lead = leads.create_lead(**data, **people, actor=request.user)
        messages.success(request, _("Lead %(name)s created.") % {"name": lead.name})
        return redirect(lead)
    return render(request, "web/leads/new.html", {"section": "leads", "form": form})
