"""Geometry for the dashboard's inline SVG charts: pure functions, no Django, no I/O.

Templates draw; this module decides where things go (viewBox user units, y grows downward). Every chart
is also given as words (its <desc>) and as a table beside it, so nothing depends on seeing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peerpact.goals.charts import thin_labels

WIDTH = 640
HEIGHT = 200
PAD_LEFT = 40
PAD_RIGHT = 8
PAD_TOP = 16
PAD_BOTTOM = 28
CELL = 24  # heatmap cell size
HEAT_LABEL = 140  # room for member names left of the heatmap


@dataclass(frozen=True)
class Segment:
    kind: str  # on_time, late, missed
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    starts_on: date
    x: float
    width: float
    label_x: float
    show_label: bool
    rate: float | None
    rate_y: float  # top of the rate bar
    rate_height: float
    segments: tuple[Segment, ...]

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


@dataclass(frozen=True)
class WeekChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    columns: tuple[Column, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def middle(self) -> float:
        return round((self.top + self.bottom) / 2, 1)

    @property
    def label_y(self) -> float:
        return self.bottom + 16


def week_chart(weeks: list[tuple[date, int, int, int]]) -> WeekChart | None:
    """Columns per week from (week start, on time, late, missed): the check-in rate as a bar, and the
    three shares stacked (on time at the bottom). Weeks without an expected check-in stay empty."""
    if not weeks:
        return None
    left, top, right, bottom = PAD_LEFT, PAD_TOP, WIDTH - PAD_RIGHT, HEIGHT - PAD_BOTTOM
    slot = (right - left) / len(weeks)
    width = round(slot * 0.7, 1)
    shown = set(thin_labels(list(range(len(weeks)))))
    columns = []
    for position, (starts_on, on_time, late, missed) in enumerate(weeks):
        x = round(left + slot * position + (slot - width) / 2, 1)
        expected = on_time + late + missed
        rate = (on_time + late) / expected if expected else None
        rate_height = round((bottom - top) * (rate or 0), 1)
        segments = []
        y = float(bottom)
        for kind, count in (("on_time", on_time), ("late", late), ("missed", missed)):
            if not expected or not count:
                continue
            height = round((bottom - top) * count / expected, 1)
            y = round(y - height, 1)
            segments.append(Segment(kind=kind, y=y, height=height))
        columns.append(
            Column(
                starts_on=starts_on,
                x=x,
                width=width,
                label_x=round(x + width / 2, 1),
                show_label=position in shown,
                rate=rate,
                rate_y=round(bottom - rate_height, 1),
                rate_height=rate_height,
                segments=tuple(segments),
            )
        )
    return WeekChart(WIDTH, HEIGHT, left, top, right, bottom, tuple(columns))


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    kind: str  # on_time late missed paused blackout joined due none
    letter: str


@dataclass(frozen=True)
class Label:
    at: float
    text: str


@dataclass(frozen=True)
class Heatmap:
    width: int
    height: int
    cells: tuple[HeatCell, ...]
    row_labels: tuple[Label, ...]
    column_labels: tuple[Label, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


LETTERS = {
    "on_time": "✓",
    "late": "L",
    "missed": "✗",
    "paused": "P",
    "blackout": "B",
    "joined": "J",
    "due": "·",
    "none": "",
}


def heatmap(rows: list[list[str]], *, names: list[str], columns: list[str]) -> Heatmap | None:
    """Cells for members (rows) x cycles (columns) of kinds; a letter in each, so colour is not needed."""
    if not rows or not columns:
        return None
    cells = []
    for r, kinds in enumerate(rows):
        for c, kind in enumerate(kinds):
            cells.append(HeatCell(x=HEAT_LABEL + c * CELL, y=20 + r * CELL, kind=kind, letter=LETTERS[kind]))
    return Heatmap(
        width=HEAT_LABEL + len(columns) * CELL + 4,
        height=20 + len(rows) * CELL + 4,
        cells=tuple(cells),
        row_labels=tuple(Label(20 + r * CELL + CELL / 2, name) for r, name in enumerate(names)),
        column_labels=tuple(Label(HEAT_LABEL + c * CELL + CELL / 2, text) for c, text in enumerate(columns)),
    )
