"""Checks for submission attachments: an allowlist of types, by extension AND by the file's first bytes.

No third-party sniffing library: the formats we accept have simple signatures, and text must decode
as UTF-8 without NUL bytes. The content type we serve comes from this table, never from the browser.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_FILES = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    content_type: str
    kind: str  # how to sniff it: pdf, png, jpeg, gif, webp, text, zip-ooxml, zip-odf


TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", "pdf"),
    ".png": FileType("image/png", "png"),
    ".jpg": FileType("image/jpeg", "jpeg"),
    ".jpeg": FileType("image/jpeg", "jpeg"),
    ".gif": FileType("image/gif", "gif"),
    ".webp": FileType("image/webp", "webp"),
    ".txt": FileType("text/plain; charset=utf-8", "text"),
    ".md": FileType("text/markdown; charset=utf-8", "text"),
    ".csv": FileType("text/csv; charset=utf-8", "text"),
    ".docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "ooxml"),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ooxml"),
    ".pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ooxml"),
    ".odt": FileType("application/vnd.oasis.opendocument.text", "odf"),
    ".ods": FileType("application/vnd.oasis.opendocument.spreadsheet", "odf"),
    ".odp": FileType("application/vnd.oasis.opendocument.presentation", "odf"),
}
ALLOWED_EXTENSIONS = sorted(TYPES)


def max_bytes() -> int:
    return int(getattr(settings, "PROGRAM_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _head(upload: Any) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return bytes(head)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _zip_names(upload: IO[bytes]) -> set[str]:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()
    finally:
        upload.seek(0)


def sniff_ok(kind: str, upload: Any) -> bool:
    """Whether the file's content matches what its extension claims."""
    head = _head(upload)
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if kind == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if kind == "text":
        return _is_text(head)
    if kind in ("ooxml", "odf"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(upload)
        return "[Content_Types].xml" in names if kind == "ooxml" else "mimetype" in names
    return False


def clean_name(name: str) -> str:
    """The file's own name without any path, trimmed to fit the column."""
    base = PurePosixPath(name.replace("\\", "/")).name.strip() or "file"
    return base[-200:]


def validate_upload(upload: Any) -> FileType:
    """Refuse a file of the wrong type, a disguised one, or one over the size limit."""
    name = clean_name(getattr(upload, "name", "") or "")
    extension = PurePosixPath(name).suffix.lower()
    file_type = TYPES.get(extension)
    if file_type is None:
        raise ValidationError(
            _("“%(name)s”: this type of file is not accepted. Allowed: %(allowed)s."),
            params={"name": name, "allowed": ", ".join(e.lstrip(".") for e in ALLOWED_EXTENSIONS)},
            code="type",
        )
    size = int(getattr(upload, "size", 0) or 0)
    if size > max_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s."),
            params={"name": name, "size": filesizeformat(size), "max": filesizeformat(max_bytes())},
            code="size",
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), params={"name": name}, code="empty")
    if not sniff_ok(file_type.kind, upload):
        raise ValidationError(
            _("“%(name)s” does not look like a %(ext)s file inside. Export it again and retry."),
            params={"name": name, "ext": extension.lstrip(".")},
            code="content",
        )
    return file_type
