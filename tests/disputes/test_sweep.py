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
        "disputes.sweeps.notify_overdue_all", side_effect=RuntimeError("worker lost")
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


# --- handling in batches ----------------------------------------------------


def _make_due(make_case, personas, tree, count: int, at: dt.datetime) -> list:  # type: ignore[no-untyped-def]
    """``count`` grid-stage cases spread over three grids, due 24 h after ``at``."""
    grids = [tree.grid, tree.sibling_grid, tree.other_grid]
    with time_machine.travel(at, tick=False):
        return [
            make_case(by=personas.district, grid=grids[i % 3], title=f"排水争执 {i}")
            for i in range(count)
        ]


def _handling_statements(sweep, now: dt.datetime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(now, tick=False):
        sweep.mark(now)
        with CaptureQueriesContext(connection) as queries:
            handled = sweep.handle_marked(now)
    return handled, len(queries.captured_queries)


@pytest.mark.parametrize("escalating", [False, True], ids=["notify", "escalate"])
def test_handling_a_batch_costs_the_same_statements_whatever_its_size(
    make_case, personas, tree, escalating
):
    from django.db import connection

    if not escalating:
        DeadlinePolicy.objects.update(auto_escalate=False)
    _make_due(make_case, personas, tree, 5, MONDAY)
    few = _handling_statements(sweeps.OVERDUE, MONDAY + dt.timedelta(hours=25))
    _make_due(make_case, personas, tree, 50, MONDAY + dt.timedelta(hours=2))
    many = _handling_statements(sweeps.OVERDUE, MONDAY + dt.timedelta(hours=27))
    assert (few[0], many[0]) == (5, 50)
    # SQLite takes at most 999 parameters per statement, so Django splits the
    # 50 cases' notifications (three people each) into two INSERTs there.
    split = 1 if connection.vendor == "sqlite" else 0
    assert many[1] <= few[1] + split, (few, many)
    assert DisputeEvent.objects.filter(action="overdue").count() == 55
    assert DisputeEvent.objects.filter(action="escalate").count() == (
        55 if escalating else 0
    )


def test_running_twice_writes_every_event_notification_and_message_once(
    make_case, personas, tree, no_auto_escalation
):
    cases = _make_due(make_case, personas, tree, 12, MONDAY)
    later = MONDAY + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        assert run_sweeps()["disputes.overdue"] == (12, 12)
        counts = (
            DisputeEvent.objects.filter(action="overdue").count(),
            Notification.objects.filter(kind="dispute.overdue").count(),
            OutboxEvent.objects.filter(event_type="dispute.overdue").count(),
        )
        assert run_sweeps()["disputes.overdue"] == (0, 0)
        # Even handed again by the engine (a run that read the ids before
        # ours committed), the stamp stops it.
        assert sweeps.OVERDUE.handle_pks([c.pk for c in cases], later) == 0
    assert counts[0] == counts[2] == 12
    assert counts[1] > 0
    assert (
        DisputeEvent.objects.filter(action="overdue").count(),
        Notification.objects.filter(kind="dispute.overdue").count(),
        OutboxEvent.objects.filter(event_type="dispute.overdue").count(),
    ) == counts
    assert not Dispute.objects.filter(overdue_handled_at__isnull=True).exists()


def test_a_batch_that_fails_is_rolled_back_whole_and_the_next_run_finishes_it(
    make_case, personas, tree, no_auto_escalation
):
    from integrations import outbox

    _make_due(make_case, personas, tree, 6, MONDAY)
    later = MONDAY + dt.timedelta(hours=25)
    boom = mock.patch.object(outbox, "emit_many", side_effect=RuntimeError("lost"))
    with time_machine.travel(later, tick=False), boom:
        assert run_sweeps()["disputes.overdue"] == (6, 0)
    assert not DisputeEvent.objects.filter(action="overdue").exists()
    assert not Notification.objects.filter(kind="dispute.overdue").exists()
    assert Dispute.objects.filter(overdue_handled_at__isnull=True).count() == 6
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        assert run_sweeps()["disputes.overdue"] == (0, 6)
    assert DisputeEvent.objects.filter(action="overdue").count() == 6
    assert OutboxEvent.objects.filter(event_type="dispute.overdue").count() == 6


def test_one_bad_case_does_not_hold_back_the_rest_of_its_batch(
    make_case, personas, tree, no_auto_escalation
):
    from disputes.notifications import notify_overdue_all

    cases = _make_due(make_case, personas, tree, 6, MONDAY)
    bad = cases[2]

    def fails_on_bad(batch, now):  # type: ignore[no-untyped-def]
        if any(c.pk == bad.pk for c in batch):
            raise RuntimeError("bad row")
        return notify_overdue_all(batch, now)

    later = MONDAY + dt.timedelta(hours=25)
    with (
        time_machine.travel(later, tick=False),
        mock.patch("disputes.sweeps.notify_overdue_all", side_effect=fails_on_bad),
    ):
        assert run_sweeps()["disputes.overdue"] == (6, 5)
    assert list(
        Dispute.objects.filter(overdue_handled_at__isnull=True).values_list(
            "pk", flat=True
        )
    ) == [bad.pk]
    assert not DisputeEvent.objects.filter(dispute=bad, action="overdue").exists()
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        assert run_sweeps()["disputes.overdue"] == (0, 1)
    for case in cases:
        assert DisputeEvent.objects.filter(dispute=case, action="overdue").count() == 1


def _reference_handle_overdue(case: Dispute, now: dt.datetime) -> None:
    """The overdue handler as it was before batching (one case per
    transaction, each write on its own), kept to compare outcomes."""
    from django.utils.translation import gettext as _

    from disputes.notifications import case_url, people_at_level, supervisors_of
    from disputes.notify import notify
    from disputes.transitions import NEXT_UP, dispute_payload
    from integrations.outbox import emit

    case = Dispute.objects.select_related("grid").get(pk=case.pk)
    DisputeEvent.objects.create(
        dispute=case,
        actor=None,
        action=DisputeEvent.Action.OVERDUE,
        from_stage=case.stage,
        to_stage=case.stage,
        data={"due_at": case.due_at.isoformat() if case.due_at else None},
        created_at=now,
    )
    level = case.acting_level
    recipients = set(people_at_level(case.grid, level).values_list("pk", flat=True))
    recipients |= set(supervisors_of(case.grid, level).values_list("pk", flat=True))
    if case.handler_id:
        recipients.add(case.handler_id)
    notify(
        recipients=recipients,
        kind="dispute.overdue",
        title=_("%(number)s is overdue in stage %(stage)s")
        % {"number": case.number, "stage": case.get_stage_display()},
        body=case.title,
        url=case_url(case),
        dedup_key=f"dispute-overdue:{case.pk}:{case.stage}:{case.stage_entered_at:%Y%m%d%H%M%S%f}",
    )
    emit("dispute.overdue", area=case.grid, payload=dispute_payload(case))
    policy = case.current_policy()
    if policy is not None and policy.auto_escalate and case.stage in NEXT_UP:
        case.escalate(
            by=None,
            reason=_("Overdue: escalated automatically by the deadline policy."),
            automatic=True,
        )


def _outcome(case: Dispute) -> dict:  # type: ignore[type-arg]
    """What handling did to a case, with its own ids and number left out."""
    from dashboards.models import DirtyDay

    case.refresh_from_db()

    def plain(value):  # type: ignore[no-untyped-def]
        text = str(value).replace(case.number, "<number>")
        return text.replace(f"/{case.pk}/", "/<pk>/")

    fields = [
        "stage",
        "stage_entered_at",
        "due_at",
        "early_warning_at",
        "reached_level",
        "handler_id",
        "version",
        "overdue_at",
        "overdue_handled_at",
        "ever_overdue",
        "warned_at",
    ]
    events = DisputeEvent.objects.filter(dispute=case).order_by("id")
    outbox = OutboxEvent.objects.filter(payload__id=case.pk).order_by("id")
    notes = Notification.objects.filter(
        dedup_key__contains=f":{case.pk}:", kind="dispute.overdue"
    ) | Notification.objects.filter(dedup_key__startswith="dispute-event:").filter(
        dedup_key__in=[f"dispute-event:{pk}" for pk in events.values_list("pk")]
    )
    return {
        "case": {name: getattr(case, name) for name in fields},
        "events": [
            (e.action, e.from_stage, e.to_stage, e.reason, e.data, e.actor_id)
            for e in events
        ],
        "outbox": [
            (
                o.event_type,
                o.area_id,
                {k: v for k, v in o.payload.items() if k not in {"id", "number"}}
                | {"event_id": bool(o.payload.get("event_id"))},
            )
            for o in outbox
        ],
        "notifications": sorted(
            (n.recipient_id, n.kind, plain(n.title), n.body, plain(n.url))
            for n in notes
        ),
        "dirty": DirtyDay.objects.filter(grid_id_value=case.grid_id).exists(),
    }


def test_a_mixed_batch_ends_as_handling_one_case_at_a_time_did(
    make_case, personas, tree, django_capture_on_commit_callbacks
):
    from dataclasses import replace

    # Yellow cases in the grid stage wait; every other one goes up.
    DeadlinePolicy.objects.create(
        stage="grid", risk="yellow", duration=24, unit="hours", auto_escalate=False
    )

    def make_set() -> list:  # type: ignore[type-arg]
        with time_machine.travel(MONDAY, tick=False):
            made = [
                make_case(risk="blue"),
                make_case(risk="yellow"),
                make_case(by=personas.district, grid=tree.sibling_grid),
                make_case(by=personas.district, grid=tree.other_grid, risk="yellow"),
                walk(make_case(), personas, Dispute.Stage.VILLAGE_REVIEW),
            ]
            made[1].assign(by=personas.grid_worker, person=personas.officer)
        return made

    batched, one_by_one = make_set(), make_set()
    later = MONDAY + dt.timedelta(days=4, hours=1)  # Friday: all of them due
    reference = replace(
        sweeps.OVERDUE, handle=_reference_handle_overdue, handle_batch=None
    )
    with time_machine.travel(later, tick=False):
        assert sweeps.OVERDUE.mark(later) == 10
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeps.OVERDUE.handle_pks([c.pk for c in batched], later) == 5
        with django_capture_on_commit_callbacks(execute=True):
            assert reference.handle_pks([c.pk for c in one_by_one], later) == 5
    for mine, theirs in zip(batched, one_by_one, strict=True):
        assert _outcome(mine) == _outcome(theirs)
    stages = [c.stage for c in batched]
    assert stages == ["village_review", "grid", "village_review", "grid"] + [
        "township_coordination"
    ]
    # The escalations' own notifications went out after the commit.
    assert Notification.objects.filter(
        kind="dispute.escalate", recipient=personas.village
    ).exists()


def test_the_batch_writes_are_in_the_audit_trail(
    make_case, personas, tree, no_auto_escalation
):
    from audit.models import AuditRecord

    _make_due(make_case, personas, tree, 4, MONDAY)
    later = MONDAY + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        run_sweeps()
    for model, rows in (
        ("disputes.disputeevent", DisputeEvent.objects.filter(action="overdue")),
        (
            "integrations.outboxevent",
            OutboxEvent.objects.filter(event_type="dispute.overdue"),
        ),
    ):
        record = AuditRecord.objects.filter(action="create", model=model).latest("id")
        pks = sorted(str(pk) for pk in rows.values_list("pk", flat=True))
        assert sorted(record.detail["pks"]) == pks
        assert sorted(record.after) == pks
    stamp = AuditRecord.objects.filter(
        action="bulk_update", model="disputes.dispute"
    ).latest("id")
    assert list(stamp.after) == ["overdue_handled_at"]
    assert len(stamp.detail["pks"]) == 4


def test_the_audit_snapshot_of_a_batch_row_masks_as_field_value_does(make_case):
    from audit.signals import field_value, snapshot

    party = make_case().parties.get(role="applicant")
    party.id_number = "11010519491231002X"
    expected = {
        f.attname: field_value(f, party)
        for f in party._meta.concrete_fields
        if f.name != "id"
    }
    assert snapshot(party) == expected
    assert expected["phone"] == "139****0000"
    assert expected["id_number"] == "110***********002X"
    assert expected["phone_hash"] == party.phone_hash


def test_the_policies_of_a_batch_are_those_of_each_case(category):
    from disputes.deadlines import policies_for, policy_for
    from disputes.models import DisputeCategory

    other = DisputeCategory.objects.exclude(pk=category.pk).first()
    DeadlinePolicy.objects.create(stage="grid", risk="red", duration=2, unit="hours")
    DeadlinePolicy.objects.create(
        stage="grid", category=category, duration=12, unit="hours"
    )
    DeadlinePolicy.objects.create(
        stage="village_review", risk="orange", category=other, duration=1, unit="hours"
    )
    keys = [
        (stage, risk, cat)
        for stage in ("grid", "village_review", "feedback", "closed")
        for risk in ("blue", "orange", "red")
        for cat in (category.pk, other.pk, None)
    ]
    assert policies_for(keys) == {key: policy_for(*key) for key in keys}


def test_the_recipients_of_a_batch_are_those_of_each_case(tree, personas):
    from disputes.models import LEVEL_ORDER
    from disputes.notifications import Recipients, people_at_level, supervisors_of

    grids = [tree.grid, tree.sibling_grid, tree.other_grid]
    levels = [*LEVEL_ORDER, None]
    people = Recipients((g, level) for g in grids for level in levels)
    for grid in grids:
        for level in levels:
            assert people.at_level(grid, level) == set(
                people_at_level(grid, level).values_list("pk", flat=True)
            )
            assert people.supervisors(grid, level) == set(
                supervisors_of(grid, level).values_list("pk", flat=True)
            )


def test_objects_set_aside_during_the_batches_are_given_back():
    import gc

    from core.sweep import _collect_young_objects_only

    assert gc.get_freeze_count() == 0
    with _collect_young_objects_only():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    # A process that freezes objects itself keeps them frozen.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with _collect_young_objects_only():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
