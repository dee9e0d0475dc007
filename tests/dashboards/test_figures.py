"""Every figure on the known dataset (tests/dashboards/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards.services import Dashboard, Period, parse_period, percentile, ranking

NOV = Period("month", dt.date(2026, 11, 1), dt.date(2026, 11, 20))


def test_the_district_figures_of_the_month(tree, dataset):
    f = Dashboard(tree.district, NOV).totals()
    assert f["collected"] == 11
    assert (f["rejected"], f["withdrawn"], f["transferred"]) == (1, 1, 1)
    assert f["accepted"] == 9
    assert f["resolved"] == 5  # c1 c2 c3 c4 c11; c5 was reopened
    assert f["resolution_rate"] == 55.6
    assert (f["resolved_grid"], f["resolved_village"], f["resolved_township"]) == (
        3,
        1,
        1,
    )
    assert f["resolved_district"] == 0
    assert f["grid_share"] == 60.0
    assert f["village_share"] == 20.0
    assert f["local_share"] == 80.0
    assert f["district_share"] == 11.1  # c5 of 9 accepted
    # closed on time: c1; closed: c1 and c11 (late); open and overdue: c6
    assert f["on_time_rate"] == 33.3
    # visited: c1 c11 c5 of the six resolved at some time (c1 c2 c3 c4 c5 c11)
    assert f["follow_up_coverage"] == 50.0
    assert f["satisfaction_rate"] == 66.7
    assert f["open_now"] == 6  # c2 c3 c4 c5 c6 c10
    assert f["overdue_now"] == 1
    assert f["overdue_rate"] == 16.7


def test_a_village_sees_only_its_own_cases(tree, dataset):
    f = Dashboard(tree.village, NOV).totals()
    assert f["collected"] == 10
    assert f["resolved"] == 4
    assert f["on_time_rate"] == 50.0  # c1 on time; c6 open overdue
    other = Dashboard(tree.other_village, NOV).totals()
    assert other["collected"] == 1
    assert other["on_time_rate"] == 0.0
    assert other["open_now"] == 0
    assert other["resolution_rate"] == 100.0


def test_children_drill_down_by_level(tree, dataset):
    rows = {r["area"].code: r for r in Dashboard(tree.district, NOV).children()}
    assert set(rows) == {tree.township.code, tree.other_township.code}
    assert rows[tree.township.code]["collected"] == 10
    assert rows[tree.other_township.code]["collected"] == 1
    villages = {r["area"].code: r for r in Dashboard(tree.township, NOV).children()}
    assert villages[tree.village.code]["collected"] == 10
    assert villages[tree.sibling_village.code]["collected"] == 0
    assert villages[tree.sibling_village.code]["resolution_rate"] is None
    grids = {r["area"].code: r for r in Dashboard(tree.village, NOV).children()}
    assert grids[tree.grid.code]["collected"] == 8
    assert grids[tree.sibling_grid.code]["collected"] == 2
    assert grids[tree.grid.code]["overdue_now"] == 1
    assert Dashboard(tree.grid, NOV).children() == []


def test_by_category_and_by_risk(tree, dataset):
    dash = Dashboard(tree.district, NOV)
    cats = {c["name"]: c for c in dash.by_category()}
    assert cats["土地宅基地纠纷"]["collected"] == 2
    assert cats["土地宅基地纠纷"]["resolved"] == 1
    assert cats["邻里纠纷"]["collected"] == 9
    risks = {r["risk"]: r for r in dash.by_risk()}
    assert [r["risk"] for r in dash.by_risk()] == ["red", "orange", "yellow", "blue"]
    assert risks["red"]["collected"] == 1
    assert risks["orange"]["collected"] == 2
    assert risks["orange"]["overdue_now"] == 1
    assert risks["yellow"]["resolved"] == 1
    assert risks["blue"]["collected"] == 7


def test_month_by_month(tree, dataset):
    year = Period("year", dt.date(2026, 1, 1), dt.date(2026, 11, 20))
    months = {m["month"]: m for m in Dashboard(tree.district, year).monthly()}
    assert list(months) == ["2026-10", "2026-11"]
    assert months["2026-10"]["collected"] == 1
    assert months["2026-10"]["resolution_rate"] == 100.0
    assert months["2026-11"]["collected"] == 11


def test_time_to_resolve_by_level(tree, dataset):
    d = {r["level"]: r for r in Dashboard(tree.district, NOV).durations()}
    # grid: 2 h, 5 h and 26 h; the median is in the 4-8 h bucket
    assert d["grid"]["n"] == 3
    assert d["grid"]["median"] == {"hours": 8, "open_ended": False}
    assert d["grid"]["p90"] == {"hours": 36, "open_ended": False}
    assert d["village"]["median"]["hours"] == 36  # 30 h
    assert d["township"]["median"]["hours"] == 120  # 100 h
    assert d["township"]["median_text"].startswith("≤ ")
    assert d["district"]["n"] == 0
    assert d["district"]["median"] is None


def test_percentile_is_nearest_rank_on_buckets():
    assert percentile({}, 0.5) is None
    assert percentile({0: 1, 5: 1}, 0.5) == {"hours": 1, "open_ended": False}
    assert percentile({0: 1, 5: 1}, 0.9) == {"hours": 24, "open_ended": False}
    assert percentile({19: 2}, 0.5) == {"hours": 2160, "open_ended": True}


def test_a_custom_period_and_bad_input():
    today = dt.date(2026, 11, 20)
    assert parse_period({}, today) == NOV
    assert parse_period({"period": "year"}, today).start == dt.date(2026, 1, 1)
    p = parse_period({"from": "2026-10-01", "to": "2026-10-31"}, today)
    assert (p.kind, p.start, p.end) == (
        "custom",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )
    from core.exceptions import DomainError

    for bad in (
        {"from": "yesterday"},
        {"from": "2026-11-02", "to": "2026-11-01"},
        {"period": "decade"},
        {"from": "1990-01-01", "to": "2026-01-01"},
    ):
        with pytest.raises(DomainError):
            parse_period(bad, today)


def test_rankings_weigh_the_parts(tree, dataset, frozen):
    from dashboards.models import ScoreWeights

    ScoreWeights.objects.create(
        name="只看化解率",
        resolution_rate=1,
        on_time_rate=0,
        grid_share=0,
        village_share=0,
        satisfaction_rate=0,
        officer_coverage=0,
    )
    rows = ranking(tree.district, NOV, "township")
    assert [r["area"].code for r in rows] == [
        tree.other_township.code,  # 1 of 1 resolved
        tree.township.code,  # 4 of 8 accepted
    ]
    assert [r["score"] for r in rows] == [100.0, 50.0]
    assert rows[0]["rank"] == 1
    villages = ranking(tree.district, NOV, "village")
    assert len(villages) == 3
    assert villages[-1]["score"] is None  # V2: nothing to rate
    assert villages[-1]["rank"] is None


def _counters(figures: dict) -> dict:
    from dashboards.services import COUNTER_NAMES

    return {k: figures[k] for k in [*COUNTER_NAMES, "open_now", "overdue_now"]}


def _sum(rows: list[dict]) -> dict:
    total: dict = {}
    for row in rows:
        for key, value in row.items():
            total[key] = total.get(key, 0) + value
    return total


@pytest.mark.parametrize(
    "period",
    [NOV, Period("custom", dt.date(2026, 10, 1), dt.date(2026, 11, 20))],
    ids=["one month", "two months"],
)
def test_upper_level_figures_are_the_sum_of_their_grids(tree, dataset, period):
    from grids.models import Area

    grids = list(Area.objects.filter(path__startswith=tree.district.path, level="grid"))
    per_grid = {g.path: Dashboard(g, period) for g in grids}
    dash = Dashboard(tree.district, period)

    summed = _sum([_counters(d.totals()) for d in per_grid.values()])
    assert summed["collected"] >= 11 and summed["open_now"] == 6
    assert _counters(dash.totals()) == summed
    for row in dash.children():
        inside = [
            d for path, d in per_grid.items() if path.startswith(row["area"].path)
        ]
        assert _counters(row) == _sum([_counters(d.totals()) for d in inside])
    for risk in dash.by_risk():
        assert _counters(risk) == _sum(
            [
                _counters(r)
                for d in per_grid.values()
                for r in d.by_risk()
                if r["risk"] == risk["risk"]
            ]
        )
    by_category = {r["code"]: r["collected"] for r in dash.by_category()}
    assert sum(by_category.values()) == summed["collected"]
    for code, collected in by_category.items():
        assert collected == sum(
            r["collected"]
            for d in per_grid.values()
            for r in d.by_category()
            if r["code"] == code
        )
    months = {m["month"]: m["collected"] for m in dash.monthly()}
    assert months == {
        month: sum(
            m["collected"]
            for d in per_grid.values()
            for m in d.monthly()
            if m["month"] == month
        )
        for month in {m["month"] for d in per_grid.values() for m in d.monthly()}
    }
    assert {
        g["code"]: (g["collected"], g["open"], g["overdue"]) for g in dash.grids()
    } == {
        g.code: (
            per_grid[g.path].totals()["collected"],
            per_grid[g.path].totals()["open_now"],
            per_grid[g.path].totals()["overdue_now"],
        )
        for g in grids
    }
    durations = {d["level"]: d["n"] for d in dash.durations()}
    assert durations == _sum(
        [{d["level"]: d["n"] for d in g.durations()} for g in per_grid.values()]
    )
