"""The streamed bulk export of disputes with their events (NDJSON or CSV)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.apps import apps
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core.exports import csv_response
from core.scope import in_scope
from grids.models import Area

from .exchange import dispute_model, records

CHUNK_SIZE = 500

CSV_HEADER = [
    "number",
    "grid",
    "grid_name",
    "village",
    "township",
    "district",
    "category",
    "risk",
    "source",
    "title",
    "description",
    "occurred_at",
    "created_at",
    "stage",
    "due_at",
    "overdue_at",
    "reached_level",
    "resolved_level",
    "resolved_at",
    "resolution_method",
    "closed_at",
    "satisfied",
    "external_system",
    "external_id",
    "event_count",
    "events",
]


class ExportFilter(forms.Form):
    format = forms.ChoiceField(
        choices=[("ndjson", "ndjson"), ("csv", "csv")], required=False
    )
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    changed_since = forms.DateTimeField(required=False)
    within = forms.CharField(required=False, max_length=20)

    def clean_within(self) -> str:
        return self.cleaned_data["within"].strip()


def csv_row(record: dict[str, Any]) -> list[Any]:
    division = record["division"]
    flat = {**record, **division}
    row = [flat.get(name) for name in CSV_HEADER[:-2]]
    row = ["" if v is None else v for v in row]
    events = json.dumps(record["events"], ensure_ascii=False, separators=(",", ":"))
    return [*row, len(record["events"]), events]


def ndjson_lines(items: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for record in items:
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode()


class DisputeExportView(APIView):
    """Every dispute the caller can see, with its events, streamed."""

    # Errors are JSON whatever the requested format; the format parameter is
    # ours, not DRF's URL format override.
    def perform_content_negotiation(self, request: Request, force: bool = False):  # type: ignore[no-untyped-def]
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="exports_disputes",
        tags=["exports"],
        summary="Bulk export of disputes with their events",
        description=(
            "Streams every dispute within the caller's scope (optionally within "
            "one area), oldest first, each with its full event history. "
            "`format=ndjson` (default) gives one JSON document per line in the "
            "exchange format of `/api/v1/schemas/dispute/`; `format=csv` gives a "
            "UTF-8 CSV with BOM, one row per dispute, events as JSON in the last "
            "column. The answer is not paginated: read it as a stream. Residents' "
            "personal data is not exported."
        ),
        parameters=[
            OpenApiParameter(
                "format", str, enum=["ndjson", "csv"], description="Default ndjson."
            ),
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Recorded at or after (ISO 8601, e.g. 2026-11-01T00:00:00+08:00).",
            ),
            OpenApiParameter(
                "until", OpenApiTypes.DATETIME, description="Recorded before."
            ),
            OpenApiParameter(
                "changed_since",
                OpenApiTypes.DATETIME,
                description="With any event at or after this time (incremental sync).",
            ),
            OpenApiParameter(
                "within",
                str,
                description="Area code (district, township, village or grid) within the caller's scope.",
            ),
        ],
        responses={
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        examples=[
            OpenApiExample(
                "NDJSON line",
                media_type="application/x-ndjson",
                response_only=True,
                value=(
                    '{"id": 123, "number": "HSB-2026-000123", "division": {"grid": '
                    '"640303100200G01", "grid_name": "梨花村第1网格", "village": '
                    '"640303100200", "township": "640303100", "district": "640303"}, '
                    '"category": "neighbours", "risk": "yellow", "stage": "closed", '
                    '"events": [{"id": 1, "action": "created", "from_stage": "", '
                    '"to_stage": "grid", "actor": "gridworker", "at": '
                    '"2026-11-02T09:30:00+08:00", "reason": "", "data": {}}], "...": "..."}'
                ),
            )
        ],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        form = ExportFilter(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {k: [str(m) for m in v] for k, v in form.errors.items()}
            )
        params = form.cleaned_data
        queryset = dispute_model().objects.visible_to(request.user)
        if params["within"]:
            area = Area.objects.filter(code=params["within"]).first()
            if area is None or not in_scope(request.user, area):
                raise exceptions.ValidationError(
                    {"within": [_("No area with this code in your scope.")]}
                )
            queryset = queryset.filter(grid__path__startswith=area.path)
        if params["since"]:
            queryset = queryset.filter(created_at__gte=params["since"])
        if params["until"]:
            queryset = queryset.filter(created_at__lt=params["until"])
        if params["changed_since"]:
            queryset = queryset.filter(
                pk__in=apps.get_model("disputes", "DisputeEvent")
                .objects.filter(created_at__gte=params["changed_since"])
                .values("dispute_id")
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        items = records(queryset, chunk_size=CHUNK_SIZE)
        if params["format"] == "csv":
            return csv_response(
                f"disputes-{stamp}", CSV_HEADER, (csv_row(r) for r in items)
            )
        response = StreamingHttpResponse(
            ndjson_lines(items), content_type="application/x-ndjson; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="disputes-{stamp}.ndjson"'
        )
        return response
