"""Checks for submission attachments: an allowlist of types, by extension AND by the file's first bytes.

No third-party sniffing library: the formats we accept have simple signatures, and text must decode
as UTF-8 without NUL bytes. The content type we serve comes from this table, never from the browser.

Beyond the signature, nothing a browser could be talked into running gets in, even renamed: text that
opens like an HTML or XML document (the WHATWG sniffing patterns, so SVG too), images and PDFs carrying
markup in their first bytes (polyglots), PDFs with JavaScript or launch actions, office files with macros,
and uploads the browser itself declares as HTML, SVG, script or a program.
"""

from __future__ import annotations

import codecs
import re
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

# Content types a browser may declare for an upload that we refuse whatever the extension says.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/wasm",
        "application/hta",
        "application/x-httpd-php",
        "application/x-sh",
        "application/x-shellscript",
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-ms-installer",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/vnd.microsoft.portable-executable",
        "application/java-archive",
    }
)
# What the WHATWG MIME sniffing standard treats as the start of an HTML page ("<tag" then a space or >),
# plus XML (so SVG) and a bare <svg: text opening like this is refused even as .txt, .md or .csv.
_HTML_TAGS = (
    "!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--|svg|object|embed"
)
_MARKUP_START = re.compile(rb"^\s*(?:<(?:" + _HTML_TAGS.encode() + rb")[\s>/]|<\?xml)", re.IGNORECASE)
# Markup inside what should be an image or a PDF: a polyglot meant to be read as a page.
_MARKUP_INSIDE = re.compile(
    rb"<(?:script|html|svg|iframe|body|!doctype|\?php|object|embed)[\s>/]", re.IGNORECASE
)
# PDF actions that run code or programs in a reader; names may hide behind #xx escapes (/J#61vaScript).
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS(?![A-Za-z0-9])|Launch)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


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


def _whole(upload: Any) -> bytes:
    upload.seek(0)
    data = upload.read(max_bytes() + 1)
    upload.seek(0)
    return bytes(data)


def _pdf_is_passive(upload: Any) -> bool:
    # The whole file (at most PROGRAM_UPLOAD_MAX_BYTES): actions may sit anywhere, even after the end.
    data = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), _whole(upload))
    return not _PDF_ACTIVE.search(data)


def sniff_ok(kind: str, upload: Any) -> bool:
    """Whether the file's content matches what its extension claims, and holds nothing active."""
    head = _head(upload)
    if kind in ("pdf", "png", "jpeg", "gif", "webp") and _MARKUP_INSIDE.search(head):
        return False
    if kind == "pdf":
        return head.startswith(b"%PDF-") and _pdf_is_passive(upload)
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if kind == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if kind == "text":
        return _is_text(head) and not _MARKUP_START.match(head.removeprefix(b"\xef\xbb\xbf"))
    if kind in ("ooxml", "odf"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(upload)
        if any(name.lower().endswith(("vbaproject.bin", ".bas", "/basic/script-lc.xml")) for name in names):
            return False  # macros (Word/Excel/PowerPoint VBA, LibreOffice Basic)
        return "[Content_Types].xml" in names if kind == "ooxml" else "mimetype" in names
    return False


def declared_type_ok(upload: Any, file_type: FileType) -> bool:
    """The browser's own word on the file: never an active type, and an image only of the type it is."""
    declared = str(getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared in ACTIVE_TYPES:
        return False
    ours = file_type.content_type.split(";")[0]
    if declared.startswith("image/") or ours.startswith("image/"):
        return declared in ("", "application/octet-stream", ours)
    return True


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
    if not declared_type_ok(upload, file_type) or not sniff_ok(file_type.kind, upload):
        raise ValidationError(
            _("“%(name)s” does not look like a %(ext)s file inside. Export it again and retry."),
            params={"name": name, "ext": extension.lstrip(".")},
            code="content",
        )
    return file_type
