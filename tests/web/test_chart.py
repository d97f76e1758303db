"""The dashboard chart's geometry."""

from datetime import date

from clearcrm.web.chart import leads_per_day, nice_top


def test_bars_stack_per_day_and_fit_the_plot():
    first = date(2026, 3, 1)
    rows = [(first, "Email", 3), (first, "Phone", 1), (date(2026, 3, 3), "Email", 2)]
    chart = leads_per_day(rows, first, 5)
    assert [d.total for d in chart.days] == [4, 0, 2, 0, 0]
    day = chart.days[0]
    assert [b.color for b in day.bars] == [chart.legend[0][1], chart.legend[1][1]]
    top = min(b.y for b in day.bars)
    assert top >= 8 - 0.5 and day.bars[0].y + day.bars[0].height <= chart.plot_bottom + 0.5
    assert chart.total == 6 and [name for name, _ in chart.legend] == ["Email", "Phone"]


def test_the_scale_is_a_round_even_number():
    assert [nice_top(n) for n in (0, 3, 5, 7, 9, 11, 45, 130)] == [4, 4, 6, 8, 10, 20, 60, 200]
