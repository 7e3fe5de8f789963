"""Geometry for the small SVG charts on goal pages: pure functions, no Django, no I/O.

The template draws the chart; this module only decides where things go. Coordinates are user units
of the SVG viewBox (y grows downward), rounded to one decimal so the markup stays short and stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 320
HEIGHT = 160
# Room for the value labels on the left and the cycle numbers below.
PAD_LEFT = 44
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 26
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center_x(self) -> float:
        return (self.left + self.right) / 2


@dataclass(frozen=True)
class ChartPoint:
    index: int  # the cycle number
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True)
class Tick:
    """A label on an axis: `at` is x for the cycle axis and y for the value axis."""

    label: Decimal | int
    at: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot: Box
    points: tuple[ChartPoint, ...]
    baseline_y: float
    target_y: float | None
    y_min: Decimal
    y_max: Decimal
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def polyline(self) -> str:
        """The `points` attribute of the line; never localized (a decimal comma would break it)."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def value_label_x(self) -> float:
        """Where the value labels end (they are right-aligned against the value axis)."""
        return self.plot.left - 6

    @property
    def cycle_label_y(self) -> float:
        """The baseline of the cycle numbers under the plot."""
        return self.plot.bottom + 16

    @property
    def first(self) -> ChartPoint:
        return self.points[0]

    @property
    def last(self) -> ChartPoint:
        return self.points[-1]


def value_domain(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """The lowest and highest value to show, never empty: a flat series gets room above and below."""
    if not values:
        raise ValueError("value_domain needs at least one value")
    low, high = min(values), max(values)
    if low == high:
        pad = max(abs(low) / 10, Decimal(1))
        low, high = low - pad, high + pad
        if min(values) >= 0 > low:
            # Counts of pages or kilometres never go below zero; don't draw an axis that does.
            low = Decimal(0)
    return low, high


def scale(value: Decimal, low: Decimal, high: Decimal, start: float, end: float) -> float:
    """Map `value` from [low, high] onto [start, end] (end may be below start, as SVG y is)."""
    if high == low:
        return round((start + end) / 2, 1)
    share = float((value - low) / (high - low))
    return round(start + share * (end - start), 1)


def thin_labels(indexes: Sequence[int], most: int = MAX_X_LABELS) -> list[int]:
    """At most `most` of the sorted `indexes`, evenly spread, always keeping the first and the last."""
    if len(indexes) <= most:
        return list(indexes)
    step = -(-(len(indexes) - 1) // (most - 1))  # ceiling division
    kept = list(indexes[::step])
    if kept[-1] != indexes[-1]:
        kept.append(indexes[-1])
    return kept


def line_chart(
    *,
    points: Sequence[tuple[int, Decimal]],
    baseline: Decimal,
    target: Decimal | None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> LineChart | None:
    """Place a goal's values per cycle in a viewBox, with its baseline and (optional) target line.

    The value axis always spans the baseline and the target, so a decrease goal simply has its target
    line below the baseline and the line falls toward it. Returns None when there is nothing to draw.
    """
    if not points:
        return None
    ordered = sorted(points, key=lambda p: p[0])
    plot = Box(PAD_LEFT, PAD_TOP, width - PAD_RIGHT, height - PAD_BOTTOM)
    values = [v for _, v in ordered] + [baseline] + ([target] if target is not None else [])
    low, high = value_domain(values)
    first_index, last_index = ordered[0][0], ordered[-1][0]

    def x_of(index: int) -> float:
        if first_index == last_index:
            return round(plot.center_x, 1)
        return scale(Decimal(index), Decimal(first_index), Decimal(last_index), plot.left, plot.right)

    def y_of(value: Decimal) -> float:
        return scale(value, low, high, plot.bottom, plot.top)

    placed = tuple(ChartPoint(index=i, value=plain(v), x=x_of(i), y=y_of(v)) for i, v in ordered)
    indexes = [p.index for p in placed]
    return LineChart(
        width=width,
        height=height,
        plot=plot,
        points=placed,
        baseline_y=y_of(baseline),
        target_y=y_of(target) if target is not None else None,
        y_min=low,
        y_max=high,
        x_ticks=tuple(Tick(label=i, at=x_of(i)) for i in thin_labels(indexes)),
        y_ticks=(Tick(label=plain(high), at=plot.top), Tick(label=plain(low), at=plot.bottom)),
    )


def plain(value: Decimal) -> Decimal:
    """A value without trailing zeros or exponent, to print: 9.50 -> 9.5, 12.00 -> 12."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def percent(ratio: float | None) -> int | None:
    """A 0..1 ratio as a whole percentage for a progress bar (None stays None)."""
    if ratio is None:
        return None
    return round(max(0.0, min(1.0, ratio)) * 100)
