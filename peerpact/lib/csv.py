"""Streaming CSV downloads that open cleanly in spreadsheets (Excel, LibreOffice, Numbers, Sheets)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

# Excel only reads a CSV as UTF-8 when it starts with a byte order mark; other programs skip it.
BOM = "\ufeff"

# A cell starting with one of these is run as a formula by spreadsheets ("CSV injection"), so a
# member called "=HYPERLINK(...)" could plant a link in a facilitator's sheet. Tab and carriage
# return count too: some programs strip them and then read the formula behind them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def neutralize(value: Cell) -> str | int | float:
    """A cell value that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands back the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(*, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The BOM, the header line, then one line per row (RFC 4180, CRLF line ends)."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([neutralize(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralize(cell) for cell in row])


def csv_line(row: Sequence[Cell]) -> str:
    """One row as csv_lines() writes it (no BOM, no header)."""
    line: str = csv.writer(_Echo()).writerow([neutralize(cell) for cell in row])
    return line


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> StreamingHttpResponse:
    """Stream rows as a UTF-8 CSV attachment. Build `rows` lazily to keep memory flat."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header=header, rows=rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
