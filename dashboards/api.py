"""The dashboards' figures as JSON: ``GET /api/v1/stats/?area=<code>&from=&to=``.

Scoped like the pages: another area answers 404, no credentials 401."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.models import Area

from .definitions import as_json
from .models import RollupState
from .services import Dashboard, parse_period
from .views import DASHBOARD_LEVELS, own_area


def _area_json(area: Area) -> dict[str, Any]:
    return {"code": area.code, "name": area.name, "level": area.level}


def _strip(row: dict) -> dict:
    row = dict(row)
    area = row.pop("area", None)
    if area is not None:
        row["area"] = _area_json(area)
    return row


class StatsView(APIView):
    """The figures of an area over a period, from the summary tables."""

    @extend_schema(
        operation_id="stats_retrieve",
        summary="Dashboard figures of an area",
        description=(
            "The figures the dashboards show for one area (the caller's own "
            "scope area by default) and its children, over a period: "
            "`period=month` (default), `year`, or `custom` with `from` and `to` "
            "(ISO dates, inclusive; giving `from` or `to` implies custom). Rates "
            "are percentages with one decimal, or null when there is nothing to "
            "rate. `definitions` explains every figure. An area outside the "
            "caller's scope answers 404."
        ),
        parameters=[
            OpenApiParameter(
                "area",
                str,
                description="Area code (district 6 digits, township 9, village 12, grid).",
            ),
            OpenApiParameter("period", str, enum=["month", "year", "custom"]),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First day (custom period)."
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description="Last day (custom period, default today).",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "A township in November",
                value={
                    "area": {
                        "code": "640303100",
                        "name": "红寺堡镇",
                        "level": "township",
                    },
                    "period": {
                        "kind": "custom",
                        "from": "2026-11-01",
                        "to": "2026-11-30",
                    },
                    "figures": {
                        "collected": 42,
                        "resolved": 40,
                        "resolution_rate": 97.6,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        code = (request.query_params.get("area") or "").strip()
        if code:
            area = get_object_or_404(
                Area.objects.visible_to(user).filter(level__in=DASHBOARD_LEVELS),
                code=code,
            )
        else:
            area = own_area(user)
        period = parse_period(request.query_params)
        state = RollupState.objects.filter(name="disputes").first()
        dash = Dashboard(area, period, generation=state.generation if state else 0)
        coverage = dash.coverage()
        return Response(
            {
                "area": _area_json(area),
                "period": {
                    "kind": period.kind,
                    "from": period.start.isoformat(),
                    "to": period.end.isoformat(),
                },
                "refreshed_at": state.refreshed_at if state else None,
                "figures": dash.totals(),
                "children": [_strip(r) for r in dash.children()],
                "monthly": dash.monthly(),
                "categories": dash.by_category(),
                "risks": [{**r, "label": str(r["label"])} for r in dash.by_risk()],
                "durations": [
                    {**d, "label": str(d["label"])} for d in dash.durations()
                ],
                "coverage": {k: v for k, v in coverage.items() if k != "per_child"},
                "definitions": as_json(),
            }
        )


def register(router: Any, extra_urlpatterns: list) -> None:
    extra_urlpatterns.append(path("stats/", StatsView.as_view(), name="stats"))
