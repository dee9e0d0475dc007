"""The summary tables agree with the cases, stay current as cases change, and
the dashboard's SQL never touches the disputes table."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.models import DirtyDay, DisputeDailyStat, ResolveDurationStat
from dashboards.rollup import rebuild, refresh
from dashboards.services import Dashboard, Period
from disputes.models import Dispute

from .conftest import NOW, TZ

NOV = Period("month", dt.date(2026, 11, 1), dt.date(2026, 11, 20))
S = Dispute.Stage


def raw_figures(area, start: dt.date, end: dt.date) -> dict:
    """The same counts straight from the disputes table (the reference)."""
    cases = Dispute.objects.filter(
        grid__path__startswith=area.path,
        created_at__gte=dt.datetime.combine(start, dt.time.min, TZ),
        created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, TZ),
    )
    accepted = cases.exclude(stage__in=[S.REJECTED, S.WITHDRAWN])
    resolved = accepted.filter(resolved_at__isnull=False)
    open_ = Q(stage__in=Dispute.OPEN_STAGES)
    everywhere = Dispute.objects.filter(grid__path__startswith=area.path)
    return {
        "collected": cases.count(),
        "rejected": cases.filter(stage=S.REJECTED).count(),
        "withdrawn": cases.filter(stage=S.WITHDRAWN).count(),
        "transferred": cases.filter(stage=S.TRANSFERRED).count(),
        "accepted": accepted.count(),
        "resolved": resolved.count(),
        **{
            f"resolved_{lvl}": resolved.filter(resolved_level=lvl).count()
            for lvl in ("grid", "village", "township", "district")
        },
        "reached_district": accepted.filter(reached_level="district").count(),
        "closed": cases.filter(stage=S.CLOSED).count(),
        "closed_on_time": cases.filter(stage=S.CLOSED, ever_overdue=False).count(),
        "open_ever_overdue": cases.filter(open_, ever_overdue=True).count(),
        "followed_up": accepted.filter(followed_up_at__isnull=False).count(),
        "satisfied": accepted.filter(satisfied=True).count(),
        "unsatisfied": accepted.filter(satisfied=False).count(),
        "open_now": everywhere.filter(open_).count(),
        "overdue_now": everywhere.filter(open_, due_at__lte=NOW).count(),
    }


def test_every_stage_and_level_is_in_the_dataset(dataset):
    stages = set(Dispute.objects.values_list("stage", flat=True))
    assert stages >= {
        S.GRID,
        S.VILLAGE_REVIEW,
        S.DISTRICT_ANALYSIS,
        S.FEEDBACK,
        S.FOLLOW_UP,
        S.CLOSED,
        S.REJECTED,
        S.TRANSFERRED,
        S.WITHDRAWN,
    }
    levels = set(Dispute.objects.values_list("resolved_level", flat=True))
    assert levels >= {"grid", "village", "township"}
    assert Dispute.objects.filter(reached_level="district").exists()


def test_summary_numbers_equal_the_raw_query(tree, dataset, make_case, personas):
    # A case in township coordination too, so that every working stage is there.
    with time_machine.travel(dt.datetime(2026, 11, 18, 9, tzinfo=TZ), tick=False):
        case = make_case()
        case.escalate(by=personas.grid_worker, reason="上报")
        case.escalate(by=personas.village, reason="上报")
    Dispute.objects.filter(pk=case.pk).update(due_at=NOW + dt.timedelta(hours=3))
    refresh(now=NOW)
    year = (dt.date(2026, 1, 1), dt.date(2026, 11, 20))
    for area in (
        tree.district,
        tree.township,
        tree.village,
        tree.grid,
        tree.other_grid,
    ):
        for start, end in ((NOV.start, NOV.end), year):
            summary = Dashboard(area, Period("custom", start, end)).totals()
            raw = raw_figures(area, start, end)
            assert {k: summary[k] for k in raw} == raw, (area.code, start)


def test_the_histogram_holds_every_resolved_case(tree, dataset):
    raw = Dispute.objects.exclude(stage__in=[S.REJECTED, S.WITHDRAWN]).filter(
        resolved_at__isnull=False
    )
    assert sum(ResolveDurationStat.objects.values_list("n", flat=True)) == raw.count()


def test_a_change_reaches_the_dashboard_at_the_next_refresh(tree, dataset, personas):
    c2 = dataset.cases["c2"]
    with time_machine.travel(NOW, tick=False):
        c2.follow_up(by=personas.grid_worker, satisfied=True)
    assert DirtyDay.objects.filter(grid_id_value=tree.grid.pk).exists()
    before = Dashboard(tree.district, NOV).totals()
    assert before["closed"] == 2  # not refreshed yet
    result = refresh(now=NOW)
    assert result["grid_days"] == 1
    after = Dashboard(tree.district, NOV).totals()
    assert after["closed"] == 3
    assert after["satisfaction_rate"] == 75.0
    assert not DirtyDay.objects.exists()


def test_a_full_rebuild_gives_the_same_rows(tree, dataset):
    def rows():
        return sorted(
            DisputeDailyStat.objects.values_list(
                "grid_id",
                "day",
                "category_id",
                "risk",
                "collected",
                "resolved",
                "closed",
            )
        )

    incremental = rows()
    rebuild(now=NOW)
    assert rows() == incremental


def test_refresh_task_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["refresh-dashboard-stats"]
    assert entry["task"] == "dashboards.tasks.refresh_stats_task"
    assert entry["schedule"] <= 60


def _dashboard_sql(client, user, area) -> list[str]:
    from django.core.cache import cache

    # Figures above the township are cached per refresh: these are the
    # statements that compute them.
    cache.clear()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dashboards:area", args=[area.code]))
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_dashboard_sql_does_not_grow_with_the_cases(
    client, tree, personas, dataset, make_case
):
    with time_machine.travel(NOW, tick=False):
        _dashboard_sql(client, personas.district, tree.district)  # warm caches
        first = _dashboard_sql(client, personas.district, tree.district)
        assert not [q for q in first if '"disputes_dispute"' in q]
        # Forty more cases on more days, categories and colours.
        from disputes.models import DisputeCategory

        categories = list(DisputeCategory.objects.all()[:4])
        for i in range(40):
            with time_machine.travel(
                dt.datetime(2026, 11, 1 + i % 19, 8, tzinfo=TZ), tick=False
            ):
                make_case(
                    category=categories[i % 4],
                    risk=["blue", "yellow", "orange", "red"][i % 4],
                    grid=[tree.grid, tree.sibling_grid][i % 2],
                    by=personas.district,
                )
        refresh(now=NOW)
        second = _dashboard_sql(client, personas.district, tree.district)

    def shape(q: str) -> str:
        return re.sub(r"IN \(N(, N)*\)", "IN (...)", re.sub(r"\d+", "N", q))

    # the same statements, only the values in IN lists differ
    assert sorted(map(shape, second)) == sorted(map(shape, first))
    assert not [q for q in second if '"disputes_dispute"' in q]
    # The rows read are summary rows: at most one per grid, day, category and
    # colour in the period, however many cases each holds.
    assert DisputeDailyStat.objects.count() <= 3 * 20 * 4 * 4
    assert (
        Dispute.objects.count()
        > DisputeDailyStat.objects.filter(day__gte=NOV.start).count()
    )


def test_the_query_plan_reads_summary_rows_only(tree, dataset):
    """EXPLAIN of the district's children figures: the plan reads the summary
    table (by its path index where the planner finds it worth it), never the
    cases."""
    dash = Dashboard(tree.district, NOV)
    qs = dash.stats().values("risk").annotate(n=Sum("collected"))
    sql, params = qs.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall()).lower()
    assert "dashboards_disputedailystat" in plan
    assert "disputes_dispute " not in plan and "disputes_dispute)" not in plan


def _summary_sql(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "dashboards_disputedailystat" in q["sql"]
        or "dashboards_opensnapshot" in q["sql"]
        or "dashboards_resolvedurationstat" in q["sql"]
    ]


def test_figures_above_the_township_are_cached_until_the_next_refresh(
    tree, dataset, personas
):
    def read(area) -> dict:  # type: ignore[no-untyped-def]
        dash = Dashboard(area, NOV)
        return {
            "totals": dash.totals(),
            "children": dash.children(),
            "monthly": dash.monthly(),
            "categories": dash.by_category(),
            "risks": dash.by_risk(),
            "durations": dash.durations(),
            "grids": dash.grids(),
        }

    first = read(tree.district)
    with CaptureQueriesContext(connection) as queries:
        assert read(tree.district) == first
    assert _summary_sql(queries) == []
    # a township's figures are read from the summary tables every time
    read(tree.township)
    with CaptureQueriesContext(connection) as queries:
        read(tree.township)
    assert _summary_sql(queries)

    c2 = dataset.cases["c2"]
    with time_machine.travel(NOW, tick=False):
        c2.follow_up(by=personas.grid_worker, satisfied=True)
        assert read(tree.district) == first  # the tables have not changed yet
        refresh(now=NOW)
        with CaptureQueriesContext(connection) as queries:
            after = read(tree.district)
    assert _summary_sql(queries)
    assert after["totals"]["closed"] == first["totals"]["closed"] + 1
    assert after["totals"]["satisfaction_rate"] == 75.0


def test_every_refresh_and_rebuild_starts_a_new_generation(dataset):
    from dashboards.models import RollupState

    start = RollupState.current_generation()
    refresh(now=NOW)
    rebuild(now=NOW)
    assert RollupState.current_generation() == start + 2


def test_a_rebuild_gives_the_planner_fresh_statistics(dataset):
    with CaptureQueriesContext(connection) as queries:
        rebuild(now=NOW)
    analyzed = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")
    ]
    if connection.vendor == "postgresql":
        assert len(analyzed) == 1
        for table in (
            "dashboards_disputedailystat",
            "dashboards_resolvedurationstat",
            "dashboards_opensnapshot",
        ):
            assert table in analyzed[0]
    else:
        assert analyzed == []  # SQLite plans without statistics tables
    # a refresh of a few grid-days leaves it to autovacuum
    with CaptureQueriesContext(connection) as queries:
        refresh(now=NOW)
    assert not [q for q in queries.captured_queries if "ANALYZE" in q["sql"]]


def test_summary_rows_are_derived_data_and_not_audited(dataset):
    from audit.models import AuditRecord

    refresh(now=NOW)
    rebuild(now=NOW)
    written = set(
        AuditRecord.objects.filter(model__startswith="dashboards.").values_list(
            "model", flat=True
        )
    )
    assert written <= {"dashboards.rollupstate"}
