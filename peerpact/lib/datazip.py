"""A data export as one zip: `data.json` (the whole document) and one CSV per table-like section.

Used by the member export (accounts.portability) and the community export (insights). Domain-free: it
takes a document of plain sections and writes them.

Memory stays flat however large the export: a `Table` section is read once, row by row, and each row
goes both into data.json (streamed into the zip) and into its CSV (spooled to a temporary file, then
copied into the zip). The bytes are those of `json.dumps(document, indent=2)` and `section_csv(rows)`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

from peerpact.lib.csv import csv_line, csv_lines


@dataclass(frozen=True)
class Table:
    """A section read lazily: its column names, and the rows (mappings with exactly those keys, in
    order) from an iterator that is consumed once."""

    columns: Sequence[str]
    rows: Iterable[Mapping[str, Any]]


Section = Sequence[Mapping[str, Any]] | Mapping[str, Any] | Table
# An extra file: its bytes, or a callable opening it for reading (copied in chunks, then closed).
File = bytes | Callable[[], IO[bytes]]

# CSVs up to this size stay in memory while data.json is written; larger ones go to a temporary file.
SPOOL_BYTES = 64 * 1024
# Bytes copied into the zip at a time (spooled CSVs, attachments).
COPY_BYTES = 64 * 1024


def _cell(value: Any) -> str | int | float | None:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))  # dates, decimals, UUIDs as text


def section_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """One section as CSV text (BOM, header from the union of keys in order, formula-safe cells)."""
    header: list[str] = []
    for row in rows:
        header.extend(key for key in row if key not in header)
    lines = csv_lines(header=header, rows=([_cell(row.get(key)) for key in header] for row in rows))
    return "".join(lines)


def _dumps(value: Any, level: int) -> str:
    """`value` as json.dumps(indent=2) writes it nested `level` deep (JSON text has no raw newlines
    inside strings, so re-indenting the lines is exact)."""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + "  " * level)


# One encoder without indentation: the C encoder, for single values. (json.dumps with an indent runs the
# pure-Python encoder, whose closures form reference cycles: per row, that garbage piles up until the
# cyclic GC runs and shows as memory growing with the export.)
_encode = DjangoJSONEncoder(ensure_ascii=False).encode


def _dumps_row(row: Mapping[str, Any], level: int) -> str:
    """A table row exactly as _dumps(row, level) writes it, without the pure-Python encoder."""
    if not row:
        return "{}"
    inner = "\n" + "  " * (level + 1)
    parts = [
        inner
        + _encode(key)
        + ": "
        + (_dumps(value, level + 1) if isinstance(value, (list, tuple, dict)) else _encode(value))
        for key, value in row.items()
    ]
    return "{" + ",".join(parts) + "\n" + "  " * level + "}"


def _table_rows(table: Table) -> Iterator[Mapping[str, Any]]:
    columns = tuple(table.columns)
    for row in table.rows:
        if tuple(row) != columns:
            raise ValueError(f"A row's keys {tuple(row)} are not the table's columns {columns}.")
        yield row


def _json_chunks(document: Mapping[str, Section], csvs: dict[str, IO[bytes]]) -> Iterator[str]:
    """data.json in pieces, byte for byte json.dumps(document, indent=2); rows of Table sections are
    written to their CSV in `csvs` on the way."""
    if not document:
        yield "{}"
        return
    yield "{"
    for position, (name, section) in enumerate(document.items()):
        yield ("," if position else "") + "\n  " + json.dumps(name, ensure_ascii=False) + ": "
        if not isinstance(section, Table):
            yield _dumps(section, 1)
            continue
        spool = csvs.get(name)
        count = 0
        for count, row in enumerate(_table_rows(section), start=1):
            if count == 1 and spool is not None:
                spool.write("".join(csv_lines(header=list(section.columns), rows=())).encode("utf-8"))
            yield ("[\n    " if count == 1 else ",\n    ") + _dumps_row(row, 2)
            if spool is not None:
                spool.write(csv_line([_cell(row[key]) for key in section.columns]).encode("utf-8"))
        if count == 0:
            yield "[]"
            if spool is not None:
                spool.write(section_csv([]).encode("utf-8"))
        else:
            yield "\n  ]"
    yield "\n}"


def _copy_into(archive: zipfile.ZipFile, name: str, source: IO[bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, COPY_BYTES)


def bundle_write(
    target: IO[bytes],
    *,
    document: Mapping[str, Section],
    files: Mapping[str, File] | None = None,
    json_only: Collection[str] = ("format",),
) -> None:
    """Write the zip: data.json, `<section>.csv` for each list, table or single-record section, extra
    files (in that order)."""
    csvs: dict[str, IO[bytes]] = {}
    try:
        for name, section in document.items():
            if name not in json_only and isinstance(section, Table):
                csvs[name] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed below
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open("data.json", "w", force_zip64=True) as data:
                for chunk in _json_chunks(document, csvs):
                    data.write(chunk.encode("utf-8"))
            for name, section in document.items():
                if name in json_only:
                    continue
                if isinstance(section, Table):
                    csvs[name].seek(0)
                    _copy_into(archive, f"{name}.csv", csvs[name])
                elif isinstance(section, Mapping):
                    if all(not isinstance(v, (list, dict)) for v in section.values()):
                        archive.writestr(f"{name}.csv", section_csv([section]))
                else:
                    archive.writestr(f"{name}.csv", section_csv(section))
            for path, content in (files or {}).items():
                if isinstance(content, bytes):
                    archive.writestr(path, content)
                    continue
                with content() as source:
                    _copy_into(archive, path, source)
    finally:
        for spool in csvs.values():
            spool.close()


def bundle_file(write: Callable[[IO[bytes]], None]) -> IO[bytes]:
    """What `write` writes, in an anonymous temporary file rewound for reading (the caller closes it)."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller
    try:
        write(target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target
