"""Tables out as CSV (UTF-8 with BOM, so Excel opens Chinese correctly) and
XLSX, with formula injection neutralised, and CSV in (UTF-8 or GBK/GB18030 as
Chinese Excel saves it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook, load_workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula gets a
    leading apostrophe. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _text(value: Any) -> Any:
    if value is None:
        return ""
    return safe_cell(value if isinstance(value, int | float) else str(value))


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download; rows may be a generator of any length."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow([_text(h) for h in header])
        for row in rows:
            yield writer.writerow([_text(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = ""
) -> HttpResponse:
    """An XLSX download written in openpyxl's write-only mode."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "Sheet1")[:31])
    ws.append([_text(h) for h in header])
    for row in rows:
        ws.append([_text(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def table_response(
    fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse | StreamingHttpResponse:
    """``fmt`` is "csv" or "xlsx"."""
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an uploaded .csv or .xlsx file, as text."""
    if filename.lower().endswith(".xlsx"):
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        values = [
            ["" if v is None else str(v).strip() for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
    else:
        values = [
            [c.strip() for c in row]
            for row in csv.reader(io.StringIO(decode_csv_bytes(data)))
        ]
    values = [row for row in values if any(row)]
    if not values:
        return [], []
    return values[0], values[1:]
