"""CSV for spreadsheets: every cell defused against formulas, long tables streamed."""

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice

from django.http import StreamingHttpResponse

CHUNK = 500  # rows per piece of a streamed response


def defuse_formula(cell):
    """A text cell starting with = + - @ would run as a formula when opened in a spreadsheet."""
    if isinstance(cell, str) and cell[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + cell
    return cell


class _Echo:
    """A file-like object that hands back what csv.writer writes, so rows can be yielded."""

    def write(self, value):
        return value


def chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def csv_lines(columns: list[str], rows: Iterable[Iterable], *, size: int = CHUNK) -> Iterator[str]:
    """The header, then the rows a chunk at a time, every cell defused against formulas."""
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for chunk in chunks(rows, size):
        yield "".join(writer.writerow([defuse_formula(cell) for cell in row]) for row in chunk)


def csv_text(columns: list[str], rows: Iterable[Iterable]) -> str:
    """A short table as one string (a meeting's minutes), defused like the streamed ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([defuse_formula(cell) for cell in row])
    return buffer.getvalue()


def streaming_csv(
    filename: str, columns: list[str], rows: Iterable[Iterable], *, size: int = CHUNK
) -> StreamingHttpResponse:
    """A download written as it is read: memory stays flat however long the table is."""
    response = StreamingHttpResponse(
        csv_lines(columns, rows, size=size), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
