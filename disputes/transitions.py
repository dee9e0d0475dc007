"""The dispute workflow: one table of allowed moves, who may make them, and
the transition functions behind the methods on ``Dispute``.

Every transition (ARCHITECTURE.md §3) takes keyword-only arguments, runs in one
transaction, re-reads the case with ``select_for_update()``, checks the move
against ``MOVES``, saves only the changed fields with a version check (so two
simultaneous actions cannot both win, even where row locks do not exist),
writes the event row, emits the outbox event in the same transaction, and
schedules notifications with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import audited_update, audited_update_row
from core.exceptions import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)
from core.models import Role
from core.scope import in_scope

from .deadlines import add_duration, due_for, dues_for, policy_for
from .models import (
    LEVEL_ORDER,
    CaseNumberCounter,
    DeadlinePolicy,
    Dispute,
    DisputeEvent,
    Level,
    Party,
    Whistle,
    WhistleSummons,
)

if TYPE_CHECKING:
    from core.models import User
    from grids.models import Area

logger = logging.getLogger(__name__)

Stage = Dispute.Stage
Action = DisputeEvent.Action

# The level each role acts at; the district's staff and administrators act at
# every level ("the district on everything").
ROLE_LEVEL: dict[str, str] = {
    Role.GRID_WORKER: Level.GRID,
    Role.COMMUNITY_OFFICER: Level.GRID,
    Role.POLICE_ASSISTANT: Level.GRID,
    Role.VILLAGE_STAFF: Level.VILLAGE,
    Role.TOWNSHIP_STAFF: Level.TOWNSHIP,
    Role.DEPARTMENT_LIAISON: Level.TOWNSHIP,
    Role.DISTRICT_STAFF: Level.DISTRICT,
    Role.ADMIN: Level.DISTRICT,
}
# Who is told when a level must act (and who supervises the level below).
LEVEL_ROLES: dict[str, tuple[str, ...]] = {
    Level.GRID: (Role.GRID_WORKER, Role.COMMUNITY_OFFICER),
    Level.VILLAGE: (Role.VILLAGE_STAFF,),
    Level.TOWNSHIP: (Role.TOWNSHIP_STAFF,),
    Level.DISTRICT: (Role.DISTRICT_STAFF,),
}
WORKING = Dispute.WORKING_STAGES
OPEN = Dispute.OPEN_STAGES
NEXT_UP = {
    Stage.GRID: Stage.VILLAGE_REVIEW,
    Stage.VILLAGE_REVIEW: Stage.TOWNSHIP_COORDINATION,
    Stage.TOWNSHIP_COORDINATION: Stage.DISTRICT_ANALYSIS,
}

# The one table of allowed moves: action -> {from stage: to stage}. ``None``
# as the target means "stays" (assign, whistle, consult) or "decided by the
# transition from the case's data" (resolve, acknowledge, follow-up).
MOVES: dict[str, dict[str, str | None]] = {
    Action.ESCALATE: dict(NEXT_UP),
    Action.RETURN: {Stage.VILLAGE_REVIEW: Stage.GRID},
    Action.RESOLVE: {
        Stage.GRID: Stage.FOLLOW_UP,
        Stage.VILLAGE_REVIEW: Stage.FEEDBACK,
        Stage.TOWNSHIP_COORDINATION: Stage.FEEDBACK,
        Stage.DISTRICT_ANALYSIS: Stage.FEEDBACK,
    },
    Action.ACKNOWLEDGE_FEEDBACK: {Stage.FEEDBACK: None},
    Action.FOLLOW_UP: {Stage.FOLLOW_UP: None},
    Action.REJECT: dict.fromkeys(WORKING, Stage.REJECTED),
    Action.TRANSFER: dict.fromkeys(WORKING, Stage.TRANSFERRED),
    Action.WITHDRAW: dict.fromkeys(OPEN, Stage.WITHDRAWN),
    Action.ASSIGN: dict.fromkeys(OPEN),
    Action.WHISTLE: dict.fromkeys(WORKING),
    Action.CONSULT: {Stage.TOWNSHIP_COORDINATION: None},
}
# Actions that need a written reason.
NEEDS_REASON = {
    Action.ESCALATE,
    Action.RETURN,
    Action.REJECT,
    Action.TRANSFER,
    Action.WITHDRAW,
    Action.WHISTLE,
}
# URL segment of each action (the API and the case page use them).
ACTION_SLUGS: dict[str, str] = {
    Action.ESCALATE: "escalate",
    Action.RETURN: "return",
    Action.RESOLVE: "resolve",
    Action.ACKNOWLEDGE_FEEDBACK: "acknowledge-feedback",
    Action.FOLLOW_UP: "follow-up",
    Action.REJECT: "reject",
    Action.TRANSFER: "transfer",
    Action.WITHDRAW: "withdraw",
    Action.ASSIGN: "assign",
    Action.WHISTLE: "whistle",
    Action.REPORT_IN: "report-in",
    Action.CONSULT: "consult",
}


def acting_level(user: User | None) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser and not user.role:
        return Level.DISTRICT
    return ROLE_LEVEL.get(user.role)


def level_index(level: str | None) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1


def level_below(level: str) -> str | None:
    i = level_index(level)
    return LEVEL_ORDER[i - 1] if i > 0 else None


def level_above(level: str) -> str | None:
    i = level_index(level)
    return LEVEL_ORDER[i + 1] if 0 <= i < len(LEVEL_ORDER) - 1 else None


def may_act_at(user: User | None, dispute: Dispute, level: str | None) -> bool:
    """Whether ``user`` acts for ``level`` on this case (scope checked apart)."""
    mine = acting_level(user)
    if mine is None or level is None:
        return False
    return mine == level or mine == Level.DISTRICT


def stage_actors_level(action: str, dispute: Dispute) -> str | None:
    """The level whose people may take ``action`` in the case's stage."""
    if action == Action.FOLLOW_UP:
        return Level.GRID
    if action == Action.ACKNOWLEDGE_FEEDBACK:
        return dispute.feedback_level
    if dispute.stage in Dispute.STAGE_LEVEL:
        return Dispute.STAGE_LEVEL[dispute.stage]
    return dispute.acting_level


def allowed_actions(user: User | None, dispute: Dispute) -> list[str]:
    """The actions ``user`` may take on the case now (for the case page)."""
    if user is None or not in_scope(user, dispute.grid):
        return []
    result = []
    for action, moves in MOVES.items():
        if dispute.stage not in moves:
            continue
        level = stage_actors_level(action, dispute)
        if action == Action.ASSIGN:
            # Anyone at or above the acting level assigns.
            if level_index(acting_level(user)) >= level_index(level) >= 0:
                result.append(action)
        elif action == Action.CONSULT:
            if may_act_at(user, dispute, Level.TOWNSHIP):
                result.append(action)
        elif may_act_at(user, dispute, level):
            result.append(action)
    return result


def check_allowed(user: User | None, dispute: Dispute, action: str) -> None:
    """Raise the domain error that explains why ``action`` is not possible.

    Outside the scope: 404. A role that never takes part in the workflow
    (a leader, an integration client): 403. Anything else that is not possible
    now, including an action whose turn has passed because someone else just
    moved the case, is a 409 that names the current stage.
    """
    if user is not None and not in_scope(user, dispute.grid):
        raise NotInScope()
    if user is not None and acting_level(user) is None:
        raise NotAllowed(_("Your role does not take part in handling cases."))
    if dispute.stage not in MOVES[action] or (
        user is not None and action not in allowed_actions(user, dispute)
    ):
        raise InvalidTransition(
            _(
                "“%(action)s” is not possible for you while the case is in stage "
                "“%(stage)s”. It may have just changed: reload the case."
            )
            % {
                "action": Action(action).label,
                "stage": dispute.get_stage_display(),
            }
        )


@dataclass
class Change:
    """What a transition does to the case: the new stage (or None to stay),
    fields to set, and event details."""

    to_stage: str | None = None
    fields: dict[str, Any] | None = None
    reason: str = ""
    data: dict[str, Any] | None = None


def _stage_fields(
    dispute: Dispute,
    stage: str,
    now: dt.datetime,
    due: tuple[dt.datetime | None, dt.datetime | None] | None = None,
) -> dict[str, Any]:
    """Fields reset when a case enters a stage: its clock starts again.
    ``due``: the (due, early warning) times when the caller looked them up."""
    if due is None:
        due = due_for(stage, dispute.risk, dispute.category_id, now)[:2]
    due, warn = due
    fields: dict[str, Any] = {
        "stage": stage,
        "stage_entered_at": now,
        "due_at": due,
        "early_warning_at": warn,
        "warned_at": None,
        "warning_handled_at": None,
        "overdue_at": None,
        "overdue_handled_at": None,
    }
    if stage in Dispute.END_STAGES:
        fields.update(due_at=None, early_warning_at=None)
    level = Dispute.STAGE_LEVEL.get(stage)
    if level and level_index(level) > level_index(dispute.reached_level):
        fields["reached_level"] = level
    return fields


def perform(
    dispute: Dispute,
    action: str,
    *,
    by: User | None,
    decide: Callable[[Dispute, dt.datetime], Change],
    expected_version: int | None = None,
    check: bool = True,
) -> DisputeEvent:
    """Run one transition on ``dispute``; see the module docstring."""
    with transaction.atomic():
        current = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("grid")
            .get(pk=dispute.pk)
        )
        if by is not None and not in_scope(by, current.grid):
            raise NotInScope()
        if expected_version is not None and current.version != expected_version:
            raise Conflict(
                _(
                    "The case changed while you were looking at it (now: %(stage)s). "
                    "Reload it and try again."
                )
                % {"stage": current.get_stage_display()}
            )
        if check:
            check_allowed(by, current, action)
        now = timezone.now()
        change = decide(current, now)
        from_stage = current.stage
        fields = dict(change.fields or {})
        if change.to_stage is not None and (
            change.to_stage != from_stage or action == Action.FOLLOW_UP
        ):
            fields = {**_stage_fields(current, change.to_stage, now), **fields}
        fields["version"] = current.version + 1
        # The version check makes the save conditional: where row locks do not
        # exist (SQLite) or were skipped, a concurrent winner makes this 0 rows.
        # ``current`` is locked and was read above: its values are the before.
        updated = audited_update_row(
            Dispute.objects.filter(version=current.version), current, **fields
        )
        if updated != 1:
            raise Conflict(_("The case changed while you were acting. Reload it."))
        for name, value in fields.items():
            setattr(current, name, value)
            setattr(dispute, name, value)
        event = DisputeEvent.objects.create(
            dispute=current,
            actor=by,
            action=action,
            from_stage=from_stage,
            to_stage=current.stage,
            reason=change.reason,
            data=change.data or {},
            created_at=now,
        )
        _emit(current, event)
        transaction.on_commit(partial(_enqueue_notifications, event.pk))
    return event


def _enqueue_notifications(event_id: int) -> None:
    from .tasks import notify_event_task

    notify_event_task.delay(event_id)


def _enqueue_notifications_all(event_ids: list[int]) -> None:
    from .tasks import notify_events_task

    notify_events_task.delay(event_ids)


def event_payload(dispute: Dispute, event: DisputeEvent) -> dict[str, Any]:
    """The case with the move an event records, as other systems see it."""
    return {
        **dispute_payload(dispute),
        "action": event.action,
        "from_stage": event.from_stage,
        "to_stage": event.to_stage,
        "event_id": event.pk,
    }


def _emit(dispute: Dispute, event: DisputeEvent) -> None:
    from integrations.outbox import emit

    payload = event_payload(dispute, event)
    if event.action == Action.FOLLOW_UP:
        emit("dispute.followed_up", area=dispute.grid, payload=payload)
    if event.from_stage != event.to_stage or event.action == Action.FOLLOW_UP:
        emit("dispute.stage_changed", area=dispute.grid, payload=payload)


def dispute_payload(dispute: Dispute) -> dict[str, Any]:
    """The case as other systems see it in events (no personal data)."""
    return {
        "id": dispute.pk,
        "number": dispute.number,
        "grid": dispute.grid.code,
        "category_id": dispute.category_id,
        "risk": dispute.risk,
        "stage": dispute.stage,
        "version": dispute.version,
        "due_at": dispute.due_at.isoformat() if dispute.due_at else None,
        "resolved_level": dispute.resolved_level,
        "external_system": dispute.external_system,
        "external_id": dispute.external_id,
    }


def _require(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("%(field)s is required.") % {"field": label})
    return value


# --- the transitions ------------------------------------------------------------


def escalate(
    dispute: Dispute,
    *,
    by: User | None,
    reason: str,
    automatic: bool = False,
    **kw: Any,
) -> DisputeEvent:
    """One level up: grid → village review → township → district."""
    reason = _require(reason, _("A reason"))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(
            to_stage=NEXT_UP[case.stage],
            fields={"handler": None},
            reason=reason,
            data={"automatic": automatic} if automatic else {},
        )

    return perform(dispute, Action.ESCALATE, by=by, decide=decide, **kw)


def escalate_automatically(cases: list[Dispute], *, reason: str) -> list[DisputeEvent]:
    """``escalate(case, by=None, automatic=True)`` for many cases at once (the
    overdue sweep), with the same writes: the stage fields, version and
    handler through audited updates, one escalation event per case, its
    ``dispute.stage_changed`` outbox event, and the notifications after the
    commit. The number of statements grows with the distinct new stages and
    deadlines, not with the cases. Any case that cannot move raises, and the
    caller's transaction rolls back whole."""
    from integrations.outbox import emit_many

    reason = _require(reason, _("A reason"))
    if not cases:
        return []
    with transaction.atomic():
        current = list(
            Dispute.objects.select_for_update(of=("self",))
            .filter(pk__in=[case.pk for case in cases])
            .order_by("pk")
        )
        if len(current) != len(cases):
            raise Conflict(_("The case changed while you were acting. Reload it."))
        _attach_grids(current, cases)
        for case in current:
            check_allowed(None, case, Action.ESCALATE)
        now = timezone.now()
        dues = dues_for(
            {(NEXT_UP[c.stage], c.risk, c.category_id) for c in current}, now
        )
        groups: dict[tuple[tuple[str, Any], ...], list[Dispute]] = {}
        for case in current:
            to_stage = NEXT_UP[case.stage]
            due = dues[(to_stage, case.risk, case.category_id)][:2]
            fields = {**_stage_fields(case, to_stage, now, due), "handler": None}
            groups.setdefault(tuple(fields.items()), []).append(case)
        from_stages = {case.pk: case.stage for case in current}
        changes: dict[Any, dict[str, Any]] = {}
        for items, group in groups.items():
            fields = dict(items)
            # The rows are locked: the version moves on by one for each, as a
            # single escalation's conditional save would move it.
            updated = audited_update(
                Dispute.objects.filter(pk__in=[case.pk for case in group]),
                **fields,
                version=F("version") + 1,
            )
            if updated != len(group):
                raise Conflict(_("The case changed while you were acting. Reload it."))
            for case in group:
                changes[case.pk] = {**fields, "version": case.version + 1}
                for name, value in changes[case.pk].items():
                    setattr(case, name, value)
        events = DisputeEvent.objects.record(
            DisputeEvent(
                dispute=case,
                actor=None,
                action=Action.ESCALATE,
                from_stage=from_stages[case.pk],
                to_stage=case.stage,
                reason=reason,
                data={"automatic": True},
                created_at=now,
            )
            for case in current
        )
        emit_many(
            "dispute.stage_changed",
            [
                (event.dispute.grid, event_payload(event.dispute, event))
                for event in events
            ],
        )
        transaction.on_commit(
            partial(_enqueue_notifications_all, [event.pk for event in events])
        )
    for case in cases:
        for name, value in changes[case.pk].items():
            setattr(case, name, value)
    return events


def _attach_grids(current: list[Dispute], given: list[Dispute]) -> None:
    """Give the re-read cases their grids: those the caller had loaded (the
    sweep reads them with the batch), the others with one query."""
    loaded = {case.grid_id: case.grid for case in given if Dispute.grid.is_cached(case)}
    missing = {case.grid_id for case in current} - set(loaded)
    if missing:
        from grids.models import Area

        loaded.update(Area.objects.in_bulk(missing))
    for case in current:
        Dispute.grid.field.set_cached_value(case, loaded[case.grid_id])


def return_to_grid(
    dispute: Dispute, *, by: User | None, reason: str, **kw: Any
) -> DisputeEvent:
    """From village review back to the grid for missing facts."""
    reason = _require(reason, _("A reason"))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(to_stage=Stage.GRID, fields={"handler": None}, reason=reason)

    return perform(dispute, Action.RETURN, by=by, decide=decide, **kw)


def resolve(
    dispute: Dispute, *, by: User | None, outcome: str, method: str, **kw: Any
) -> DisputeEvent:
    """Resolved at the current level: the grid goes straight to the follow-up
    visit; a higher level sends the outcome back down level by level."""
    outcome = _require(outcome, _("The outcome"))
    if method not in Dispute.ResolutionMethod.values:
        raise DomainError(_("Choose a resolution method from the list."))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        level = Dispute.STAGE_LEVEL[case.stage]
        fields = {
            "resolved_level": level,
            "resolved_at": now,
            "resolution_method": method,
            "outcome": outcome,
            "feedback_level": level_below(level),
            "satisfied": None,
        }
        return Change(
            to_stage=MOVES[Action.RESOLVE][case.stage],
            fields=fields,
            reason=outcome,
            data={"method": method, "level": level},
        )

    return perform(dispute, Action.RESOLVE, by=by, decide=decide, **kw)


def acknowledge_feedback(
    dispute: Dispute, *, by: User | None, note: str = "", **kw: Any
) -> DisputeEvent:
    """The level awaited confirms the outcome; the next one down is awaited,
    and after the grid the case goes to the follow-up visit."""

    def decide(case: Dispute, now: dt.datetime) -> Change:
        level = case.feedback_level
        below = level_below(level) if level else None
        if below is None:
            return Change(
                to_stage=Stage.FOLLOW_UP,
                fields={"feedback_level": None},
                reason=note,
                data={"level": level},
            )
        # Still in feedback, awaited from the next level down: a new clock.
        fields = _stage_fields(case, Stage.FEEDBACK, now)
        fields["feedback_level"] = below
        return Change(fields=fields, reason=note, data={"level": level})

    return perform(dispute, Action.ACKNOWLEDGE_FEEDBACK, by=by, decide=decide, **kw)


def follow_up(
    dispute: Dispute, *, by: User | None, satisfied: bool, notes: str = "", **kw: Any
) -> DisputeEvent:
    """The follow-up visit: satisfied closes the loop; not satisfied reopens
    the case at the level that resolved it."""

    def decide(case: Dispute, now: dt.datetime) -> Change:
        fields: dict[str, Any] = {"satisfied": satisfied, "followed_up_at": now}
        if satisfied:
            fields["closed_at"] = now
            target = Stage.CLOSED
        else:
            target = Dispute.LEVEL_STAGE[case.resolved_level or Level.GRID]
            fields.update(
                resolved_level=None,
                resolved_at=None,
                feedback_level=None,
                handler=None,
            )
        return Change(
            to_stage=target,
            fields=fields,
            reason=notes,
            data={"satisfied": satisfied, "resolved_level": case.resolved_level},
        )

    return perform(dispute, Action.FOLLOW_UP, by=by, decide=decide, **kw)


def reject(
    dispute: Dispute,
    *,
    by: User | None,
    reason: str,
    duplicate_of: Dispute | None = None,
    **kw: Any,
) -> DisputeEvent:
    """Not a dispute, or a duplicate of another case."""
    reason = _require(reason, _("A reason"))
    if duplicate_of is not None and duplicate_of.pk == dispute.pk:
        raise DomainError(_("A case cannot duplicate itself."))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(
            to_stage=Stage.REJECTED,
            fields={"duplicate_of": duplicate_of},
            reason=reason,
            data={"duplicate_of": duplicate_of.number} if duplicate_of else {},
        )

    return perform(dispute, Action.REJECT, by=by, decide=decide, **kw)


def transfer(
    dispute: Dispute, *, by: User | None, to: str, reason: str, **kw: Any
) -> DisputeEvent:
    """Handed to a court, arbitration or another authority (诉调对接)."""
    to = _require(to, _("The receiving authority"))
    reason = _require(reason, _("A reason"))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(
            to_stage=Stage.TRANSFERRED,
            fields={"outcome": _("Transferred to %(to)s") % {"to": to}},
            reason=reason,
            data={"to": to},
        )

    return perform(dispute, Action.TRANSFER, by=by, decide=decide, **kw)


def withdraw(
    dispute: Dispute, *, by: User | None, reason: str, **kw: Any
) -> DisputeEvent:
    reason = _require(reason, _("A reason"))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(to_stage=Stage.WITHDRAWN, reason=reason)

    return perform(dispute, Action.WITHDRAW, by=by, decide=decide, **kw)


def assign(
    dispute: Dispute, *, by: User | None, person: User, note: str = "", **kw: Any
) -> DisputeEvent:
    """Name the person handling the case; they must work in its area."""
    if by is not None and not in_scope(by, dispute.grid):
        raise NotInScope()
    if person is None or not person.is_active or not in_scope(person, dispute.grid):
        raise DomainError(_("The person must work in the case's area."))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(
            fields={"handler": person},
            reason=note,
            data={"handler": person.pk, "handler_name": person.display_name},
        )

    return perform(dispute, Action.ASSIGN, by=by, decide=decide, **kw)


def consult(
    dispute: Dispute,
    *,
    by: User | None,
    departments: Iterable[str],
    conclusions: str,
    **kw: Any,
) -> DisputeEvent:
    """A township joint consultation (联动会商): departments present and the
    conclusions, recorded on the timeline."""
    departments = [d.strip() for d in departments if d and d.strip()]
    if not departments:
        raise DomainError(_("Name the departments present."))
    conclusions = _require(conclusions, _("The conclusions"))

    def decide(case: Dispute, now: dt.datetime) -> Change:
        return Change(reason=conclusions, data={"departments": departments})

    return perform(dispute, Action.CONSULT, by=by, decide=decide, **kw)


def report_in_deadline(
    risk: str, category_id: int | None, start: dt.datetime
) -> dt.datetime:
    policy = policy_for(DeadlinePolicy.REPORT_IN, risk, category_id)
    if policy is None:
        return start + dt.timedelta(hours=2)
    return add_duration(start, policy.duration, policy.unit)


def _grid_officers(grid: Area, on: dt.date) -> list[Any]:
    from policing.models import Person

    return list(Person.objects.officers_of(grid.pk, on=on)[:1])


def blow_whistle(
    *,
    grid: Area,
    by: User | None,
    reason: str,
    dispute: Dispute | None = None,
    people: Iterable[Any] = (),
    departments: Iterable[str] = (),
    report_in_deadline: dt.datetime | None = None,
    summon_officer: bool = True,
    now: dt.datetime | None = None,
) -> Whistle:
    """Create a whistle and its summonses; call inside a transaction."""
    from integrations.outbox import emit

    now = now or timezone.now()
    if report_in_deadline is None:
        report_in_deadline = report_in_deadline_for(dispute, now)
    if report_in_deadline <= now:
        raise DomainError(_("The report-in deadline must be in the future."))
    people = list(people)
    if summon_officer:
        people += [
            p for p in _grid_officers(grid, timezone.localdate(now)) if p not in people
        ]
    departments = [d.strip() for d in departments if d and d.strip()]
    if not people and not departments:
        raise DomainError(
            _("Summon at least one person or department (the grid has no officer).")
        )
    whistle = Whistle.objects.create(
        dispute=dispute,
        grid=grid,
        created_by=by,
        reason=reason,
        report_in_deadline=report_in_deadline,
        created_at=now,
    )
    summonses = [WhistleSummons(whistle=whistle, person=p) for p in people] + [
        WhistleSummons(whistle=whistle, department=d) for d in departments
    ]
    WhistleSummons.objects.bulk_create(summonses)
    emit(
        "whistle.created",
        area=grid,
        payload={
            "id": whistle.pk,
            "grid": grid.code,
            "dispute": dispute.number if dispute else None,
            "report_in_deadline": report_in_deadline.isoformat(),
            "summoned": [s.label for s in summonses],
        },
    )
    transaction.on_commit(partial(_enqueue_whistle, whistle.pk))
    return whistle


def report_in_deadline_for(dispute: Dispute | None, now: dt.datetime) -> dt.datetime:
    if dispute is None:
        return report_in_deadline("", None, now)
    return report_in_deadline(dispute.risk, dispute.category_id, now)


def _enqueue_whistle(whistle_id: int) -> None:
    from .tasks import notify_whistle_task

    notify_whistle_task.delay(whistle_id)


def whistle(
    dispute: Dispute,
    *,
    by: User | None,
    reason: str,
    people: Iterable[Any] = (),
    departments: Iterable[str] = (),
    report_in_deadline: dt.datetime | None = None,
    **kw: Any,
) -> Whistle:
    """Summon the grid's officer and named departments to a case."""
    reason = _require(reason, _("A reason"))
    created: dict[str, Whistle] = {}

    def decide(case: Dispute, now: dt.datetime) -> Change:
        w = blow_whistle(
            grid=case.grid,
            by=by,
            reason=reason,
            dispute=case,
            people=people,
            departments=departments,
            report_in_deadline=report_in_deadline,
            now=now,
        )
        created["whistle"] = w
        return Change(
            reason=reason,
            data={
                "whistle": w.pk,
                "summoned": [s.label for s in w.summonses.all()],
                "report_in_deadline": w.report_in_deadline.isoformat(),
            },
        )

    perform(dispute, Action.WHISTLE, by=by, decide=decide, **kw)
    return created["whistle"]


def may_report_in(user: User, summons: WhistleSummons) -> bool:
    if not in_scope(user, summons.whistle.grid):
        return False
    if summons.person_id:
        person_user = getattr(summons.person, "user_id", None)
        return person_user == user.pk or acting_level(user) == Level.DISTRICT
    # A department's summons: its liaison, or center staff recording it.
    return acting_level(user) in (Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT)


def report_in(summons: WhistleSummons, *, by: User, note: str = "") -> WhistleSummons:
    """A summoned party reports in (报到)."""
    from integrations.outbox import emit

    with transaction.atomic():
        current = (
            WhistleSummons.objects.select_for_update(of=("self",))
            .select_related("whistle__grid", "whistle__dispute", "person")
            .get(pk=summons.pk)
        )
        if not in_scope(by, current.whistle.grid):
            raise NotInScope()
        if current.reported_in_at is not None:
            raise InvalidTransition(_("This summons has already reported in."))
        if not may_report_in(by, current):
            raise NotAllowed(_("Only the summoned party reports in."))
        now = timezone.now()
        updated = audited_update(
            WhistleSummons.objects.filter(pk=current.pk, reported_in_at__isnull=True),
            reported_in_at=now,
            reported_in_by=by,
            note=note,
        )
        if updated != 1:
            raise Conflict(_("This summons changed while you were acting."))
        current.reported_in_at, current.reported_in_by, current.note = now, by, note
        whistle_ = current.whistle
        emit(
            "whistle.reported_in",
            area=whistle_.grid,
            payload={
                "whistle": whistle_.pk,
                "summons": current.pk,
                "party": current.label,
                "late": now > whistle_.report_in_deadline,
                "dispute": whistle_.dispute.number if whistle_.dispute_id else None,
            },
        )
        if whistle_.dispute_id:
            case = whistle_.dispute
            # The timeline records it; the stage does not move.
            audited_update(Dispute.objects.filter(pk=case.pk), version=case.version + 1)
            DisputeEvent.objects.create(
                dispute=case,
                actor=by,
                action=Action.REPORT_IN,
                from_stage=case.stage,
                to_stage=case.stage,
                reason=note,
                data={"summons": current.pk, "party": current.label},
                created_at=now,
            )
    return current


def report_in_for_dispute(
    dispute: Dispute,
    *,
    by: User,
    summons: WhistleSummons | int | None = None,
    note: str = "",
) -> WhistleSummons:
    """Report in on a case's whistle: the given summons, or the caller's own
    pending one."""
    if not in_scope(by, dispute.grid):
        raise NotInScope()
    pending = WhistleSummons.objects.filter(
        whistle__dispute=dispute, reported_in_at__isnull=True
    ).select_related("whistle__grid", "person")
    if summons is not None:
        pk = getattr(summons, "pk", summons)
        target = (
            pending.filter(pk=pk).first()
            or WhistleSummons.objects.filter(pk=pk, whistle__dispute=dispute).first()
        )
    else:
        target = next((s for s in pending.order_by("pk") if may_report_in(by, s)), None)
    if target is None:
        raise InvalidTransition(_("There is no summons awaiting your report-in."))
    return report_in(target, by=by, note=note)


# --- intake ---------------------------------------------------------------------


def find_similar(
    *,
    grid: Area,
    phones: Iterable[str] = (),
    id_numbers: Iterable[str] = (),
    names: Iterable[str] = (),
    days: int = 30,
    now: dt.datetime | None = None,
) -> list[Dispute]:
    """Cases in the same grid from the last ``days`` days sharing a party's
    phone, ID number or name: the intake page warns about them."""
    from django.db.models import Q

    from core.crypto import blind_index
    from core.validators import phone_key

    now = now or timezone.now()
    q = Q()
    hashes = [blind_index(phone_key(p)) for p in phones if p]
    if hashes:
        q |= Q(parties__phone_hash__in=hashes)
    ids = [blind_index(i) for i in id_numbers if i]
    if ids:
        q |= Q(parties__id_number_hash__in=ids)
    names = [n.strip() for n in names if n and n.strip()]
    if names:
        q |= Q(parties__name__in=names)
    if not q:
        return []
    return list(
        Dispute.objects.filter(
            q, grid=grid, created_at__gte=now - dt.timedelta(days=days)
        )
        .distinct()
        .order_by("-created_at", "-pk")[:5]
    )


def intake(
    *,
    by: User | None,
    grid: Area,
    category: Any,
    title: str,
    description: str = "",
    risk: str = Dispute.Risk.BLUE,
    source: str = Dispute.Source.GRID_VISIT,
    occurred_at: dt.datetime | None = None,
    parties: Iterable[dict[str, Any]] = (),
    external_system: str = "",
    external_id: str = "",
    now: dt.datetime | None = None,
) -> tuple[Dispute, bool]:
    """Record a new case in the grid stage; returns ``(case, created)``.

    The same (external_system, external_id) twice returns the existing case
    (``created`` False). A red case whistles the grid's officer at once.
    """
    from core.validators import phone_key
    from integrations.outbox import emit

    if grid.level != "grid":
        raise DomainError(_("A case is recorded in a grid."))
    if by is not None and not in_scope(by, grid):
        raise NotInScope()
    if by is not None and acting_level(by) is None and by.role != Role.INTEGRATION:
        raise NotAllowed(_("Your role may not record disputes."))
    title = _require(title, _("A title"))
    if external_id:
        existing = Dispute.objects.filter(
            external_system=external_system, external_id=external_id
        ).first()
        if existing is not None:
            return existing, False
    now = now or timezone.now()
    # Everything that only reads comes before the case number: the counter
    # row stays locked from its allocation to the commit, so concurrent
    # intakes queue there only for the inserts below.
    normalised = []
    for party in parties:
        values = dict(party)
        if values.get("phone"):
            values["phone"] = phone_key(values["phone"])
        if values.get("id_number"):
            values["id_number"] = "".join(str(values["id_number"]).split()).upper()
        normalised.append(values)
    summon = risk == Dispute.Risk.RED and bool(
        _grid_officers(grid, timezone.localdate(now))
    )
    try:
        with transaction.atomic():
            case = Dispute(
                grid=grid,
                category=category,
                title=title,
                description=description,
                risk=risk,
                source=source,
                occurred_at=occurred_at,
                created_at=now,
                created_by=by if by is not None and by.is_authenticated else None,
                external_system=external_system,
                external_id=external_id,
            )
            for name, value in _stage_fields(case, Stage.GRID, now).items():
                setattr(case, name, value)
            case.reached_level = Level.GRID
            case.number = CaseNumberCounter.allocate(timezone.localtime(now).year)
            case.save(force_insert=True)
            for values in normalised:
                Party.objects.create(dispute=case, **values)
            event = DisputeEvent.objects.create(
                dispute=case,
                actor=case.created_by,
                action=Action.CREATED,
                from_stage="",
                to_stage=case.stage,
                reason="",
                data={"source": source, "risk": risk},
                created_at=now,
            )
            emit("dispute.created", area=grid, payload=dispute_payload(case))
            if risk == Dispute.Risk.RED:
                w = (
                    blow_whistle(
                        grid=grid,
                        by=case.created_by,
                        reason=_("Red-risk case %(number)s: report in at once.")
                        % {"number": case.number},
                        dispute=case,
                        now=now,
                        summon_officer=True,
                    )
                    if summon
                    else None
                )
                if w is not None:
                    DisputeEvent.objects.create(
                        dispute=case,
                        actor=None,
                        action=Action.WHISTLE,
                        from_stage=case.stage,
                        to_stage=case.stage,
                        reason=w.reason,
                        data={
                            "whistle": w.pk,
                            "automatic": True,
                            "summoned": [s.label for s in w.summonses.all()],
                            "report_in_deadline": w.report_in_deadline.isoformat(),
                        },
                        created_at=now,
                    )
                else:
                    logger.warning(
                        "red case %s: grid %s has no officer", case.number, grid.code
                    )
            transaction.on_commit(partial(_enqueue_notifications, event.pk))
    except IntegrityError:
        if not external_id:
            raise
        # A concurrent intake with the same external reference won.
        existing = Dispute.objects.filter(
            external_system=external_system, external_id=external_id
        ).first()
        if existing is None:
            raise
        return existing, False
    return case, True


def attach(dispute: Dispute, *, by: User | None, files: Iterable[Any]) -> list[Any]:
    """Store checked uploads (``core.uploads.check_upload`` already ran on
    them) and note them on the timeline."""
    from core.uploads import check_upload

    from .models import Attachment

    if by is not None and not in_scope(by, dispute.grid):
        raise NotInScope()
    if dispute.stage in Dispute.END_STAGES:
        raise InvalidTransition(_("The case is finished; nothing can be added."))
    created = []
    with transaction.atomic():
        for f in files:
            mime = check_upload(f)
            created.append(
                Attachment.objects.create(
                    dispute=dispute,
                    file=f,
                    content_type=mime,
                    size=f.size,
                    original_name=str(getattr(f, "name", ""))[:200],
                    uploaded_by=by,
                )
            )
        if created:
            DisputeEvent.objects.create(
                dispute=dispute,
                actor=by,
                action=Action.ATTACHMENT,
                from_stage=dispute.stage,
                to_stage=dispute.stage,
                data={"files": [a.original_name for a in created]},
            )
    return created
