"""Recognise uploaded files by their content, never by their name.

Only the document types SECAS and the SSC can open safely are accepted: PDF, PNG, JPEG, DOCX,
XLSX, ODT and plain text. Office formats are ZIP containers, so their inside is checked too.
"""

import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG image", "image/png", (".png",))
JPEG = FileKind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileKind(
    "Word document (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileKind(
    "Excel workbook (XLSX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ODT = FileKind("OpenDocument text (ODT)", "application/vnd.oasis.opendocument.text", (".odt",))
TEXT = FileKind("plain text", "text/plain", (".txt", ".text", ".csv", ".md", ".log"))

ACCEPTED = (PDF, PNG, JPEG, DOCX, XLSX, ODT, TEXT)
ACCEPTED_EXTENSIONS = tuple(ext for kind in ACCEPTED for ext in kind.extensions)
ACCEPTED_DESCRIPTION = "PDF, PNG, JPEG, DOCX, XLSX, ODT or plain text"

_HEAD_BYTES = 8192


def _zip_kind(stream: BinaryIO) -> FileKind | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return ODT if declared == ODT.content_type else None
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return DOCX
                if any(name.startswith("xl/") for name in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        # A multi-byte character may be cut at the end of the sample.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            return False
    return True


def sniff(stream: BinaryIO) -> FileKind | None:
    """The accepted kind the content is, or None. Leaves the stream at its start."""
    stream.seek(0)
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(stream)
    elif head and _looks_like_text(head):
        kind = TEXT
    stream.seek(0)
    return kind
