"""Dashboard pages: one shape for every level, rankings, exports and the
printable monthly report. Everything is scoped: an area outside the user's
subtree answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.exports import table_response
from core.scope import scope_path
from grids.models import Area

from . import tables
from .definitions import DEFINITIONS, as_json
from .forces import forces
from .models import RollupState, ScoreWeights
from .services import (
    CHILD_LEVELS,
    PERIOD_KINDS,
    SCORE_PARTS,
    Dashboard,
    Period,
    parse_period,
    ranking,
)

DASHBOARD_LEVELS = (*CHILD_LEVELS, Area.Level.GRID)
CARD_KEYS = [
    "collected",
    "accepted",
    "resolved",
    "resolution_rate",
    "grid_share",
    "village_share",
    "district_share",
    "open_now",
    "overdue_now",
    "overdue_rate",
    "on_time_rate",
    "follow_up_coverage",
    "satisfaction_rate",
]
APART_KEYS = ["rejected", "withdrawn", "transferred"]


def scoped_area(request: HttpRequest, code: str) -> Area:
    """The area with this code if the user may see it, else 404."""
    return get_object_or_404(
        Area.objects.visible_to(request.user).filter(level__in=DASHBOARD_LEVELS),
        code=code,
    )


def own_area(user: Any) -> Area:
    if user.area_id:
        return user.area
    if scope_path(user) == "":
        root = Area.objects.filter(depth=1).order_by("path").first()
        if root is not None:
            return root
    raise Http404(_("Your account has no area."))


def request_period(request: HttpRequest) -> Period:
    try:
        return parse_period(request.GET)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return parse_period({})


def breadcrumbs(request: HttpRequest, area: Area) -> list[Area]:
    """The area's ancestors the user may see, then the area."""
    top = scope_path(request.user) or ""
    ancestors = [
        a
        for a in Area.objects.filter(
            path__in=[area.path[: i * Area.steplen] for i in range(1, area.depth)]
        ).order_by("depth")
        if a.path.startswith(top)
    ]
    return [*ancestors, area]


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's own scope area."""
    area = own_area(request.user)
    while area.level not in DASHBOARD_LEVELS and area.depth > 1:
        area = area.get_parent()
    return redirect("dashboards:area", code=area.code)


def _card(dash: Dashboard, totals: dict, key: str) -> dict:
    d = DEFINITIONS[key]
    return {
        "key": key,
        "label": d.label,
        "definition": d.text,
        "kind": d.kind,
        "value": totals.get(key),
        "url": dash.figure_url(key),
    }


def area(request: HttpRequest, code: str) -> HttpResponse:
    area = scoped_area(request, code)
    period = request_period(request)
    state = RollupState.objects.filter(name="disputes").first()
    dash = Dashboard(area, period, generation=state.generation if state else 0)
    totals = dash.totals()
    children = dash.children()
    coverage = dash.coverage()
    for row in children:
        row["officer_coverage"] = (
            coverage["per_child"].get(row["area"].path, {}).get("rate")
        )
        row["url"] = (
            reverse("dashboards:area", args=[row["area"].code])
            + "?"
            + "&".join(f"{k}={v}" for k, v in period.query().items())
        )
        child = Dashboard(row["area"], period)
        row["collected_url"] = child.figure_url("collected")
        row["overdue_url"] = child.figure_url("overdue_now")
    monthly = dash.monthly()
    categories = dash.by_category()
    risks = dash.by_risk()
    durations = dash.durations()
    for row in categories:
        row["url"] = dash.figure_url("collected", category=row["code"])
    for row in risks:
        row["url"] = dash.figure_url("collected", risk=row["risk"])
    grids = dash.grids()
    for g in grids:
        g["url"] = reverse("dashboards:area", args=[g["code"]])
        g.pop("path")
    chart_data = {
        "monthly": {
            "months": [m["month"] for m in monthly],
            "collected": [m["collected"] for m in monthly],
            "resolved": [m["resolved"] for m in monthly],
            "rate": [m["resolution_rate"] for m in monthly],
            "labels": {
                "collected": str(DEFINITIONS["collected"].label),
                "resolved": str(DEFINITIONS["resolved"].label),
                "rate": str(DEFINITIONS["resolution_rate"].label),
            },
        },
        "categories": [
            {"name": c["name"], "value": c["collected"], "url": c["url"]}
            for c in categories
        ],
        "risks": [
            {
                "name": str(r["label"]),
                "risk": r["risk"],
                "value": r["collected"],
                "url": r["url"],
            }
            for r in risks
        ],
        "funnel": [
            {
                "name": str(lvl_label),
                "value": totals[f"resolved_{lvl}"],
                "level": lvl,
            }
            for lvl, lvl_label in (
                ("grid", _("Resolved in the grid")),
                ("village", _("Resolved in the village")),
                ("township", _("Resolved in the township")),
                ("district", _("Resolved in the district")),
            )
        ],
    }
    map_data = {
        "grids": grids,
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "max_zoom": settings.MAP_MAX_ZOOM,
        "center": list(settings.MAP_CENTER),
        "labels": {
            "open": _("Open now"),
            "overdue": _("Overdue now"),
            "per_thousand": _("Disputes per 1,000 residents"),
            "collected": _("Collected"),
        },
    }
    context = {
        "forces": forces(request.user, area, period.start, period.end),
        "coverage_url": _coverage_url(area),
        "area": area,
        "period": period,
        "period_kinds": PERIOD_KINDS,
        "crumbs": breadcrumbs(request, area),
        "child_level": CHILD_LEVELS.get(area.level),
        "cards": [_card(dash, totals, k) for k in CARD_KEYS],
        "apart": [_card(dash, totals, k) for k in APART_KEYS],
        "totals": totals,
        "children": children,
        "categories": categories,
        "risks": risks,
        "durations": durations,
        "coverage": coverage,
        "defs": DEFINITIONS,
        "chart_data": chart_data,
        "map_data": map_data,
        "definitions_json": as_json(),
        "refreshed_at": state.refreshed_at if state else None,
        "period_query": period.query(),
        "export_tables": tables.TABLES,
        "rank_levels": _rank_levels(area),
    }
    return render(request, "dashboards/area.html", context)


def _coverage_url(area: Area) -> str | None:
    try:
        return reverse("policing:coverage") + f"?within={area.code}"
    except NoReverseMatch:
        return None


def _rank_levels(area: Area) -> list[str]:
    if area.level in (Area.Level.DISTRICT, Area.Level.CITY, Area.Level.PROVINCE):
        return [Area.Level.TOWNSHIP, Area.Level.VILLAGE]
    if area.level == Area.Level.TOWNSHIP:
        return [Area.Level.VILLAGE]
    return []


def rankings(request: HttpRequest, code: str) -> HttpResponse:
    area = scoped_area(request, code)
    period = request_period(request)
    levels = _rank_levels(area)
    if not levels:
        raise Http404(_("Rankings exist for districts and townships."))
    weights = ScoreWeights.in_use()
    context = {
        "area": area,
        "period": period,
        "period_kinds": PERIOD_KINDS,
        "period_query": period.query(),
        "crumbs": breadcrumbs(request, area),
        "weights": weights,
        "parts": [
            (
                part,
                DEFINITIONS[key if key != "officer_coverage" else "grids_with_officer"],
            )
            for part, key in SCORE_PARTS.items()
        ],
        "parts_keys": list(SCORE_PARTS.values()),
        "rankings": [
            (Area.Level(level).label, level, ranking(area, period, level))
            for level in levels
        ],
        "defs": DEFINITIONS,
    }
    return render(request, "dashboards/rankings.html", context)


def export(request: HttpRequest, code: str, table: str, fmt: str) -> HttpResponse:
    area = scoped_area(request, code)
    if table not in tables.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404()
    period = request_period(request)
    header, rows = tables.build(table, area, period)
    filename = f"{table}-{area.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    return table_response(fmt, filename, header, rows)


def report(request: HttpRequest, code: str) -> HttpResponse:
    """The printable monthly report of an area (``?month=2026-11``)."""
    area = scoped_area(request, code)
    today = timezone.localdate()
    month = request.GET.get("month") or f"{today:%Y-%m}"
    try:
        start = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        messages.error(request, _("The month must look like 2026-01."))
        start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    period = Period("custom", start, min(end, max(today, start)))
    dash = Dashboard(area, period)
    totals = dash.totals()
    context = {
        "area": area,
        "period": period,
        "month": f"{start:%Y-%m}",
        "cards": [_card(dash, totals, k) for k in CARD_KEYS + APART_KEYS],
        "children": dash.children(),
        "categories": dash.by_category(),
        "risks": dash.by_risk(),
        "durations": dash.durations(),
        "coverage": dash.coverage(),
        "forces": forces(request.user, area, period.start, period.end),
        "defs": DEFINITIONS,
        "generated_at": timezone.localtime(),
    }
    return render(request, "dashboards/report.html", context)
