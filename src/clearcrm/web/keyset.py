"""Keyset ("seek") pagination: a page starts after the last row's sort values.

With OFFSET the database walks every earlier row first, so at 100,000 leads a
late page costs as much as reading the table. A cursor that holds the sort
values of a page's edge row lets the database seek to it in an index: every
page costs the same. The cursor is opaque to users (base64 of JSON) and only
narrows a queryset that is already limited to what the user may see, so it
needs no signature.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Expression, F, Q, QuerySet

Value = str | int | float | datetime | None


@dataclass(frozen=True, slots=True)
class Order:
    """Sort expressions (never NULL: wrap nullable ones in Coalesce), one direction.

    The primary key is always the last key, so equal values still have one order.
    """

    keys: tuple[Expression | str, ...]
    descending: bool

    @property
    def names(self) -> list[str]:
        return [f"sort{i}" for i in range(len(self.keys))] + ["pk"]


@dataclass(slots=True)
class Page:
    rows: list[Any]
    next_cursor: str = ""
    prev_cursor: str = ""


def paginate(
    queryset: QuerySet[Any], order: Order, *, after: str = "", before: str = "", size: int
) -> Page:
    """One page of `queryset` in `order`: the first, or the one after/before a cursor.

    Two queries: the sort values and keys of the page's rows (narrow rows, so a
    sort without an index stays cheap), then those rows with what the queryset
    selects with them.
    """
    forward = not before
    names = order.names
    keyed = queryset.annotate(
        **{n: _expression(k) for n, k in zip(names, order.keys, strict=False)}
    )
    cursor = decode(before or after, len(names))
    descending = order.descending if forward else not order.descending
    if cursor is not None:
        keyed = keyed.filter(_seek(names, cursor, descending))
    ordering = [F(name).desc() if descending else F(name).asc() for name in names]
    keys = list(keyed.order_by(*ordering).values_list(*names)[: size + 1])
    more = len(keys) > size
    keys = keys[:size]
    if not forward:
        keys.reverse()
    found = queryset.in_bulk([key[-1] for key in keys])
    page = Page([found[key[-1]] for key in keys if key[-1] in found])
    has_next = more if forward else cursor is not None
    has_prev = cursor is not None if forward else more
    if keys and has_next:
        page.next_cursor = encode(list(keys[-1]))
    if keys and has_prev:
        page.prev_cursor = encode(list(keys[0]))
    return page


def capped_count(queryset: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """How many rows, counting no further than `cap`: (count, whether there are more).

    An exact COUNT reads every matching row; at 100,000 leads with a visibility
    filter that is most of a page's time, for a number nobody reads exactly.
    """
    found = queryset.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


def _expression(key: Expression | str) -> Expression | F:
    return F(key) if isinstance(key, str) else key


def _seek(names: list[str], values: list[Value], descending: bool) -> Q:
    """Rows after `values` in the order: (a, b, pk) < (x, y, z) spelled out for any database.

    The leading `a <= x` repeats what the disjunction implies, so the planner
    can use it as an index range instead of scanning from the start.
    """
    op = "lt" if descending else "gt"
    range_op = "lte" if descending else "gte"
    after = Q()
    for i, name in enumerate(names):
        equal = {names[j]: values[j] for j in range(i)}
        after |= Q(**equal, **{f"{name}__{op}": values[i]})
    return Q(**{f"{names[0]}__{range_op}": values[0]}) & after


def encode(values: list[Value]) -> str:
    tagged = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(tagged, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, length: int) -> list[Value] | None:
    """The values in a cursor, or None when it is empty or not one of ours."""
    if not cursor or len(cursor) > 2000:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in data]
    except (ValueError, TypeError, KeyError, binascii.Error):
        return None
    if len(values) != length or not all(
        isinstance(v, str | int | float | datetime) for v in values
    ):
        return None
    return values
