"""The dashboard: new leads, open leads by status and source, a 30-day chart,
conversion, my open tasks and, for admins, mailbox health."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clearcrm.inbound.models import Mailbox
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.staff.models import is_admin
from clearcrm.tasks.models import Task
from clearcrm.web.chart import Chart, leads_per_day
from clearcrm.web.filters import start_of
from clearcrm.web.health import mailbox_health
from clearcrm.web.views.common import StaffRequest

CHART_DAYS = 30
MY_TASKS = 8


@login_required
def dashboard(request: StaffRequest) -> HttpResponse:
    visible = Lead.objects.visible_to(request.user)
    today = timezone.localdate()
    month_start = start_of(today.replace(day=1))
    by_status, by_source = open_breakdown(visible.open())
    context = {
        "section": "dashboard",
        "new": new_leads(visible, today),
        "by_status": by_status,
        "by_source": by_source,
        "chart": chart(visible, today),
        "conversion": conversion(visible.filter(created__gte=month_start)),
        "my_tasks": my_tasks(request),
        "latest": visible.select_related("status", "assigned__staff").order_by("-created")[:6],
        "today": today,
    }
    if is_admin(request.user):
        context["mailboxes"] = mailbox_health(start_of(today))
    else:
        context["has_mailbox"] = Mailbox.objects.exists()
    return render(request, "web/dashboard.html", context)


def new_leads(visible: QuerySet[Lead], today: date) -> dict[str, int]:
    """New leads today, this week (from Monday) and this month, in one query."""
    starts = {
        "today": start_of(today),
        "week": start_of(today - timedelta(days=today.weekday())),
        "month": start_of(today.replace(day=1)),
    }
    earliest = min(starts.values())
    counts = visible.filter(created__gte=earliest).aggregate(
        **{name: Count("pk", filter=Q(created__gte=start)) for name, start in starts.items()}
    )
    return {name: counts[name] or 0 for name in starts}


def open_breakdown(open_leads: QuerySet[Lead]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Open leads counted by status and by source, each row with its share of the largest.

    One scan grouped by the two foreign keys (no join: the database only counts);
    names and colours come from the small lookup tables.
    """
    by_status: Counter[int] = Counter()
    by_source: Counter[int] = Counter()
    pairs = open_leads.order_by().values_list("status_id", "source_id").annotate(n=Count("pk"))
    for status_id, source_id, n in pairs:
        by_status[status_id] += n
        by_source[source_id] += n
    statuses = rows_of(LeadStatus.objects.all(), by_status)
    sources = sorted(rows_of(LeadSource.objects.all(), by_source), key=lambda row: -row["n"])
    return statuses, sources


def rows_of(items: QuerySet[Any], counts: Counter[int]) -> list[dict[str, Any]]:
    peak = max(counts.values(), default=0)
    return [
        {"pk": item.pk, "name": item.name, "color": getattr(item, "color", ""),
         "n": counts[item.pk], "percent": round(100 * counts[item.pk] / peak)}
        for item in items
        if counts.get(item.pk)
    ]  # fmt: skip


def chart(visible: QuerySet[Lead], today: date) -> Chart:
    """Leads per day and source; days are counted in the site's time zone, in Python,
    since a database's date functions differ (SQLite's have no time zones)."""
    first = today - timedelta(days=CHART_DAYS - 1)
    sources = dict(LeadSource.objects.values_list("pk", "name"))
    counts: Counter[tuple[date, str]] = Counter()
    rows = visible.filter(created__gte=start_of(first)).values_list("created", "source_id")
    for created, source_id in rows.order_by().iterator(chunk_size=5000):
        counts[(timezone.localtime(created).date(), sources.get(source_id, ""))] += 1
    return leads_per_day(
        [(day, source, n) for (day, source), n in counts.items()], first, CHART_DAYS
    )


def conversion(this_month: QuerySet[Lead]) -> dict[str, float | int]:
    """Of the leads created this month, how many became customers."""
    converted = Count("pk", filter=Q(customer__isnull=False))
    counts = this_month.aggregate(total=Count("pk"), won=converted)
    total, won = counts["total"] or 0, counts["won"] or 0
    return {"total": total, "won": won, "rate": round(100 * won / total, 1) if total else 0}


def my_tasks(request: StaffRequest) -> QuerySet[Task]:
    return (
        Task.objects.visible_to(request.user)
        .filter(assignees=request.user.pk)
        .open()
        .select_related("lead", "customer")
        .order_by(F("due_date").asc(nulls_last=True), "-created")[:MY_TASKS]
    )
