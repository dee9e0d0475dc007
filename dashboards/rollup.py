"""Keeping the summary tables current.

How: every dispute event (each transition, the intake, the overdue sweep)
writes a :class:`~dashboards.models.DirtyDay` marker for the case's (grid, day
of collection) in the same transaction (``dashboards.signals``). The beat task
``dashboards.tasks.refresh_stats_task`` runs every 30 seconds: it takes the
markers, recomputes the daily rows and the duration histogram of exactly those
(grid, day) pairs with one GROUP BY over the cases collected that day in those
grids, replaces them, deletes the markers it consumed, and rebuilds the small
"open now" snapshot from the open cases only. The dashboards are therefore at
most one beat interval plus one run behind the cases (about 30-40 seconds).

A nightly full rebuild (``rebuild_stats_task``, also the ``rebuild_stats``
command) catches what bypasses the events, such as an edit in the admin.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from disputes.models import Dispute
from grids.models import Area

from .models import (
    DURATION_EDGES_HOURS,
    DirtyDay,
    DisputeDailyStat,
    OpenSnapshot,
    ResolveDurationStat,
    RollupState,
)

logger = logging.getLogger(__name__)

S = Dispute.Stage
L = Dispute.Level
ACCEPTED = ~Q(stage__in=[S.REJECTED, S.WITHDRAWN])
RESOLVED = ACCEPTED & Q(resolved_at__isnull=False)
OPEN = Q(stage__in=Dispute.OPEN_STAGES)

# Each counter of DisputeDailyStat and the cases it counts. The definitions
# the dashboards show (dashboards.definitions) describe these filters.
COUNTERS: dict[str, Q | None] = {
    "collected": None,
    "rejected": Q(stage=S.REJECTED),
    "withdrawn": Q(stage=S.WITHDRAWN),
    "transferred": Q(stage=S.TRANSFERRED),
    "open": OPEN,
    "resolved": RESOLVED,
    "resolved_grid": RESOLVED & Q(resolved_level=L.GRID),
    "resolved_village": RESOLVED & Q(resolved_level=L.VILLAGE),
    "resolved_township": RESOLVED & Q(resolved_level=L.TOWNSHIP),
    "resolved_district": RESOLVED & Q(resolved_level=L.DISTRICT),
    "reached_district": ACCEPTED & Q(reached_level=L.DISTRICT),
    "closed": Q(stage=S.CLOSED),
    "closed_on_time": Q(stage=S.CLOSED, ever_overdue=False),
    "open_ever_overdue": OPEN & Q(ever_overdue=True),
    "follow_up_due": ACCEPTED
    & (Q(resolved_at__isnull=False) | Q(followed_up_at__isnull=False)),
    "followed_up": ACCEPTED & Q(followed_up_at__isnull=False),
    "satisfied": ACCEPTED & Q(satisfied=True),
    "unsatisfied": ACCEPTED & Q(satisfied=False),
}


def _counts() -> dict[str, Count]:
    # Prefixed: some counters share a name with a Dispute field ("satisfied").
    return {
        f"n_{name}": Count("id", filter=q) if q is not None else Count("id")
        for name, q in COUNTERS.items()
    }


def _unprefix(row: dict) -> dict:
    return {k[2:] if k.startswith("n_") else k: v for k, v in row.items()}


def duration_bucket() -> Case:
    """The histogram bucket of a resolved case's time to resolve, in SQL."""
    whens = [
        When(
            resolved_at__lt=F("created_at") + dt.timedelta(hours=edge),
            then=Value(i),
        )
        for i, edge in enumerate(DURATION_EDGES_HOURS)
    ]
    return Case(
        *whens, default=Value(len(DURATION_EDGES_HOURS)), output_field=IntegerField()
    )


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tz)


def _keys_filter(
    keys: Iterable[tuple[int, dt.date]],
) -> tuple[Q, Q]:
    """A filter on disputes and one on the stat rows for these (grid, day)."""
    by_day: dict[dt.date, set[int]] = defaultdict(set)
    for grid_id, day in keys:
        by_day[day].add(grid_id)
    cases, rows = Q(pk__in=[]), Q(pk__in=[])
    for day, grids in by_day.items():
        start, end = _day_bounds(day)
        cases |= Q(grid_id__in=grids, created_at__gte=start, created_at__lt=end)
        rows |= Q(grid_id__in=grids, day=day)
    return cases, rows


def _recompute(cases: QuerySet, rows: Q | None) -> int:
    """Replace the stat rows matching ``rows`` by fresh aggregates of
    ``cases``; two GROUP BY queries, whatever the number of keys."""
    daily = [
        _unprefix(r)
        for r in cases.annotate(day=TruncDate("created_at"))
        .values("grid_id", "day", "category_id", "risk")
        .annotate(**_counts())
        .order_by()
    ]
    durations = list(
        cases.filter(RESOLVED)
        .annotate(day=TruncDate("created_at"), bucket=duration_bucket())
        .values("grid_id", "day", "resolved_level", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    grid_ids = {r["grid_id"] for r in daily} | {r["grid_id"] for r in durations}
    paths = dict(Area.objects.filter(pk__in=grid_ids).values_list("pk", "path"))
    with transaction.atomic():
        if rows is None:
            DisputeDailyStat.objects.all().delete()
            ResolveDurationStat.objects.all().delete()
        else:
            DisputeDailyStat.objects.filter(rows).delete()
            ResolveDurationStat.objects.filter(rows).delete()
        DisputeDailyStat.objects.bulk_create(
            [DisputeDailyStat(grid_path=paths[r["grid_id"]], **r) for r in daily],
            batch_size=1000,
        )
        ResolveDurationStat.objects.bulk_create(
            [
                ResolveDurationStat(
                    grid_id=r["grid_id"],
                    grid_path=paths[r["grid_id"]],
                    day=r["day"],
                    level=r["resolved_level"],
                    bucket=r["bucket"],
                    n=r["n"],
                )
                for r in durations
            ],
            batch_size=1000,
        )
    return len(daily)


def rebuild_open_snapshot(now: dt.datetime | None = None) -> int:
    """What is open and overdue now, per grid and colour (open cases only)."""
    now = now or timezone.now()
    rows = list(
        Dispute.objects.filter(OPEN)
        .values("grid_id", "grid__path", "risk")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_at__isnull=False, due_at__lte=now)),
        )
        .order_by()
    )
    with transaction.atomic():
        OpenSnapshot.objects.all().delete()
        OpenSnapshot.objects.bulk_create(
            [
                OpenSnapshot(
                    grid_id=r["grid_id"],
                    grid_path=r["grid__path"],
                    risk=r["risk"],
                    open=r["open"],
                    overdue=r["overdue"],
                )
                for r in rows
            ],
            batch_size=1000,
        )
    return len(rows)


def mark_dirty(grid_id: int, created_at: dt.datetime) -> None:
    DirtyDay.objects.create(grid_id_value=grid_id, day=timezone.localdate(created_at))


def mark_dirty_many(cases: Iterable[tuple[int, dt.datetime]]) -> None:
    """``mark_dirty`` for many (grid id, created at) pairs: one row per
    distinct (grid, day), one insert and one audit record."""
    from audit.log import audited_bulk_create

    # localdate() looks the current time zone up on every call: once here.
    tz = timezone.get_current_timezone()
    keys = {
        (grid_id, created_at.astimezone(tz).date()) for grid_id, created_at in cases
    }
    audited_bulk_create(
        DirtyDay,
        [DirtyDay(grid_id_value=g, day=d) for g, d in sorted(keys)],
    )


BATCH = 2000


SUMMARY_MODELS = (DisputeDailyStat, ResolveDurationStat, OpenSnapshot)


def analyze_summary_tables() -> None:
    """Fresh planner statistics after the tables were rewritten wholesale.

    Without them PostgreSQL plans the province's figures for a handful of
    rows, reads 160,000 and sorts them on disk (docs/benchmarks.md, finding
    10); autovacuum would catch up only later. SQLite needs nothing."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in SUMMARY_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def refresh(now: dt.datetime | None = None) -> dict[str, int]:
    """Bring the summary tables up to date: recompute every (grid, day) that
    has a marker, then the open-now snapshot. Safe to run concurrently (the
    state row serialises runs) and after a crash (markers are deleted only
    with the rows that replaced them)."""
    recomputed = 0
    with transaction.atomic():
        # The locked row, not the one read before the lock: its generation
        # is the one the previous run wrote.
        state = RollupState.objects.select_for_update().get(pk=RollupState.current().pk)
        while True:
            batch = list(
                DirtyDay.objects.order_by("pk").values_list(
                    "pk", "grid_id_value", "day"
                )[:BATCH]
            )
            if not batch:
                break
            keys = {(g, d) for _pk, g, d in batch}
            cases_q, rows_q = _keys_filter(keys)
            _recompute(Dispute.objects.filter(cases_q), rows_q)
            DirtyDay.objects.filter(pk__in=[pk for pk, _g, _d in batch]).delete()
            recomputed += len(keys)
        snapshot = rebuild_open_snapshot(now)
        state.touch()
    if recomputed >= BATCH:
        analyze_summary_tables()
    logger.info(
        "dashboards: recomputed %s grid-days, %s open rows", recomputed, snapshot
    )
    return {"grid_days": recomputed, "open_rows": snapshot}


def rebuild(now: dt.datetime | None = None) -> dict[str, int]:
    """Recompute every summary row from the cases (nightly, and on demand)."""
    with transaction.atomic():
        # The locked row, not the one read before the lock: its generation
        # is the one the previous run wrote.
        state = RollupState.objects.select_for_update().get(pk=RollupState.current().pk)
        DirtyDay.objects.all().delete()
        rows = _recompute(Dispute.objects.all(), None)
        snapshot = rebuild_open_snapshot(now)
        state.touch(rebuilt=True)
    analyze_summary_tables()
    logger.info("dashboards: rebuilt %s daily rows", rows)
    return {"daily_rows": rows, "open_rows": snapshot}
