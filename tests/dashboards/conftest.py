"""A small dataset with a known answer for every figure.

"Now" is 2026-11-20 10:00 Beijing time; the period "this month" is
2026-11-01..2026-11-20. Cases (G1 is in V1 in T1, G3 in V3 in T2):

| case | grid | risk   | category | story                                               |
|------|------|--------|----------|-----------------------------------------------------|
| c1   | G1   | blue   | neigh.   | resolved in the grid after 2 h, visited, satisfied (closed on time) |
| c2   | G1   | blue   | land     | resolved in the grid after 5 h, awaiting the visit  |
| c3   | G1   | yellow | neigh.   | escalated, resolved by the village after 30 h (feedback) |
| c4   | G2   | blue   | neigh.   | up to the township, resolved there after 100 h      |
| c5   | G1   | orange | land     | up to the district, resolved after 200 h, visit unsatisfied: reopened |
| c6   | G1   | orange | neigh.   | open in the grid, overdue                           |
| c7   | G1   | blue   | neigh.   | rejected                                            |
| c8   | G1   | blue   | neigh.   | withdrawn                                           |
| c9   | G2   | blue   | neigh.   | transferred to a court                              |
| c10  | G1   | red    | neigh.   | open in village review                              |
| c11  | G3   | blue   | neigh.   | went overdue in the grid, resolved after 26 h, closed (late) |
| c12  | G1   | blue   | neigh.   | October: resolved after 3 h, closed                 |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dashboards.rollup import refresh
from disputes.models import Dispute, DisputeCategory, DisputeEvent
from tests.disputes.conftest import category, make_case  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


@dataclass
class Dataset:
    cases: dict[str, Dispute]
    now: dt.datetime


def mark_overdue(case: Dispute, when: dt.datetime) -> None:
    """What the overdue sweep does to a case (without the notifications)."""
    Dispute.objects.filter(pk=case.pk).update(
        overdue_at=when, overdue_handled_at=when, ever_overdue=True
    )
    case.refresh_from_db()
    DisputeEvent.objects.create(
        dispute=case,
        action=DisputeEvent.Action.OVERDUE,
        from_stage=case.stage,
        to_stage=case.stage,
        created_at=when,
    )


@pytest.fixture
def dataset(tree, personas, make_case) -> Dataset:  # noqa: F811
    land = DisputeCategory.objects.get(code="land")
    p = personas
    cases: dict[str, Dispute] = {}

    def new(name: str, when: dt.datetime, **kw) -> Dispute:  # type: ignore[no-untyped-def]
        with time_machine.travel(when, tick=False):
            cases[name] = make_case(**kw)
        return cases[name]

    def do(when: dt.datetime, fn, **kw) -> None:  # type: ignore[no-untyped-def]
        with time_machine.travel(when, tick=False):
            fn(**kw)

    resolve = {"outcome": "调解成功", "method": "peoples_mediation"}
    up = {"reason": "需上级协调"}

    c1 = new("c1", at(2))
    do(at(2, 11), c1.resolve, by=p.grid_worker, **resolve)
    do(at(3), c1.follow_up, by=p.grid_worker, satisfied=True)

    c2 = new("c2", at(3), category=land)
    do(at(3, 14), c2.resolve, by=p.grid_worker, **resolve)

    c3 = new("c3", at(4), risk="yellow")
    do(at(4, 10), c3.escalate, by=p.grid_worker, **up)
    do(at(5, 15), c3.resolve, by=p.village, **resolve)

    c4 = new("c4", at(5), grid=tree.sibling_grid, by=p.district)
    do(at(5, 10), c4.escalate, by=p.district, **up)
    do(at(5, 11), c4.escalate, by=p.village, **up)
    do(at(9, 13), c4.resolve, by=p.township, **resolve)

    c5 = new("c5", at(6), category=land, risk="orange")
    do(at(6, 10), c5.escalate, by=p.grid_worker, **up)
    do(at(6, 11), c5.escalate, by=p.village, **up)
    do(at(6, 12), c5.escalate, by=p.township, **up)
    do(at(14, 17), c5.resolve, by=p.district, **resolve)
    do(at(15), c5.acknowledge_feedback, by=p.township)
    do(at(15, 10), c5.acknowledge_feedback, by=p.village)
    do(at(15, 11), c5.acknowledge_feedback, by=p.grid_worker)
    do(at(16), c5.follow_up, by=p.grid_worker, satisfied=False)

    c6 = new("c6", at(7), risk="orange")
    mark_overdue(c6, at(8, 10))

    c7 = new("c7", at(8))
    do(at(8, 10), c7.reject, by=p.grid_worker, reason="不属于矛盾纠纷")
    c8 = new("c8", at(8))
    do(at(8, 10), c8.withdraw, by=p.grid_worker, reason="当事人撤回")
    c9 = new("c9", at(9), grid=tree.sibling_grid, by=p.district)
    do(at(9, 10), c9.transfer, by=p.district, to="人民法院", reason="诉调对接")

    c10 = new("c10", at(10), risk="red")
    do(at(10, 10), c10.escalate, by=p.grid_worker, **up)

    outsider_worker = p.district  # the district acts at every level
    c11 = new("c11", at(10), grid=tree.other_grid, by=outsider_worker)
    mark_overdue(c11, at(11, 10))
    do(at(11, 11), c11.resolve, by=outsider_worker, **resolve)
    do(at(12), c11.follow_up, by=outsider_worker, satisfied=True)

    c12 = new("c12", at(15, month=10))
    do(at(15, 12, month=10), c12.resolve, by=p.grid_worker, **resolve)
    do(at(16, month=10), c12.follow_up, by=p.grid_worker, satisfied=True)

    # Deadlines as of "now": only c6 is past due; the others still have time.
    open_cases = Dispute.objects.filter(stage__in=Dispute.OPEN_STAGES)
    open_cases.update(due_at=NOW + dt.timedelta(days=1))
    open_cases.filter(pk=c6.pk).update(due_at=NOW - dt.timedelta(hours=1))
    for c in cases.values():
        c.refresh_from_db()
    refresh(now=NOW)
    return Dataset(cases, NOW)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield NOW
