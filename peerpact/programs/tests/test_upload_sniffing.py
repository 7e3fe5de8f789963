"""Submission attachments: only what the allowlist names, proven by the bytes, never anything active.

Renamed payloads (HTML or SVG as an image, a program as a PDF, markup as text), polyglots (an image or
PDF that is also a page), active PDFs and macro documents are refused; the browser's declared type may not
name an active type; sizes are capped; what is stored is served with our type, never the browser's.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peerpact.programs import uploads
from peerpact.programs.models import Attachment, Submission
from peerpact.programs.tests.conftest import submit

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>window.__xss=1</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1"><script>window.__xss=1</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def office(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = office({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def refused(name: str, content: bytes, content_type: str = "application/octet-stream") -> str:
    with pytest.raises(ValidationError) as caught:
        uploads.validate_upload(upload(name, content, content_type))
    return str(caught.value.code)


ACCEPTED = [
    ("photo.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.jpeg", JPEG, ""),
    ("anim.gif", GIF, "image/gif"),
    ("pic.webp", WEBP, "image/webp"),
    ("plan.pdf", PDF, "application/pdf"),
    ("notes.txt", "Plain notes, ünïcödé ✓\n".encode(), "text/plain"),
    ("notes.md", b"# Notes\n\nUse <b>bold</b> and `<script>` in prose: only the start is sniffed.\n", ""),
    ("people.csv", b"email,name\nbob@example.com,Bob\n", "application/vnd.ms-excel"),  # Windows says so
    ("essay.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("sheet.xlsx", DOCX, "application/octet-stream"),
    ("essay.odt", ODT, "application/vnd.oasis.opendocument.text"),
    ("report.html.pdf", PDF, "application/pdf"),  # only the last extension counts
]


@pytest.mark.parametrize(("name", "content", "declared"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_the_allowed_types_pass_with_our_content_type(name: str, content: bytes, declared: str) -> None:
    file_type = uploads.validate_upload(upload(name, content, declared))
    assert file_type == uploads.TYPES["." + name.rsplit(".", 1)[1]]


DISGUISED = [
    # Renamed: the extension is allowed, the bytes are not what it says.
    ("html-as-png", "photo.png", HTML, "image/png"),
    ("svg-as-png", "photo.png", SVG, "image/png"),
    ("svg-as-jpg", "photo.jpg", SVG, "image/jpeg"),
    ("exe-as-pdf", "plan.pdf", EXE, "application/pdf"),
    ("elf-as-pdf", "plan.pdf", ELF, "application/pdf"),
    ("exe-as-txt", "notes.txt", EXE, "text/plain"),
    ("exe-as-docx", "essay.docx", EXE, "application/octet-stream"),
    ("html-as-pdf", "plan.pdf", HTML, "application/pdf"),
    ("jar-as-docx", "essay.docx", office({"META-INF/MANIFEST.MF": b"Main-Class: X"}), ""),
    ("png-as-gif", "anim.gif", PNG, "image/gif"),
    # Text a browser would sniff as a page, even named .txt, .md or .csv.
    ("html-as-txt", "notes.txt", HTML, "text/plain"),
    ("html-as-md", "notes.md", b"\n  <html><script>window.__xss=1</script>", ""),
    ("html-with-bom-as-csv", "people.csv", b"\xef\xbb\xbf<!doctype html><p>x", "text/csv"),
    ("svg-as-txt", "notes.txt", SVG, "text/plain"),
    ("xml-as-md", "notes.md", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', ""),
    ("script-as-txt", "notes.txt", b"<script>window.__xss=1</script>", "text/plain"),
    ("comment-as-txt", "notes.txt", b"<!-- --><img src=x onerror=alert(1)>", "text/plain"),
    # Polyglots: a real image or PDF signature with a page inside.
    ("gif-polyglot", "anim.gif", b"GIF89a/*<script>window.__xss=1</script>*/=1;", "image/gif"),
    ("png-polyglot", "photo.png", PNG + b"tEXt<html><script>window.__xss=1</script>", "image/png"),
    ("jpeg-polyglot", "photo.jpg", JPEG[:-2] + b"<svg onload=alert(1)>" + b"\xff\xd9", "image/jpeg"),
    ("pdf-polyglot", "plan.pdf", b"%PDF-1.4 <html><script>window.__xss=1</script>", "application/pdf"),
    # Active PDFs and macro documents.
    ("pdf-javascript", "plan.pdf", PDF + b"<< /S /JavaScript /JS (app.alert(1)) >>", "application/pdf"),
    ("pdf-escaped-js", "plan.pdf", PDF + b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>", "application/pdf"),
    ("pdf-launch", "plan.pdf", PDF + b"<< /S /Launch /F (cmd.exe) >>", "application/pdf"),
    (
        "docx-macros",
        "essay.docx",
        office({"[Content_Types].xml": b"<Types/>", "word/vbaProject.bin": b"x"}),
        "",
    ),
    # The browser itself says what it is: an active type is refused whatever the bytes and name.
    ("declared-html", "photo.png", PNG, "text/html"),
    ("declared-svg", "photo.png", PNG, "image/svg+xml"),
    ("declared-js", "notes.txt", b"alert(1)", "text/javascript"),
    ("declared-exe", "plan.pdf", PDF, "application/x-msdownload"),
    ("declared-other-image", "photo.png", PNG, "image/gif"),
    ("declared-image-for-pdf", "plan.pdf", PDF, "image/png"),
]


@pytest.mark.parametrize(
    ("name", "content", "declared"), [d[1:] for d in DISGUISED], ids=[d[0] for d in DISGUISED]
)
def test_disguised_and_active_files_are_refused(name: str, content: bytes, declared: str) -> None:
    assert refused(name, content, declared) == "content"


@pytest.mark.parametrize(
    "name",
    [
        "page.html",
        "page.htm",
        "page.xhtml",
        "page.shtml",
        "icon.svg",
        "app.js",
        "app.mjs",
        "setup.exe",
        "run.sh",
        "run.bat",
        "tool.msi",
        "lib.dll",
        "applet.jar",
        "page.php",
        "notes.pdf.html",
        "no-extension",
        "notes.",
        ".htaccess",
        "photo.PNG.svg",
    ],
)
def test_types_outside_the_allowlist_are_refused_by_name(name: str) -> None:
    assert refused(name, PNG, "image/png") == "type"


def test_upper_case_extensions_are_the_same_type() -> None:
    assert uploads.validate_upload(upload("PHOTO.PNG", PNG, "image/png")).content_type == "image/png"


def test_sizes_are_capped_by_the_setting(settings: Any) -> None:
    settings.PROGRAM_UPLOAD_MAX_BYTES = len(PDF)
    uploads.validate_upload(upload("plan.pdf", PDF))
    assert refused("plan.pdf", PDF + b" ") == "size"
    assert refused("plan.pdf", b"") == "empty"


def test_through_the_page_a_renamed_page_is_refused_and_nothing_is_stored(
    client, cohort, module, bob
) -> None:
    client.force_login(bob)
    link = reverse(
        "programs:submit",
        kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk},
    )
    response = client.post(
        link,
        {
            "text": "My careful write-up",
            "uploads": [upload("photo.png", SVG, "image/png"), upload("plan.pdf", PDF)],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "My careful write-up" in body and "does not look like a png file" in body
    assert not Submission.objects.exists() and not Attachment.objects.exists()


def test_through_the_page_an_oversized_file_is_refused(client, cohort, module, bob, settings) -> None:
    settings.PROGRAM_UPLOAD_MAX_BYTES = 1024
    client.force_login(bob)
    link = reverse(
        "programs:submit",
        kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk},
    )
    response = client.post(link, {"text": "Big", "uploads": [upload("plan.pdf", PDF + b"0" * 2048)]})
    assert response.status_code == 400 and "files may be at most" in response.content.decode()
    assert not Attachment.objects.exists()


def test_what_is_stored_gets_a_random_name_and_our_type_and_downloads_safely(
    client, cohort, module, bob
) -> None:
    name = 'plan "final"\r\nSet-Cookie: x=1.pdf'
    submission = submit(cohort, module, bob, files=[upload(name, PDF, "application/octet-stream")])
    stored = submission.attachments.get()
    assert stored.content_type == "application/pdf"
    assert stored.file.name.startswith("programs/") and stored.file.name.endswith(".pdf")
    assert "plan" not in stored.file.name
    client.force_login(bob)
    response = client.get(
        reverse(
            "programs:attachment",
            kwargs={
                "community": cohort.program.community.slug,
                "cohort": cohort.pk,
                "attachment_id": stored.pk,
            },
        )
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers.get("Set-Cookie", "")
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PDF
