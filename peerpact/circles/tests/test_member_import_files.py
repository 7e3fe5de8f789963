"""The member import reads text only: spreadsheets, programs and pages under a .csv name are refused
with a message that says what to do, and nothing of the file is kept beyond the preview."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from peerpact.circles.member_import import MAX_BYTES, parse_member_csv


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        xlsx(),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # an old .xls
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,  # a Windows program
        b"%PDF-1.4\nemail\n",
        b"email,name\nbob@example.com,B\x00ob\n",  # NUL: not text
    ],
    ids=["xlsx", "xls", "exe", "pdf", "nul"],
)
def test_binary_files_named_csv_are_refused_with_advice(data: bytes) -> None:
    with pytest.raises(ValidationError, match="Save as → CSV"):
        parse_member_csv(data)


def test_a_page_named_csv_has_no_email_column() -> None:
    with pytest.raises(ValidationError, match="must name the columns"):
        parse_member_csv(b"<!doctype html><script>alert(1)</script>\n")


def test_the_size_is_capped() -> None:
    with pytest.raises(ValidationError, match="too large"):
        parse_member_csv(b"email\n" + b"a@example.com\n" * (MAX_BYTES // 14 + 1))


def test_a_plain_csv_still_reads() -> None:
    rows = parse_member_csv("email,name\nnia@example.com,Nïa\n".encode())
    assert [(r.email, r.name) for r in rows] == [("nia@example.com", "Nïa")]
