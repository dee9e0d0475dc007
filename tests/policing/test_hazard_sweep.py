"""Overdue rectifications go through the shared deadline sweep: marked once,
notified once, escalated to the township by policy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.sweep import registered, run_sweeps
from disputes.models import Notification
from disputes.tasks import sweep_overdue_task
from policing.models import Hazard
from tests.policing.fieldwork_data import person, post

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 3, 9, 9, 0, tzinfo=TZ)


@pytest.fixture
def hazard(tree, personas):  # type: ignore[no-untyped-def]
    me = person("周警官", tree.township, user=personas.officer)
    post(me, tree.grid, dt.date(2026, 1, 1))
    with time_machine.travel(MONDAY, tick=False):
        return Hazard.report(
            by=personas.grid_worker,
            grid=tree.grid,
            due_at=MONDAY + dt.timedelta(days=3),
            kind=Hazard.Kind.TRAFFIC,
            description="村口路段缺少减速带",
            responsible_party="乡镇交通办",
        )


def recipients(kind: str) -> set[str]:
    return set(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def test_the_hazard_sweeps_are_registered_with_the_shared_engine():
    names = {s.name for s in registered()}
    assert {"hazards.overdue", "hazards.escalation", "disputes.overdue"} <= names


def test_nothing_happens_before_the_deadline(hazard):
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        results = run_sweeps()
    assert results["hazards.overdue"] == (0, 0)
    hazard.refresh_from_db()
    assert hazard.overdue_at is None


def test_a_hazard_past_its_deadline_is_marked_and_notified_once(hazard):
    late = MONDAY + dt.timedelta(days=3, hours=1)
    with time_machine.travel(late, tick=False):
        first = run_sweeps()
        second = run_sweeps()
        # The periodic task runs the same registry.
        sweep_overdue_task()
    assert first["hazards.overdue"] == (1, 1)
    assert second["hazards.overdue"] == (0, 0)
    hazard.refresh_from_db()
    assert hazard.overdue_at == late
    assert hazard.overdue_handled_at == late
    assert hazard.is_overdue
    # The grid's people, the reporter, and the village center above them.
    assert recipients("hazard.overdue") == {"gw", "officer", "village"}
    assert Notification.objects.filter(kind="hazard.overdue").count() == 3
    # Not yet escalated: traffic hazards go up three days after the deadline.
    assert first["hazards.escalation"] == (0, 0)
    assert not Notification.objects.filter(kind="hazard.escalated").exists()


def test_a_hazard_still_open_past_the_policy_is_escalated_once(hazard):
    with time_machine.travel(MONDAY + dt.timedelta(days=3, hours=1), tick=False):
        run_sweeps()
    later = MONDAY + dt.timedelta(days=6, hours=1)
    with time_machine.travel(later, tick=False):
        first = run_sweeps()
        second = run_sweeps()
    assert first["hazards.escalation"] == (1, 1)
    assert second["hazards.escalation"] == (0, 0)
    hazard.refresh_from_db()
    assert hazard.escalated_at == later
    assert recipients("hazard.escalated") == {"township", "village"}
    assert Notification.objects.filter(kind="hazard.overdue").count() == 3


def test_a_fire_hazard_goes_up_sooner(tree, personas):
    with time_machine.travel(MONDAY, tick=False):
        fire = Hazard.report(
            by=personas.grid_worker,
            grid=tree.grid,
            due_at=MONDAY + dt.timedelta(days=1),
            kind=Hazard.Kind.FIRE,
            description="电动车楼道充电",
            responsible_party="楼栋长",
        )
    with time_machine.travel(MONDAY + dt.timedelta(days=2, hours=1), tick=False):
        results = run_sweeps()
    assert results["hazards.overdue"] == (1, 1)
    assert results["hazards.escalation"] == (1, 1)
    fire.refresh_from_db()
    assert fire.escalated_at is not None


def test_a_hazard_fixed_in_time_is_left_alone(hazard, personas):
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        hazard.record_fix(by=personas.officer, fix="已安装减速带")
    with time_machine.travel(MONDAY + dt.timedelta(days=10), tick=False):
        results = run_sweeps()
    assert results["hazards.overdue"] == (0, 0)
    assert not Notification.objects.filter(kind__startswith="hazard.").exists()


def test_a_failed_verification_starts_a_new_clock(hazard, personas):
    with time_machine.travel(MONDAY + dt.timedelta(days=3, hours=1), tick=False):
        run_sweeps()
        hazard.record_fix(by=personas.officer, fix="临时摆放锥桶")
        hazard.verify(
            by=personas.village,
            accepted=False,
            notes="未安装减速带",
            new_due_at=MONDAY + dt.timedelta(days=5),
        )
    with time_machine.travel(MONDAY + dt.timedelta(days=5, hours=1), tick=False):
        results = run_sweeps()
    assert results["hazards.overdue"] == (1, 1)
    # One notice per person for each deadline missed.
    assert Notification.objects.filter(kind="hazard.overdue").count() == 6


def test_an_outsider_is_never_told(hazard, personas):
    with time_machine.travel(MONDAY + dt.timedelta(days=9), tick=False):
        run_sweeps()
    assert "outsider" not in recipients("hazard.overdue")
    assert "outsider" not in recipients("hazard.escalated")
