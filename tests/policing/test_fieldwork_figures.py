"""Figures for the dashboards, scoped by the viewer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from policing import figures
from policing.models import Activity, Hazard
from tests.policing.fieldwork_data import activity, entry, person, post


def _hazard(grid, due_in_days: int, status=Hazard.Status.OPEN):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Hazard.objects.create(
        grid=grid,
        kind=Hazard.Kind.FIRE,
        description="x",
        responsible_party="y",
        status=status,
        reported_at=now - dt.timedelta(days=30),
        due_at=now + dt.timedelta(days=due_in_days),
    )


def test_activities_per_grid_and_month_by_kind(tree, personas):
    p = person("周警官", tree.township)
    activity(tree.grid, dt.date(2026, 2, 3), 9, 1, [p])
    activity(tree.grid, dt.date(2026, 2, 9), 9, 1, [p])
    activity(tree.grid, dt.date(2026, 3, 3), 9, 1, [p], kind=Activity.Kind.MEDIATION)
    activity(tree.other_grid, dt.date(2026, 3, 3), 9, 1, [p])
    rows = figures.activities_per_grid_month(
        personas.township, dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert [(r["grid_id"], r["month"], r["kind"], r["count"]) for r in rows] == [
        (tree.grid.pk, dt.date(2026, 2, 1), "patrol", 2),
        (tree.grid.pk, dt.date(2026, 3, 1), "mediation", 1),
    ]
    kinds = figures.activities_by_kind(
        personas.district, dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert kinds["patrol"] == 3 and kinds["sharp_eyes"] == 0


def test_hazards_open_and_overdue(tree, personas):
    _hazard(tree.grid, -2)
    _hazard(tree.grid, 5)
    _hazard(tree.grid, -2, status=Hazard.Status.RECTIFIED)
    _hazard(tree.grid, -9, status=Hazard.Status.VERIFIED)
    _hazard(tree.other_grid, -2)
    assert figures.hazard_counts(personas.village) == {
        "open": 3,
        "overdue": 1,
        "awaiting_verification": 1,
    }
    per_grid = figures.hazards_per_grid(personas.district)
    assert [(r["grid_id"], r["open"], r["overdue"]) for r in per_grid] == [
        (tree.grid.pk, 3, 1),
        (tree.other_grid.pk, 1, 1),
    ]
    assert figures.hazard_counts(personas.outsider)["open"] == 1


def test_officer_time_summary(tree, personas):
    a = person("甲", tree.township)
    b = person("乙", tree.township)
    post(a, tree.grid, dt.date(2026, 1, 1))
    post(b, tree.grid, dt.date(2026, 1, 1))
    activity(tree.grid, dt.date(2026, 3, 3), 9, 6, [a])
    entry(a, dt.date(2026, 3, 4), "2")
    entry(b, dt.date(2026, 3, 4), "8")
    summary = figures.officer_time_summary(personas.township, dt.date(2026, 3, 1))
    assert summary["officers"] == 2
    assert summary["below_target"] == 1
    assert summary["nothing_logged"] == 0
    assert summary["share"] == 6 / 16
    assert summary["target"] == 0.5
