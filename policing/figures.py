"""Field-work figures for the dashboards, each scoped by ``user``.

The dashboards call these and draw them; nothing here renders.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Activity, Hazard
from .worktime import TARGET_SHARE, officer_time_shares

if TYPE_CHECKING:
    from core.models import User


def activities_per_grid_month(user: User, start: dt.date, end: dt.date) -> list[dict]:
    """Activity counts per grid, month and kind between ``start`` and ``end``
    (inclusive): rows of grid_id, grid_code, grid_name, month (first day),
    kind, count. One query."""
    return list(
        Activity.objects.visible_to(user)
        .filter(work_date__gte=start, work_date__lte=end)
        .annotate(month=TruncMonth("work_date"))
        .values("grid_id", "grid__code", "grid__name", "month", "kind")
        .annotate(count=Count("pk"))
        .order_by("grid__code", "month", "kind")
        .values("grid_id", "grid__code", "grid__name", "month", "kind", "count")
    )


def activities_by_kind(user: User, start: dt.date, end: dt.date) -> dict[str, int]:
    """Activity counts per kind over the period, every kind present."""
    counts = dict.fromkeys(Activity.Kind.values, 0)
    rows = (
        Activity.objects.visible_to(user)
        .filter(work_date__gte=start, work_date__lte=end)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["kind"]] = row["n"]
    return counts


def hazard_counts(user: User, now: dt.datetime | None = None) -> dict[str, int]:
    """Hazards open (not verified), awaiting rectification past the deadline,
    and awaiting verification. One query."""
    now = now or timezone.now()
    return Hazard.objects.visible_to(user).aggregate(
        open=Count("pk", filter=~Q(status=Hazard.Status.VERIFIED)),
        overdue=Count("pk", filter=Q(status=Hazard.Status.OPEN, due_at__lt=now)),
        awaiting_verification=Count("pk", filter=Q(status=Hazard.Status.RECTIFIED)),
    )


def hazards_per_grid(user: User, now: dt.datetime | None = None) -> list[dict]:
    """Open and overdue hazards per grid (grids with any open hazard)."""
    now = now or timezone.now()
    return list(
        Hazard.objects.visible_to(user)
        .open()
        .values("grid_id", "grid__code", "grid__name")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(status=Hazard.Status.OPEN, due_at__lt=now)),
        )
        .order_by("-overdue", "-open", "grid__code")
    )


def officer_time_summary(user: User, month: dt.date) -> dict:
    """Officers counted, how many fall below the 50% time-in-grid target, how
    many logged nothing, and the share over all their hours together."""
    rows = officer_time_shares(user, month)
    total = sum(r.total_hours for r in rows)
    in_grid = sum(r.in_grid_hours for r in rows)
    return {
        "officers": len(rows),
        "below_target": sum(1 for r in rows if r.below_target),
        "nothing_logged": sum(1 for r in rows if r.nothing_logged),
        "share": (in_grid / total) if total else None,
        "target": TARGET_SHARE,
    }
