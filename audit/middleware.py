"""Makes the request visible to audit signal handlers (who, from where), and
records every file export, whichever view produced it."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse

from .log import current_request, record_export

logger = logging.getLogger(__name__)

EXPORT_TYPES = ("text/csv", "spreadsheetml", "ndjson")
FILENAME = re.compile(r'filename="?([^";]+)"?')


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if is_export(response) and not getattr(request, "_export_recorded", False):
            record_file_export(request, response)
        return response


def is_export(response: HttpResponse) -> bool:
    disposition = response.get("Content-Disposition", "")
    ctype = response.get("Content-Type", "")
    return (
        response.status_code == 200
        and disposition.startswith("attachment")
        and any(t in ctype for t in EXPORT_TYPES)
    )


def record_file_export(request: HttpRequest, response: HttpResponse) -> None:
    """A safety net under ``record_export``: an exported table is recorded even
    when its view did not call the helper. Rows are counted as they are sent
    (a streamed file is recorded when it ends, or is broken off)."""
    match = FILENAME.search(response.get("Content-Disposition", ""))
    what = match.group(1) if match else request.path
    ctype = response.get("Content-Type", "")
    if not getattr(response, "streaming", False):
        record_export(request, what, count_rows(response.content, ctype))
        return
    response.streaming_content = _counting(
        response.streaming_content, request, what, ctype
    )


def count_rows(content: bytes, ctype: str) -> int:
    if "spreadsheetml" in ctype:
        try:
            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(content), read_only=True)
            return max(sum((ws.max_row or 0) for ws in wb.worksheets) - 1, 0)
        except Exception:  # an unreadable file is still recorded
            logger.warning("could not count the rows of an exported workbook")
            return 0
    lines = content.count(b"\n")
    return lines if "ndjson" in ctype else max(lines - 1, 0)


def _counting(
    chunks: Iterator[bytes], request: HttpRequest, what: str, ctype: str
) -> Iterator[bytes]:
    lines = 0
    try:
        for chunk in chunks:
            lines += chunk.count(b"\n")
            yield chunk
    finally:
        rows = lines if "ndjson" in ctype else max(lines - 1, 0)
        record_export(request, what, rows)
