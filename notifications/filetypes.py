"""Recognise uploaded files by their content, never by their name.

Only the document types SECAS and the SSC can open safely are accepted: PDF, PNG, JPEG, DOCX,
XLSX, ODT and plain text. Office formats are ZIP containers, so their inside is checked too.
"""

import codecs
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
_CHUNK_BYTES = 1024 * 1024
# The content types of an Office document's main part; macro-enabled ones are refused.
_OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_MAX_CONTENT_TYPES_XML = 1024 * 1024
# Macros and executables packed inside an otherwise acceptable document.
_REFUSED_INSIDE = (
    "vbaproject.bin",
    ".exe",
    ".dll",
    ".js",
    ".vbs",
    ".ps1",
    ".bat",
    ".cmd",
    ".scr",
    ".jar",
)


def _zip_kind(stream: BinaryIO) -> FileKind | None:
    """Look inside the ZIP without unpacking more than a few small entries (no zip bombs)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith(_REFUSED_INSIDE) for name in names):
                return None
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                # ODF stores this entry first, uncompressed, and it is a few dozen bytes long.
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > 100:
                    return None
                with archive.open(info) as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return ODT if declared == ODT.content_type else None
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > _MAX_CONTENT_TYPES_XML:
                    return None
                with archive.open(info) as entry:
                    declared = entry.read(_MAX_CONTENT_TYPES_XML).decode("utf-8", "replace")
                if "macroEnabled" in declared:
                    return None
                for content_type, kind in _OOXML_MAIN_TYPES.items():
                    if f'ContentType="{content_type}"' in declared:
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def _is_text(stream: BinaryIO) -> bool:
    """UTF-8 text with no NUL bytes, checked to the end in chunks (not just the start)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen_anything = False
    while chunk := stream.read(_CHUNK_BYTES):
        seen_anything = True
        if b"\x00" in chunk:
            return False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return seen_anything


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
    elif head and _is_text(stream):
        kind = TEXT
    stream.seek(0)
    return kind
