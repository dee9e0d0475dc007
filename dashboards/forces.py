"""The forces' figures for a dashboard area: coverage (policing.coverage),
officers' time in grid and field work (policing.figures).

Those functions are scoped by a viewer; a dashboard shows one area of the
viewer's subtree, so they are called with :class:`AreaViewer`, a viewer
narrowed to that area (never wider than the real user: the area was found
through ``Area.objects.visible_to(user)``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from core.scope import in_scope
from grids.models import Area


class AreaViewer:
    """The user, seeing only ``area``'s subtree."""

    is_authenticated = True
    is_superuser = False

    def __init__(self, user: Any, area: Area) -> None:
        if not in_scope(user, area):
            raise ValueError("the area must lie in the user's scope")
        self.pk = self.id = user.pk
        self.role = user.role
        self.area = area
        self.area_id = area.pk
        self._scope_path = area.path


# Above the township the forces' figures cover thousands of grids (a province:
# 7,500) and take seconds to compute; they are kept this many seconds, like the
# case figures, which change only with the refresh task. The figures depend on
# the area alone: the viewer is narrowed to it.
FORCES_CACHE_SECONDS = 60


def forces(user: Any, area: Area, start: dt.date, end: dt.date) -> dict:
    """Coverage rules, officers' time in grid (the month of ``end``), field
    work by kind over the period and hazards, for the area."""
    from .services import CACHED_LEVELS

    AreaViewer(user, area)  # refuses an area outside the user's scope
    if area.level not in CACHED_LEVELS:
        return _forces(user, area, start, end)
    key = f"dashboards:forces:{area.pk}:{start}:{end}:{timezone.localdate()}"
    value = cache.get(key)
    if value is None:
        value = _forces(user, area, start, end)
        cache.set(key, value, FORCES_CACHE_SECONDS)
    return value


def _forces(user: Any, area: Area, start: dt.date, end: dt.date) -> dict:
    from policing.coverage import coverage_summary
    from policing.figures import activities_by_kind, hazard_counts, officer_time_summary
    from policing.models import Activity

    viewer = AreaViewer(user, area)
    summary = coverage_summary(viewer, on=min(end, timezone.localdate()))
    rules = [
        {
            "key": r.key,
            "label": r.label,
            "total": r.total,
            "met": r.met,
            "rate": None if r.rate is None else round(100 * r.rate, 1),
            "gaps": len(r.gaps),
        }
        for r in summary["rules"].values()
    ]
    time = officer_time_summary(viewer, end.replace(day=1))
    kinds = activities_by_kind(viewer, start, end)
    return {
        "rules": rules,
        "time": {
            **time,
            "share": None if time["share"] is None else round(100 * time["share"], 1),
            "target": round(100 * time["target"]),
        },
        "activities": [
            {"kind": k, "label": Activity.Kind(k).label, "count": n}
            for k, n in kinds.items()
        ],
        "hazards": hazard_counts(viewer),
    }
