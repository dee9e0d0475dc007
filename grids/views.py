"""The tree browser: drill down from the viewer's scope area to each grid."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core.exports import read_table, table_response
from core.scope import scope_path

from .models import Area
from .tables import GRID_COLUMNS, grid_rows, import_grids


def _scope_root(request: HttpRequest) -> Area:
    path = scope_path(request.user)
    if path is None:
        raise Http404
    if path == "":
        root = Area.objects.filter(depth=1).order_by("path").first()
    else:
        root = request.user.area
    if root is None:
        raise Http404
    return root


def _visible_area(request: HttpRequest, code: str) -> Area:
    return get_object_or_404(Area.objects.visible_to(request.user), code=code)


def _breadcrumbs(request: HttpRequest, area: Area) -> list[Area]:
    path = scope_path(request.user) or ""
    ancestors = Area.objects.filter(
        path__in=[
            area.path[:i] for i in range(Area.steplen, len(area.path), Area.steplen)
        ]
    ).order_by("path")
    return [a for a in ancestors if a.path.startswith(path)]


def _map_features(areas: list[Area], link: bool = True) -> list[dict]:
    features = []
    for a in areas:
        if not a.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": a.boundary,
                "properties": {
                    "code": a.code,
                    "name": a.short_name,
                    "url": (
                        reverse(
                            "grids:grid" if a.is_grid else "grids:area", args=[a.code]
                        )
                        if link
                        else ""
                    ),
                },
            }
        )
    return features


def _map_settings() -> dict:
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "maxZoom": settings.MAP_MAX_ZOOM,
    }


def tree(request: HttpRequest) -> HttpResponse:
    """The top of the viewer's scope: the district for district staff, their
    township or village otherwise; a grid-level account goes to its grid."""
    root = _scope_root(request)
    if root.is_grid:
        return redirect("grids:grid", code=root.code)
    return area_detail(request, root.code)


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = _visible_area(request, code)
    if area.is_grid:
        return redirect("grids:grid", code=area.code)
    from policing.models import Assignment

    on = timezone.localdate()
    children = list(
        Area.objects.filter(path__startswith=area.path, depth=area.depth + 1)
    )
    below = Area.objects.filter(path__startswith=area.path, level=Area.Level.GRID)
    grid_counts: dict[str, int] = defaultdict(int)
    covered_counts: dict[str, int] = defaultdict(int)
    step = (area.depth + 1) * Area.steplen
    covered = set(
        Assignment.objects.current(on)
        .filter(
            role=Assignment.Role.COMMUNITY_OFFICER,
            grid__path__startswith=area.path,
            person__active=True,
        )
        .values_list("grid_id", flat=True)
    )
    for grid_id, path in below.values_list("id", "path"):
        grid_counts[path[:step]] += 1
        if grid_id in covered:
            covered_counts[path[:step]] += 1
    officers: dict[int, list] = defaultdict(list)
    grids = [c for c in children if c.is_grid]
    if grids:
        for a in (
            Assignment.objects.current(on)
            .filter(grid__in=grids, role=Assignment.Role.COMMUNITY_OFFICER)
            .select_related("person")
            .order_by("-is_primary", "pk")
        ):
            officers[a.grid_id].append(a.person)
    rows = [
        {
            "area": c,
            "grids": grid_counts.get(c.path, 0),
            "covered": covered_counts.get(c.path, 0),
            "officers": officers.get(c.pk, []),
        }
        for c in children
    ]
    context = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "subareas": [
            r
            for r in rows
            if not r["area"].is_grid and r["area"].level not in ("group", "building")
        ],
        "grid_rows": [r for r in rows if r["area"].is_grid],
        "units": [r["area"] for r in rows if r["area"].level in ("group", "building")],
        "grid_total": sum(grid_counts.values()),
        "covered_total": sum(covered_counts.values()),
        "map_data": {
            "features": _map_features(
                [c for c in children if c.level not in ("group", "building")]
            ),
            "outline": area.boundary,
            **_map_settings(),
        },
    }
    return render(request, "grids/area.html", context)


def grid_detail(request: HttpRequest, code: str) -> HttpResponse:
    grid = _visible_area(request, code)
    if not grid.is_grid:
        return redirect("grids:area", code=grid.code)
    from policing.models import Assignment
    from policing.permissions import can_manage_forces

    on = timezone.localdate()
    on_duty = list(
        Assignment.objects.current(on)
        .filter(person__active=True)
        .filter(grid=grid)
        .select_related("person", "person__station")
        .order_by("role", "-is_primary", "pk")
    )
    zone_duty = []
    if grid.police_zone_id:
        zone_duty = list(
            Assignment.objects.current(on)
            .filter(person__active=True, zone_id=grid.police_zone_id)
            .select_related("person", "person__station")
            .order_by("role", "-is_primary", "pk")
        )
    # An officer posted to the grid and to its zone is listed once, with the
    # concurrent post the zone assignment may carry.
    seen = {(a.person_id, a.role): a for a in on_duty}
    for a in list(zone_duty):
        twin = seen.get((a.person_id, a.role))
        if twin is not None:
            if not twin.concurrent_post:
                twin.concurrent_post = a.concurrent_post
            zone_duty.remove(a)
    history = list(
        Assignment.objects.filter(grid=grid, end_date__lt=on)
        .select_related("person")
        .order_by("-end_date", "-pk")[:20]
    )
    village = Area.objects.filter(path=grid.path[: -Area.steplen]).first()
    context = {
        "grid": grid,
        "village": village,
        "breadcrumbs": _breadcrumbs(request, grid),
        "on_duty": on_duty,
        "zone_duty": zone_duty,
        "history": history,
        "covers": list(grid.covers.order_by("path")),
        "zone": grid.police_zone,
        "can_manage": can_manage_forces(request.user),
        "today": on,
        "map_data": {
            "features": _map_features([grid], link=False),
            "outline": village.boundary if village else None,
            **_map_settings(),
        },
    }
    return render(request, "grids/grid.html", context)


def grids_export(request: HttpRequest) -> HttpResponse:
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    qs = Area.objects.visible_to(request.user).grids()
    within = request.GET.get("within")
    if within:
        qs = qs.subtree(_visible_area(request, within))
    header = [label for _key, label in GRID_COLUMNS]
    stamp = dt.date.today().strftime("%Y%m%d")  # noqa: DTZ011 - a file name only
    return table_response(fmt, f"grids-{stamp}", header, grid_rows(qs))


def grids_import(request: HttpRequest) -> HttpResponse:
    from policing.permissions import can_manage_forces

    if not can_manage_forces(request.user):
        raise Http404
    result = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        try:
            header, rows = read_table(upload.name, upload.read())
        except Exception:  # an unreadable file is the uploader's error
            header, rows = [], []
        result = import_grids(request.user, header, rows)
    return render(
        request,
        "grids/import.html",
        {"result": result, "columns": GRID_COLUMNS},
    )
