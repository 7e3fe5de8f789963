from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from peerpact.programs.models import Attachment
from peerpact.programs.tests.conftest import submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "served_as"),
    [
        ("plan.pdf", PDF, "application/pdf"),
        ("board.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("notes.md", "# Ünïcode notes\n".encode(), "text/markdown; charset=utf-8"),
        ("notes.txt", b"plain text", "text/plain; charset=utf-8"),
        ("report.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_allowed_files_are_stored_under_a_random_name(cohort, module, bob, name, content, served_as):
    # The browser's vague claim is not what we serve (a claim of an active type is refused outright:
    # test_upload_sniffing.py).
    submission = submit(cohort, module, bob, files=[upload(name, content, "application/octet-stream")])
    attachment = submission.attachments.get()
    assert attachment.original_name == name and attachment.size == len(content)
    assert attachment.content_type == served_as  # from our table, never from the browser's claim
    assert name.split(".")[0] not in attachment.file.name
    assert attachment.file.name.startswith("programs/") and len(attachment.file.name) > 30


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("noextension", b"hello"),
    ],
)
def test_other_types_are_refused(cohort, module, bob, name, content):
    with pytest.raises(ValidationError, match="not accepted"):
        submit(cohort, module, bob, files=[upload(name, content)])
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.pdf", b"<html>not a pdf</html>"),
        ("fake.png", b"%PDF-1.4 a pdf in disguise"),
        ("fake.jpg", PNG),
        ("binary.txt", b"MZ\x00\x00\x00binary"),
        ("latin1.md", "café".encode("latin-1") + b"\xff\xfe"),
        ("fake.docx", b"PK\x03\x04 but not a real zip"),
        ("zip.docx", b""),
    ],
)
def test_content_must_match_the_extension(cohort, module, bob, name, content):
    with pytest.raises(ValidationError):
        submit(cohort, module, bob, files=[upload(name, content)])
    assert not Attachment.objects.exists()


def test_files_over_the_size_limit_are_refused(cohort, module, bob, settings):
    settings.PROGRAM_UPLOAD_MAX_BYTES = 1024
    submit(cohort, module, bob, files=[upload("ok.txt", b"a" * 1024)])
    with pytest.raises(ValidationError, match="at most 1"):
        submit(cohort, module, bob, files=[upload("big.txt", b"a" * 1025)])
    assert Attachment.objects.count() == 1


def test_at_most_five_files_per_submission(cohort, module, bob):
    submission = submit(cohort, module, bob, files=[upload(f"n{i}.txt", b"note") for i in range(4)])
    with pytest.raises(ValidationError, match="At most 5 files"):
        submit(cohort, module, bob, files=[upload("a.txt", b"a"), upload("b.txt", b"b")])
    assert submission.attachments.count() == 4
    # Removing one makes room again.
    first = submission.attachments.first()
    submit(
        cohort,
        module,
        bob,
        files=[upload("a.txt", b"a"), upload("b.txt", b"b")],
        remove_attachments=[first.pk],
    )
    assert submission.attachments.count() == 5
    assert not submission.attachments.filter(pk=first.pk).exists()


def test_a_path_in_the_name_is_dropped(cohort, module, bob):
    submission = submit(cohort, module, bob, files=[upload("../../etc/passwd.txt", b"x")])
    assert submission.attachments.get().original_name == "passwd.txt"
