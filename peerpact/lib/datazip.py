"""A data export as one zip: `data.json` (the whole document) and one CSV per table-like section.

Used by the member export (accounts.portability) and the community export (insights). Domain-free: it
takes a document of plain sections and writes them.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Collection, Mapping, Sequence
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

from peerpact.lib.csv import csv_lines

Section = Sequence[Mapping[str, Any]] | Mapping[str, Any]


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


def bundle_write(
    target: IO[bytes],
    *,
    document: Mapping[str, Section],
    files: Mapping[str, bytes] | None = None,
    json_only: Collection[str] = ("format",),
) -> None:
    """Write the zip: data.json, `<section>.csv` for each list or single-record section, extra files."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        archive.writestr("data.json", text)
        for name, section in document.items():
            if name in json_only:
                continue
            if isinstance(section, Mapping):
                if all(not isinstance(v, (list, dict)) for v in section.values()):
                    archive.writestr(f"{name}.csv", section_csv([section]))
                continue
            archive.writestr(f"{name}.csv", section_csv(section))
        for path, content in (files or {}).items():
            archive.writestr(path, content)
