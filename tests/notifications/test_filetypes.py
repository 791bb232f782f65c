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
