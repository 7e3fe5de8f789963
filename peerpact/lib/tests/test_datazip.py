"""lib.datazip streams tables into the zip and writes exactly what json.dumps and section_csv write."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from peerpact.lib.datazip import Table, bundle_write, section_csv

ROWS = [
    {
        "id": 1,
        "text": 'Line one\nline two, "quoted"',
        "when": datetime(2026, 3, 2, 9, tzinfo=UTC),
        "extra": 1.5,
    },
    {"id": 2, "text": '=HYPERLINK("http://x")', "when": None, "extra": True},
    {"id": 3, "text": "Grüße 👋 \u2028", "when": date(2026, 1, 1), "extra": {"a": [1, 2], "b": {}}},
    {"id": 4, "text": "", "when": Decimal("12.50"), "extra": ["x", {"y": None}, []]},
]


def document(lazy: bool) -> dict:
    def table(rows: list[dict]) -> Table | list[dict]:
        return (
            Table(columns=["id", "text", "when", "extra"], rows=iter([dict(r) for r in rows]))
            if lazy
            else rows
        )

    return {
        "format": {"name": "test", "version": 1},
        "profile": {"email": "a@example.com", "tags": ["x"], "nested": {"k": [1, {}]}},
        "single": {"email": "a@example.com", "count": 3},
        "rows": table(ROWS),
        "empty": table([]),
        "plain_list": [{"a": 1}, {"b": "two"}],
        "nothing": [],
    }


def members(lazy: bool) -> dict[str, bytes]:
    target = io.BytesIO()
    bundle_write(
        target,
        document=document(lazy),
        files={"extra/a.bin": b"\x00\x01", "extra/b.txt": lambda: io.BytesIO(b"hi")},
    )
    with zipfile.ZipFile(target) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_lazy_tables_write_the_same_bytes_as_lists():
    lazy, eager = members(lazy=True), members(lazy=False)
    assert list(lazy) == list(eager)
    assert lazy == eager
    expected = json.dumps(document(lazy=False), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    assert lazy["data.json"].decode() == expected
    assert lazy["rows.csv"].decode() == section_csv(ROWS)
    assert lazy["empty.csv"].decode() == section_csv([]) == "\ufeff\r\n"
    # A record with nested values ("profile") and the format have no CSV; the files come last.
    assert list(lazy) == [
        "data.json",
        "single.csv",
        "rows.csv",
        "empty.csv",
        "plain_list.csv",
        "nothing.csv",
        "extra/a.bin",
        "extra/b.txt",
    ]
    assert lazy["extra/b.txt"] == b"hi"


def test_a_table_row_with_other_columns_is_refused():
    bad = {"rows": Table(columns=["a", "b"], rows=iter([{"b": 1, "a": 2}]))}
    with pytest.raises(ValueError, match="columns"):
        bundle_write(io.BytesIO(), document=bad)
