"""Every transition: the allowed path, each forbidden stage (409), the event
row, the outbox event, and notifications queued on commit."""

from __future__ import annotations

import pytest

from core.exceptions import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)
from disputes.models import (
    CaseNumberCounter,
    Dispute,
    DisputeEvent,
    Notification,
    Party,
)
from disputes.transitions import MOVES, allowed_actions
from integrations.models import OutboxEvent
from tests.disputes.conftest import walk

S = Dispute.Stage
A = DisputeEvent.Action


def do(case: Dispute, action: str, user):  # type: ignore[no-untyped-def]
    """Take ``action`` with valid arguments."""
    if action == A.ESCALATE:
        return case.escalate(by=user, reason="需上级协调")
    if action == A.RETURN:
        return case.return_to_grid(by=user, reason="缺少当事人身份证号")
    if action == A.RESOLVE:
        return case.resolve(by=user, outcome="达成协议", method="on_the_spot")
    if action == A.ACKNOWLEDGE_FEEDBACK:
        return case.acknowledge_feedback(by=user)
    if action == A.FOLLOW_UP:
        return case.follow_up(by=user, satisfied=True)
    if action == A.REJECT:
        return case.reject(by=user, reason="不属于矛盾纠纷")
    if action == A.TRANSFER:
        return case.transfer(by=user, to="人民法院", reason="诉调对接")
    if action == A.WITHDRAW:
        return case.withdraw(by=user, reason="当事人撤回")
    if action == A.ASSIGN:
        return case.assign(by=user, person=user)
    if action == A.WHISTLE:
        return case.whistle(by=user, reason="需要民警到场", departments=["司法所"])
    if action == A.CONSULT:
        return case.consult(
            by=user, departments=["司法所", "信访办"], conclusions="联合调处"
        )
    raise AssertionError(action)


def actor_for(case: Dispute, personas):  # type: ignore[no-untyped-def]
    level = case.acting_level or "district"
    return {
        "grid": personas.grid_worker,
        "village": personas.village,
        "township": personas.township,
        "district": personas.district,
    }[level]


# (action, from stage, expected stage afterwards)
ALLOWED = [
    (A.ESCALATE, S.GRID, S.VILLAGE_REVIEW),
    (A.ESCALATE, S.VILLAGE_REVIEW, S.TOWNSHIP_COORDINATION),
    (A.ESCALATE, S.TOWNSHIP_COORDINATION, S.DISTRICT_ANALYSIS),
    (A.RETURN, S.VILLAGE_REVIEW, S.GRID),
    (A.RESOLVE, S.GRID, S.FOLLOW_UP),
    (A.RESOLVE, S.VILLAGE_REVIEW, S.FEEDBACK),
    (A.RESOLVE, S.TOWNSHIP_COORDINATION, S.FEEDBACK),
    (A.RESOLVE, S.DISTRICT_ANALYSIS, S.FEEDBACK),
    (A.ACKNOWLEDGE_FEEDBACK, S.FEEDBACK, S.FOLLOW_UP),
    (A.FOLLOW_UP, S.FOLLOW_UP, S.CLOSED),
    *[(A.REJECT, s, S.REJECTED) for s in Dispute.WORKING_STAGES],
    *[(A.TRANSFER, s, S.TRANSFERRED) for s in Dispute.WORKING_STAGES],
    *[(A.WITHDRAW, s, S.WITHDRAWN) for s in Dispute.OPEN_STAGES],
    *[(A.ASSIGN, s, s) for s in Dispute.OPEN_STAGES],
    *[(A.WHISTLE, s, s) for s in Dispute.WORKING_STAGES],
    (A.CONSULT, S.TOWNSHIP_COORDINATION, S.TOWNSHIP_COORDINATION),
]


def test_the_table_of_moves_is_what_the_tests_cover():
    covered = {(a, s) for a, s, _ in ALLOWED}
    table = {(a, s) for a, moves in MOVES.items() for s in moves}
    assert covered == table


@pytest.mark.parametrize(("action", "stage", "after"), ALLOWED)
def test_allowed_move(
    action, stage, after, make_case, personas, django_capture_on_commit_callbacks
):
    case = walk(make_case(), personas, stage)
    user = actor_for(case, personas)
    version = case.version
    outbox_before = OutboxEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do(case, action, user)
    case.refresh_from_db()
    assert case.stage == after
    assert case.version == version + 1
    event = case.events.order_by("-pk").first()
    assert (event.action, event.from_stage, event.to_stage, event.actor) == (
        action,
        stage,
        after,
        user,
    )
    # Notifications wait for the commit.
    assert len(callbacks) >= 1
    assert not Notification.objects.filter(
        dedup_key=f"dispute-event:{event.pk}"
    ).exists()
    for callback in callbacks:
        callback()
    if after != stage:
        assert OutboxEvent.objects.filter(
            event_type="dispute.stage_changed"
        ).count() > (outbox_before and 0)


@pytest.mark.parametrize(
    ("action", "stage"),
    [
        (action, stage)
        for action, moves in MOVES.items()
        for stage in S
        if stage not in moves
    ],
)
def test_forbidden_stage_answers_409(action, stage, make_case, personas):
    case = walk(make_case(), personas, stage)
    events = case.events.count()
    with pytest.raises(InvalidTransition) as exc:
        do(case, action, personas.district)
    assert exc.value.status_code == 409
    assert "reload" in exc.value.detail.lower() or "重新" in exc.value.detail
    case.refresh_from_db()
    assert case.stage == stage
    assert case.events.count() == events


def test_a_notification_is_queued_on_commit(
    make_case, personas, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        event = case.escalate(by=personas.grid_worker, reason="需村级协调")
    note = Notification.objects.get(
        recipient=personas.village, dedup_key=f"dispute-event:{event.pk}"
    )
    assert case.number in note.title
    assert note.url == f"/disputes/{case.pk}/"
    # the actor is not told about their own action; outsiders never are
    assert not Notification.objects.filter(recipient=personas.grid_worker).exists()
    assert not Notification.objects.filter(recipient=personas.outsider).exists()


def test_intake_numbers_cases_and_writes_the_created_event(make_case, personas):
    first, second = make_case(), make_case()
    year = first.created_at.astimezone().year
    assert first.number == f"HSB-{year}-000001"
    assert second.number == f"HSB-{year}-000002"
    assert CaseNumberCounter.objects.get(year=year).last == 2
    event = first.events.get()
    assert (event.action, event.to_stage, event.actor) == (
        "created",
        "grid",
        personas.grid_worker,
    )
    assert OutboxEvent.objects.filter(event_type="dispute.created").count() == 2


def test_a_rolled_back_intake_gives_its_number_back(make_case):
    from django.db import transaction

    first = make_case()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case()
        raise RuntimeError("the intake's transaction fails after numbering")
    second, third = make_case(), make_case()
    numbers = [int(c.number.rsplit("-", 1)[1]) for c in (first, second, third)]
    assert numbers == [1, 2, 3]  # no gap, no duplicate


def test_the_case_number_is_taken_right_before_the_case_is_inserted(
    make_case, personas, tree, category, officer_person
):
    """The counter row stays locked from the number's allocation to the
    commit, so concurrent intakes queue only for the inserts: every read of
    the intake comes before it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_case()  # the year's counter row exists
    with CaptureQueriesContext(connection) as queries:
        Dispute.intake(
            by=personas.grid_worker,
            grid=tree.grid,
            category=category,
            title="两户因院墙排水发生争执",
            risk=Dispute.Risk.RED,
            parties=[{"name": "马某", "role": "applicant", "phone": "13900000000"}],
        )
    sql = [q["sql"] for q in queries.captured_queries]
    counter = [i for i, s in enumerate(sql) if "disputes_casenumbercounter" in s]
    assert len(counter) == 1, "one statement takes the number"
    assert sql[counter[0] + 1].startswith('INSERT INTO "disputes_dispute"')


def test_parties_are_encrypted_with_searchable_hashes(make_case):
    case = make_case()
    applicant = case.parties.get(role="applicant")
    assert applicant.phone == "+8613900000000"
    raw = Party.objects.filter(pk=applicant.pk).values_list("phone", flat=True).get()
    # the column holds ciphertext
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM disputes_party WHERE id = %s", [applicant.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc1:")
    assert raw == "+8613900000000"
    assert applicant.phone_hash


def test_the_same_external_reference_returns_the_existing_case(make_case, personas):
    first = make_case(external_system="12345", external_id="A-1", by=personas.district)
    again, created = Dispute.intake(
        by=personas.district,
        grid=first.grid,
        category=first.category,
        title="重复推送",
        external_system="12345",
        external_id="A-1",
    )
    assert not created
    assert again.pk == first.pk


def test_resolution_at_the_township_travels_down_level_by_level(make_case, personas):
    case = walk(make_case(), personas, S.TOWNSHIP_COORDINATION)
    case.resolve(
        by=personas.township, outcome="联合调处成功", method="administrative_mediation"
    )
    case.refresh_from_db()
    assert (case.stage, case.resolved_level, case.feedback_level) == (
        S.FEEDBACK,
        "township",
        "village",
    )
    with pytest.raises(InvalidTransition):
        case.acknowledge_feedback(by=personas.grid_worker)
    case.acknowledge_feedback(by=personas.village)
    case.refresh_from_db()
    assert (case.stage, case.feedback_level) == (S.FEEDBACK, "grid")
    case.acknowledge_feedback(by=personas.grid_worker)
    case.refresh_from_db()
    assert case.stage == S.FOLLOW_UP
    assert case.reached_level == "township"


def test_an_unsatisfied_follow_up_reopens_at_the_resolving_level(make_case, personas):
    case = walk(make_case(), personas, S.FEEDBACK)  # resolved by the village
    case.acknowledge_feedback(by=personas.grid_worker)
    case.follow_up(by=personas.grid_worker, satisfied=False, notes="对方未履行")
    case.refresh_from_db()
    assert case.stage == S.VILLAGE_REVIEW
    assert case.satisfied is False
    assert case.resolved_level is None
    assert case.followed_up_at is not None
    assert OutboxEvent.objects.filter(event_type="dispute.followed_up").count() == 1


def test_a_satisfied_follow_up_closes_the_case(make_case, personas):
    case = walk(make_case(), personas, S.CLOSED)
    assert case.closed_at is not None
    assert case.satisfied is True
    assert case.resolved_level == "grid"
    assert case.due_at is None


def test_a_stale_version_is_a_conflict(make_case, personas):
    case = make_case()
    stale = case.version
    case.escalate(by=personas.grid_worker, reason="需协调")
    with pytest.raises(Conflict) as exc:
        case.resolve(
            by=personas.village,
            outcome="x",
            method="on_the_spot",
            expected_version=stale,
        )
    assert exc.value.status_code == 409


def test_reasons_and_methods_are_required(make_case, personas):
    case = make_case()
    with pytest.raises(DomainError):
        case.escalate(by=personas.grid_worker, reason=" ")
    with pytest.raises(DomainError):
        case.resolve(by=personas.grid_worker, outcome="ok", method="magic")


def test_assign_needs_someone_who_works_in_the_area(make_case, personas):
    case = make_case()
    with pytest.raises(DomainError):
        case.assign(by=personas.village, person=personas.outsider)
    case.assign(by=personas.village, person=personas.officer)
    case.refresh_from_db()
    assert case.handler == personas.officer


# Permission matrix: who may escalate a case in each working stage.
MATRIX = {
    S.GRID: {"grid_worker", "officer", "district", "admin"},
    S.VILLAGE_REVIEW: {"village", "district", "admin"},
    S.TOWNSHIP_COORDINATION: {"township", "district", "admin"},
}
PERSONAS = [
    "grid_worker",
    "officer",
    "village",
    "township",
    "district",
    "leader",
    "admin",
]


@pytest.mark.parametrize("stage", list(MATRIX))
@pytest.mark.parametrize("who", PERSONAS)
def test_who_may_escalate(stage, who, make_case, personas):
    case = walk(make_case(), personas, stage)
    user = getattr(personas, who)
    if who in MATRIX[stage]:
        case.escalate(by=user, reason="需上级协调")
        case.refresh_from_db()
        assert case.stage != stage
    else:
        # A role outside the workflow: 403; a participant whose turn it is
        # not: 409 (the case is at another level now).
        expected = NotAllowed if who == "leader" else InvalidTransition
        with pytest.raises(expected):
            case.escalate(by=user, reason="需上级协调")


def test_outsiders_get_not_found_for_every_action(make_case, personas):
    case = make_case()
    for action in MOVES:
        with pytest.raises(NotInScope):
            do(case, action, personas.outsider)
    assert allowed_actions(personas.outsider, case) == []
    assert not Dispute.objects.visible_to(personas.outsider).filter(pk=case.pk).exists()


def test_a_sibling_grid_worker_does_not_see_the_case(make_case, personas, tree):
    from tests.factories import UserFactory

    neighbour = UserFactory(username="gw2", role="grid_worker", area=tree.sibling_grid)
    case = make_case()
    assert not Dispute.objects.visible_to(neighbour).filter(pk=case.pk).exists()
    with pytest.raises(NotInScope):
        case.escalate(by=neighbour, reason="x")


def test_events_are_append_only(make_case):
    from disputes.models import AppendOnlyError

    event = make_case().events.get()
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        DisputeEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        DisputeEvent.objects.filter(pk=event.pk).delete()


def test_report_in_is_recorded_once(make_case, personas, officer_person):
    case = make_case(risk="red")
    summons = case.report_in(by=personas.officer, note="已到场")
    assert summons.reported_in_at is not None
    assert case.events.filter(action="report_in").count() == 1
    assert OutboxEvent.objects.filter(event_type="whistle.reported_in").count() == 1
    with pytest.raises(InvalidTransition):
        case.report_in(by=personas.officer)


def test_only_the_summoned_person_reports_in(make_case, personas, officer_person):
    case = make_case(risk="red")
    with pytest.raises(InvalidTransition):
        case.report_in(by=personas.grid_worker)


def test_case_numbers_stay_unique(make_case):
    from django.db import IntegrityError, transaction

    case = make_case()
    other = make_case()
    other.number = case.number
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save(update_fields=["number"])


def test_automatic_escalation_of_cases_read_without_their_grids(
    make_case, personas, tree
):
    from disputes.transitions import escalate_automatically

    made = [make_case(), make_case(grid=tree.sibling_grid, by=personas.district)]
    cases = list(Dispute.objects.filter(pk__in=[c.pk for c in made]).order_by("pk"))
    events = escalate_automatically(cases, reason="到期")
    assert [e.to_stage for e in events] == ["village_review", "village_review"]
    sent = OutboxEvent.objects.filter(event_type="dispute.stage_changed")
    assert sorted(o.payload["grid"] for o in sent) == sorted(
        [tree.grid.code, tree.sibling_grid.code]
    )
