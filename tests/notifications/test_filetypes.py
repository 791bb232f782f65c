import io

import pytest

from notifications import filetypes
from tests.uploads import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    WINDOWS_EXECUTABLE,
    office_zip,
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, filetypes.PDF),
        (PNG_BYTES, filetypes.PNG),
        (JPEG_BYTES, filetypes.JPEG),
        (office_zip("docx"), filetypes.DOCX),
        (office_zip("xlsx"), filetypes.XLSX),
        (office_zip("odt"), filetypes.ODT),
        ("Plain notes about the system – with a pound sign £.\n".encode(), filetypes.TEXT),
    ],
)
def test_accepted_files_are_recognised_by_their_content(content, expected):
    assert filetypes.sniff(io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    "content",
    [
        WINDOWS_EXECUTABLE,
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 32,
        b"PK\x03\x04not really a zip",
        b"",
        b"\xff\xfe\x00\x00binary",
    ],
)
def test_anything_else_is_refused(content):
    assert filetypes.sniff(io.BytesIO(content)) is None


def test_a_plain_zip_is_not_an_office_document():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    assert filetypes.sniff(io.BytesIO(buffer.getvalue())) is None


def test_sniffing_leaves_the_file_at_its_start():
    stream = io.BytesIO(PDF_BYTES)
    filetypes.sniff(stream)
    assert stream.tell() == 0


def test_a_macro_enabled_document_is_refused():
    content = office_zip("docx", extra={"word/vbaProject.bin": b"\x00macro"})
    assert filetypes.sniff(io.BytesIO(content)) is None


def test_an_executable_packed_in_a_document_is_refused():
    content = office_zip("xlsx", extra={"xl/media/tool.exe": b"MZ\x90\x00"})
    assert filetypes.sniff(io.BytesIO(content)) is None


def test_a_zip_that_only_looks_like_office_is_refused():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert filetypes.sniff(io.BytesIO(buffer.getvalue())) is None


def test_a_compressed_bomb_in_the_mimetype_entry_is_not_unpacked():
    import tracemalloc
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"a" * (200 * 1024 * 1024))
    tracemalloc.start()
    assert filetypes.sniff(io.BytesIO(buffer.getvalue())) is None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_text_with_binary_after_the_first_kilobytes_is_refused():
    content = b"Innocent text line.\n" * 1000 + b"\x00\x01\x02binary payload"
    assert filetypes.sniff(io.BytesIO(content)) is None


def test_text_with_a_character_split_across_chunks_is_accepted():
    content = "é".encode() * (filetypes._CHUNK_BYTES // 2 + 1)
    assert filetypes.sniff(io.BytesIO(content)) == filetypes.TEXT
