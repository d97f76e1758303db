"""The dashboard: new leads, open leads by status and source, a 30-day chart,
conversion, my open tasks and, for admins, mailbox health."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clearcrm.inbound.models import Mailbox
from clearcrm.leads.models import Lead
from clearcrm.staff.models import is_admin
from clearcrm.tasks.models import Task
from clearcrm.web.chart import Chart, leads_per_day
from clearcrm.web.filters import start_of
from clearcrm.web.health import mailbox_health

CHART_DAYS = 30
MY_TASKS = 8


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    visible = Lead.objects.visible_to(request.user)
    today = timezone.localdate()
    month_start = start_of(today.replace(day=1))
    context = {
        "section": "dashboard",
        "new": new_leads(visible, today),
        "by_status": breakdown(visible.open(), "status"),
        "by_source": breakdown(visible.open(), "source"),
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


def breakdown(open_leads: QuerySet[Lead], by: str) -> list[dict[str, Any]]:
    """Open leads counted by status or source, with each row's share of the largest."""
    fields = {"status": ("status__name", "status__color", "status__order"),
              "source": ("source__name",)}[by]  # fmt: skip
    rows = list(
        open_leads.order_by()
        .values(f"{by}_id", *fields)
        .annotate(n=Count("pk"))
        .order_by(fields[-1] if by == "status" else "-n")
    )
    peak = max((row["n"] for row in rows), default=0)
    for row in rows:
        row["name"] = row[f"{by}__name"]
        row["color"] = row.get("status__color", "#2563eb")
        row["percent"] = round(100 * row["n"] / peak) if peak else 0
    return rows


def chart(visible: QuerySet[Lead], today: date) -> Chart:
    first = today - timedelta(days=CHART_DAYS - 1)
    rows = (
        visible.filter(created__gte=start_of(first))
        .annotate(day=TruncDate("created", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day", "source__name")
        .annotate(n=Count("pk"))
    )
    return leads_per_day(list(rows), first, CHART_DAYS)


def conversion(this_month: QuerySet[Lead]) -> dict[str, float | int]:
    """Of the leads created this month, how many became customers."""
    converted = Count("pk", filter=Q(customer__isnull=False))
    counts = this_month.aggregate(total=Count("pk"), won=converted)
    total, won = counts["total"] or 0, counts["won"] or 0
    return {"total": total, "won": won, "rate": round(100 * won / total, 1) if total else 0}


def my_tasks(request: HttpRequest) -> QuerySet[Task]:
    return (
        Task.objects.visible_to(request.user)
        .filter(assignees=request.user.pk)
        .open()
        .select_related("lead", "customer")
        .order_by(F("due_date").asc(nulls_last=True), "-created")[:MY_TASKS]
    )
