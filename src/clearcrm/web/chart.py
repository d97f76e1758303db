"""A stacked bar chart of leads per day by source, drawn as SVG on the server.

No charting script: the numbers become rectangles here and the template
writes them out, so the chart works offline, under a strict CSP, and prints.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

# Distinct, colour-blind-friendly hues (Okabe-Ito, then a few more).
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f",
           "#f0e442", "#332288", "#882255"]  # fmt: skip
WIDTH, HEIGHT = 1000, 210
LEFT, BOTTOM, TOP = 32, 24, 8


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str


@dataclass
class Day:
    day: date
    x: float
    label: str
    total: int
    bars: list[Bar] = field(default_factory=list)
    parts: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Chart:
    days: list[Day]
    legend: list[tuple[str, str]]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        return sum(day.total for day in self.days)


def leads_per_day(rows: list[tuple[date, str, int]], first: date, days: int) -> Chart:
    """`rows` are (day, source name, count); one stacked bar per day from `first`."""
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for day, source, n in rows:
        counts[day][source] = counts[day].get(source, 0) + n
    sources = sorted({source for _day, source, _n in rows})
    colors = {source: PALETTE[i % len(PALETTE)] for i, source in enumerate(sources)}
    peak = max((sum(c.values()) for c in counts.values()), default=0)
    top = nice_top(peak)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / days
    result = []
    for i in range(days):
        day = first + timedelta(days=i)
        x = LEFT + i * slot
        entry = Day(day, x + slot / 2, day.strftime("%d"), sum(counts[day].values()))
        y = float(HEIGHT - BOTTOM)
        for source in sources:
            n = counts[day].get(source, 0)
            if not n:
                continue
            h = plot_height * n / top
            y -= h
            entry.bars.append(Bar(round(x + 2, 1), round(y, 1), round(slot - 4, 1),
                                  round(h, 1), colors[source]))  # fmt: skip
            entry.parts.append((source, n))
        result.append(entry)
    ticks = [(round(HEIGHT - BOTTOM - plot_height * v / top, 1), v) for v in tick_values(top)]
    return Chart(result, [(s, colors[s]) for s in sources], ticks)


def nice_top(peak: int) -> int:
    """The smallest of 1, 2, 4, 6, 8 times 10^n at or above the peak (at least 4): even, so
    the middle grid line has a whole number too."""
    scale = 1
    while True:
        for step in (1, 2, 4, 6, 8):
            if step * scale >= max(peak, 4):
                return step * scale
        scale *= 10


def tick_values(top: int) -> list[int]:
    return [0, top // 2, top]
