"""Keyset pagination: cursors, both directions, ties, and what a forged cursor does."""

import pytest

from clearcrm.leads.models import Lead
from clearcrm.web.keyset import Order, capped_count, decode, encode, paginate
from tests.web.conftest import lead

pytestmark = pytest.mark.django_db


def test_cursor_round_trip_keeps_types():
    from datetime import UTC, datetime

    values = ["Ana", 3, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)]
    assert decode(encode(values), 3) == values


@pytest.mark.parametrize("junk", ["", "%%%", encode(["a"]), encode([{"x": 1}, 2]), "A" * 3000])
def test_cursors_that_are_not_ours_are_ignored(junk):
    assert decode(junk, 2) is None


def test_equal_sort_values_still_page_without_gaps_or_repeats():
    for i in range(7):
        lead("Same name", email=f"n{i}@example.org")
    order = Order(("name",), descending=False)
    seen, cursor = [], ""
    while True:
        page = paginate(Lead.objects.all(), order, after=cursor, size=3)
        seen += [row.pk for row in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == sorted(Lead.objects.values_list("pk", flat=True))


def test_going_back_from_the_last_page():
    made = [lead(f"L{i}") for i in range(5)]
    order = Order(("created",), descending=True)
    first = paginate(Lead.objects.all(), order, size=2)
    second = paginate(Lead.objects.all(), order, after=first.next_cursor, size=2)
    last = paginate(Lead.objects.all(), order, after=second.next_cursor, size=2)
    assert [r.pk for r in last.rows] == [made[0].pk] and not last.next_cursor
    back = paginate(Lead.objects.all(), order, before=last.prev_cursor, size=2)
    assert [r.pk for r in back.rows] == [r.pk for r in second.rows]
    assert back.prev_cursor and back.next_cursor


def test_capped_count():
    for i in range(4):
        lead(f"L{i}")
    assert capped_count(Lead.objects.all(), 10) == (4, False)
    assert capped_count(Lead.objects.all(), 3) == (3, True)
