"""The deadline sweep: marks once, notifies once, escalates by policy and
finishes an interrupted run (DOMAIN.md §3)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from core.sweep import run_sweeps
from disputes import sweeps
from disputes.models import DeadlinePolicy, Dispute, DisputeEvent, Notification
from integrations.models import OutboxEvent
from tests.disputes.conftest import walk

# A Monday morning with no holiday near (Asia/Shanghai).
MONDAY = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def no_auto_escalation(db):  # type: ignore[no-untyped-def]
    DeadlinePolicy.objects.update(auto_escalate=False)


def overdue_notifications(case: Dispute) -> int:
    return Notification.objects.filter(
        kind="dispute.overdue", dedup_key__startswith=f"dispute-overdue:{case.pk}:"
    ).count()


def test_a_grid_case_is_due_24_hours_after_intake(make_case):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case()
    assert case.due_at == MONDAY + dt.timedelta(hours=24)
    assert case.early_warning_at == MONDAY + dt.timedelta(hours=18)


def test_the_sweep_marks_an_overdue_case_once_and_notifies_once(
    make_case, personas, no_auto_escalation
):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case()
    later = MONDAY + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        first = run_sweeps()
        second = run_sweeps()
    assert first["disputes.overdue"] == (1, 1)
    assert second["disputes.overdue"] == (0, 0)
    case.refresh_from_db()
    assert case.overdue_at == later
    assert case.ever_overdue
    assert DisputeEvent.objects.filter(dispute=case, action="overdue").count() == 1
    assert OutboxEvent.objects.filter(event_type="dispute.overdue").count() == 1
    recipients = set(
        Notification.objects.filter(kind="dispute.overdue").values_list(
            "recipient__username", flat=True
        )
    )
    # the grid's people and their supervisor (the village center)
    assert {"gw", "officer", "village"} <= recipients
    assert "outsider" not in recipients
    assert overdue_notifications(case) == len(recipients)


def test_overdue_escalates_automatically_when_the_policy_says_so(make_case, personas):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case()
    with time_machine.travel(MONDAY + dt.timedelta(hours=25), tick=False):
        run_sweeps()
    case.refresh_from_db()
    assert case.stage == Dispute.Stage.VILLAGE_REVIEW
    assert case.overdue_at is None  # a new stage, a new clock
    assert case.ever_overdue
    escalation = DisputeEvent.objects.get(dispute=case, action="escalate")
    assert escalation.actor is None
    assert escalation.data == {"automatic": True}
    # Village review: 3 working days from Tuesday 10:00 -> Friday 10:00.
    assert case.due_at == MONDAY + dt.timedelta(days=4, hours=1)


def test_a_run_killed_after_marking_is_finished_by_the_next_run(
    make_case, no_auto_escalation
):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case()
    later = MONDAY + dt.timedelta(hours=25)
    # The run dies right after phase 1 (marking): nothing was handled.
    with time_machine.travel(later, tick=False):
        assert sweeps.OVERDUE.mark(later) == 1
    case.refresh_from_db()
    assert case.overdue_at == later
    assert case.overdue_handled_at is None
    assert overdue_notifications(case) == 0
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        result = run_sweeps()
    assert result["disputes.overdue"] == (0, 1)
    case.refresh_from_db()
    assert case.overdue_handled_at is not None
    assert DisputeEvent.objects.filter(dispute=case, action="overdue").count() == 1
    assert overdue_notifications(case) > 0


def test_a_run_that_crashes_while_handling_leaves_nothing_half_done(
    make_case, no_auto_escalation
):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case()
    later = MONDAY + dt.timedelta(hours=25)
    boom = mock.patch(
        "disputes.sweeps.notify_overdue", side_effect=RuntimeError("worker lost")
    )
    with time_machine.travel(later, tick=False), boom:
        run_sweeps()
    assert DisputeEvent.objects.filter(dispute=case, action="overdue").count() == 0
    with time_machine.travel(later, tick=False):
        run_sweeps()
        run_sweeps()
    assert DisputeEvent.objects.filter(dispute=case, action="overdue").count() == 1
    notified = overdue_notifications(case)
    assert notified > 0
    # Handling the same marked row again (a worker died after the commit of
    # the notifications but before ours) still notifies nobody twice.
    sweeps.handle_overdue(case, later)
    assert overdue_notifications(case) == notified


def test_the_early_warning_goes_out_at_75_percent(make_case, no_auto_escalation):
    with time_machine.travel(MONDAY, tick=False):
        make_case()
    with time_machine.travel(MONDAY + dt.timedelta(hours=17), tick=False):
        assert run_sweeps()["disputes.early_warning"] == (0, 0)
    with time_machine.travel(MONDAY + dt.timedelta(hours=18, minutes=1), tick=False):
        assert run_sweeps()["disputes.early_warning"] == (1, 1)
        assert run_sweeps()["disputes.early_warning"] == (0, 0)
    assert Notification.objects.filter(kind="dispute.early_warning").exists()


def test_closed_cases_are_never_swept(make_case, personas):
    with time_machine.travel(MONDAY, tick=False):
        case = walk(make_case(), personas, Dispute.Stage.CLOSED)
    with time_machine.travel(MONDAY + dt.timedelta(days=60), tick=False):
        result = run_sweeps()
    assert result["disputes.overdue"] == (0, 0)
    case.refresh_from_db()
    assert case.overdue_at is None


def test_a_red_case_whistles_the_officer_and_a_late_report_in_is_swept(
    make_case, officer_person, personas
):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case(risk="red")
    whistle = case.whistles.get()
    assert whistle.report_in_deadline == MONDAY + dt.timedelta(minutes=30)
    summons = whistle.summonses.get()
    assert summons.person == officer_person
    with time_machine.travel(MONDAY + dt.timedelta(minutes=31), tick=False):
        assert run_sweeps()["disputes.report_in_overdue"] == (1, 1)
        assert run_sweeps()["disputes.report_in_overdue"] == (0, 0)
    assert Notification.objects.filter(
        kind="whistle.overdue", recipient=personas.officer
    ).exists()
    assert DisputeEvent.objects.filter(
        dispute=case, action="report_in_overdue"
    ).exists()


def test_the_command_runs_the_same_sweeps(make_case, no_auto_escalation, capsys):
    with time_machine.travel(MONDAY, tick=False):
        make_case()
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        call_command("sweep_overdue")
    assert "disputes.overdue: 1 marked, 1 handled" in capsys.readouterr().out
    assert Dispute.objects.filter(overdue_at__isnull=False).count() == 1


def test_the_beat_schedule_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-overdue"]
    assert entry["task"] == "disputes.tasks.sweep_overdue_task"
    assert entry["schedule"] == 60.0


def test_nothing_due_means_nothing_marked(db):
    assert all(v == (0, 0) for v in run_sweeps(timezone.now()).values())


def test_a_failing_sweep_does_not_stop_the_others(make_case, no_auto_escalation):
    from core import sweep as engine

    def broken(now):  # type: ignore[no-untyped-def]
        raise RuntimeError("broken sweep")

    engine.register(
        engine.Sweep(name="tests.broken", due=broken, handle=lambda obj, now: None)
    )
    try:
        with time_machine.travel(MONDAY, tick=False):
            make_case()
        with time_machine.travel(MONDAY + dt.timedelta(hours=25), tick=False):
            result = run_sweeps()
        assert result["tests.broken"] == (0, 0)
        assert result["disputes.overdue"] == (1, 1)
    finally:
        engine._registry.pop("tests.broken")
