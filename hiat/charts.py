"""A small line chart of an indicator's readings against its baseline and target.

Pure: this works out where everything goes; the template _chart.html draws it as inline
SVG, so every word in it is escaped like any other text. No JavaScript, no style
attributes (the Content-Security-Policy refuses them), and the table beside the chart
holds every reading, so nothing is known only from the picture.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from hiat.dates import day_text
from hiat.monitoring import Indicator, number_in, number_text

# Small enough that its words stay readable in half a page's width.
WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 60, WIDTH - 118, 20, HEIGHT - 60
PAD = 16  # keeps the first and last points off the axes
LABEL_GAP = 18  # the least room between two labels at the right, so none overlaps


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str  # "30 June 2027: 27%"


@dataclass(frozen=True, slots=True)
class Line:
    """A level across the chart: the baseline or the target."""

    kind: str  # "baseline" or "target"
    y: float
    label: str  # "Baseline 27"
    label_y: float


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # x for a date, y for a value
    label: str
    anchor: str = "middle"


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    description: str
    points: tuple[Point, ...]
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    last_label_y: float  # where "Readings" is written, beside the last point
    y_title: str = "Value"
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def indicator_chart(indicator: Indicator) -> Chart | None:
    """The chart of the readings that are numbers; None until there is one."""
    drawn = [
        (dt.date.fromisoformat(r.date), number, r.value)
        for r in indicator.counted
        if (number := number_in(r.value)) is not None
    ]
    if not drawn:
        return None
    levels = {
        kind: value
        for kind, value in (
            ("baseline", indicator.baseline_number),
            ("target", indicator.target_number),
        )
        if value is not None
    }
    low, high, step = _scale([v for _, v, _ in drawn] + list(levels.values()))

    def y_of(value: float) -> float:
        return BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP)

    x_of = _x_scale(drawn[0][0], drawn[-1][0])
    points = tuple(Point(x_of(day), y_of(v), f"{day_text(day)}: {text}") for day, v, text in drawn)
    wanted = {kind: y_of(value) for kind, value in levels.items()}
    wanted["readings"] = points[-1].y
    placed = _spread(wanted)
    words = {"baseline": indicator.baseline, "target": indicator.target}
    lines = tuple(
        Line(kind, y_of(value), f"{kind.capitalize()} {_figure(value, words[kind])}", placed[kind])
        for kind, value in levels.items()
    )
    return Chart(
        title=f"Chart of the readings of {indicator.name}",
        description=_description(indicator, drawn, levels),
        points=points,
        lines=lines,
        x_ticks=_x_ticks(drawn[0][0], drawn[-1][0], x_of),
        y_ticks=tuple(
            Tick(y_of(low + i * step), number_text(round(low + i * step, 10)), "end")
            for i in range(round((high - low) / step) + 1)
        ),
        last_label_y=placed["readings"],
        y_title="Value (%)" if all("%" in text for _, _, text in drawn) else "Value",
    )


def _figure(value: float, text: str) -> str:
    """27, or 27% when the plan gave it as a percentage."""
    return number_text(value) + ("%" if "%" in text or "per cent" in text.casefold() else "")


def _scale(values: list[float]) -> tuple[float, float, float]:
    """Round limits and a step of 1, 2 or 5 times a power of ten, about four steps."""
    low, high = min(values), max(values)
    if low == high:
        low, high = low - (abs(low) or 1) / 2, high + (abs(high) or 1) / 2
    raw = (high - low) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _x_scale(first: dt.date, last: dt.date):
    days = (last - first).days
    if days == 0:
        return lambda day: (LEFT + RIGHT) / 2
    return lambda day: LEFT + PAD + (day - first).days / days * (RIGHT - LEFT - 2 * PAD)


def _x_ticks(first: dt.date, last: dt.date, x_of) -> tuple[Tick, ...]:
    if first == last:
        return (Tick(x_of(first), day_text(first)),)
    return (
        Tick(x_of(first), day_text(first), "start"),
        Tick(x_of(last), day_text(last), "end"),
    )


def _spread(wanted: dict[str, float]) -> dict[str, float]:
    """Label heights near where each belongs, at least LABEL_GAP apart, inside the chart."""
    order = sorted(wanted, key=lambda kind: wanted[kind])
    placed: dict[str, float] = {}
    previous = -math.inf
    for kind in order:
        placed[kind] = max(wanted[kind], previous + LABEL_GAP)
        previous = placed[kind]
    overflow = previous - (BOTTOM + 4)
    if overflow > 0:
        placed = {kind: y - overflow for kind, y in placed.items()}
    return placed


def _description(indicator: Indicator, drawn, levels: dict[str, float]) -> str:
    count = len(drawn)
    first, last = drawn[0][0], drawn[-1][0]
    span = (
        f"1 reading, on {day_text(first)}"
        if count == 1
        else f"{count} readings from {day_text(first)} to {day_text(last)}"
    )
    parts = [f"{span}; the latest is {drawn[-1][2]}."]
    words = {"baseline": indicator.baseline, "target": indicator.target}
    for kind, value in levels.items():
        parts.append(f"{kind.capitalize()} {_figure(value, words[kind])}.")
    left_out = len(indicator.counted) - count
    if left_out:
        parts.append(
            f"{left_out} {'reading is' if left_out == 1 else 'readings are'} not a number, "
            "so not drawn."
        )
    parts.append("The table beside the chart has every reading.")
    return " ".join(parts)
