"""The kanban: a column per status with its count, cards that move between columns.

A card is moved by dragging it (static/web/app.js posts the move through
htmx) or with its "Move to" menu, which works from the keyboard and without
JavaScript. Each column shows its newest cards and loads more on scroll.
Queries are bounded by the number of statuses, never by the number of leads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber, Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clearcrm.leads import services as leads
from clearcrm.leads.models import Lead, LeadEmail, LeadStatus
from clearcrm.web.access import lead_for
from clearcrm.web.filters import LeadFilter
from clearcrm.web.keyset import Order, capped_count, paginate
from clearcrm.web.views.common import StaffRequest, query_without

CARDS_PER_COLUMN = 20
COUNT_CAP = 500
NEWEST_FIRST = Order(("created",), descending=True)
CARD_RELATED = ("source", "assigned__staff")
SNIPPET_CHARS = 400


@dataclass
class Column:
    status: LeadStatus
    cards: list[Lead]
    more: str  # cursor of the next cards, '' when the column is complete
    count: int = 0
    count_more: bool = False  # more than `count` (counting stops at COUNT_CAP)


def count_column(column: Column, queryset: QuerySet[Lead]) -> Column:
    if column.more:
        column.count, column.count_more = capped_count(cards_of(queryset, column.status), COUNT_CAP)
    else:
        column.count = len(column.cards)
    return column


@login_required
def kanban(request: StaffRequest) -> HttpResponse:
    filters = LeadFilter(request.GET, user=request.user)
    queryset = filters.qs
    columns = []
    statuses = list(LeadStatus.objects.all())
    for status in statuses:
        page = paginate(cards_of(queryset, status), NEWEST_FIRST, size=CARDS_PER_COLUMN)
        columns.append(count_column(Column(status, page.rows, page.next_cursor), queryset))
    prepare_cards([card for column in columns for card in column.cards], statuses)
    context = {
        "section": "kanban",
        "filters": filters,
        "columns": columns,
        "query": query_without(request, "after"),
    }
    return render(request, "web/kanban/board.html", context)


@login_required
def kanban_column(request: StaffRequest, status: int) -> HttpResponse:
    """More cards of one column (htmx, when the column is scrolled to its end)."""
    column_status = get_object_or_404(LeadStatus, pk=status)
    filters = LeadFilter(request.GET, user=request.user)
    page = paginate(
        cards_of(filters.qs, column_status),
        NEWEST_FIRST,
        after=request.GET.get("after", ""),
        size=CARDS_PER_COLUMN,
    )
    prepare_cards(page.rows, list(LeadStatus.objects.all()))
    context = {
        "cards": page.rows,
        "status": column_status,
        "more": page.next_cursor,
        "query": query_without(request, "after"),
    }
    return render(request, "web/kanban/cards.html", context)


def cards_of(queryset: QuerySet[Lead], status: LeadStatus) -> QuerySet[Lead]:
    return queryset.filter(status=status).select_related(*CARD_RELATED)


def prepare_cards(cards: list[Lead], statuses: list[LeadStatus]) -> None:
    """What each card shows besides the lead: its email snippet and its "Move to" buttons.

    The buttons are rendered once per status rather than once per card: they
    are the same for every card of a column.
    """
    add_snippets(cards)
    menus = {
        status.pk: render_to_string("web/kanban/move_buttons.html",
                                    {"statuses": statuses, "current": status.pk})
        for status in statuses
    }  # fmt: skip
    for card in cards:
        card.move_buttons = menus.get(card.status_id, "")  # type: ignore[attr-defined]


def add_snippets(cards: list[Lead]) -> None:
    """Set `snippet` on each card: the first line of its latest email (one query)."""
    latest = (
        LeadEmail.objects.filter(lead__in=[card.pk for card in cards])
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("lead_id"),
                order_by=[F("sent_at").desc(), F("pk").desc()],
            ),
            start=Substr("text", 1, SNIPPET_CHARS),
        )
        .filter(rank=1)
        .values_list("lead_id", "start")
    )
    texts = dict(latest) if cards else {}
    for card in cards:
        card.snippet = first_line(texts.get(card.pk, ""))  # type: ignore[attr-defined]


def first_line(text: str) -> str:
    """The first line that says something (a greeting like 'Hello Ana,' is skipped)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if not (line.endswith(",") and len(line.split()) <= 4):
            return line[:140]
    return lines[0][:140] if lines else ""


@login_required
@require_POST
def lead_move(request: StaffRequest, pk: int) -> HttpResponse:
    """Move a card to another column: the status change, logged in the lead's activity."""
    lead = lead_for(request.user, pk, "status", *CARD_RELATED)
    status = get_object_or_404(LeadStatus, pk=request.POST.get("status") or 0)
    old_status = lead.status
    leads.change_status(lead, status, actor=request.user)
    query = query_without(request, "after")
    if not request.htmx:
        messages.success(
            request, _("%(name)s moved to %(status)s.") % {"name": lead.name, "status": status}
        )
        return redirect(f"{reverse('kanban')}?{query}")
    prepare_cards([lead], list(LeadStatus.objects.all()))
    queryset = LeadFilter(request.GET, user=request.user).qs
    context = {
        "lead": lead,
        "status": status,
        "columns": [count_column(Column(s, [], "more"), queryset) for s in (status, old_status)],
        "query": query,
    }
    response = render(request, "web/kanban/moved.html", context)
    response["HX-Reswap"] = "delete"  # the card leaves its old column; moved.html adds it anew
    return response
