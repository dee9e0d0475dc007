"""The dispute deadline sweeps, registered with ``core.sweep``:

- ``disputes.overdue``: a stage past its due time is marked once, gets an
  event, notifies the people acting and their supervisor, emits
  ``dispute.overdue`` and escalates when the policy says so;
- ``disputes.early_warning``: at 75% of the stage's time, a warning;
- ``disputes.report_in_overdue``: a whistle summons not reported in by the
  deadline.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from core.sweep import Sweep, register

from .deadlines import policies_for
from .models import Dispute, DisputeEvent, WhistleSummons
from .notifications import (
    notify_early_warning,
    notify_overdue_all,
    notify_summons_overdue,
)
from .transitions import NEXT_UP, dispute_payload, escalate_automatically


def _overdue_due(now: dt.datetime):  # type: ignore[no-untyped-def]
    return Dispute.objects.filter(
        stage__in=Dispute.DEADLINE_STAGES, due_at__isnull=False, due_at__lte=now
    )


def _open(now: dt.datetime):  # type: ignore[no-untyped-def]
    return Dispute.objects.filter(stage__in=Dispute.DEADLINE_STAGES)


def handle_overdue(case: Dispute, now: dt.datetime) -> None:
    handle_overdue_all([Dispute.objects.select_related("grid").get(pk=case.pk)], now)


def handle_overdue_all(cases: list[Dispute], now: dt.datetime) -> None:
    """For each case (locked, its grid loaded): the overdue event, the
    notifications, ``dispute.overdue`` in the outbox, and the escalation
    when the policy says so; a few statements for the whole list."""
    from integrations.outbox import emit_many

    DisputeEvent.objects.record(
        DisputeEvent(
            dispute=case,
            actor=None,
            action=DisputeEvent.Action.OVERDUE,
            from_stage=case.stage,
            to_stage=case.stage,
            data={"due_at": case.due_at.isoformat() if case.due_at else None},
            created_at=now,
        )
        for case in cases
    )
    notify_overdue_all(cases, now)
    emit_many("dispute.overdue", [(case.grid, dispute_payload(case)) for case in cases])
    policies = policies_for((c.stage, c.risk, c.category_id) for c in cases)
    up = [
        case
        for case in cases
        if case.stage in NEXT_UP
        and (policy := policies[(case.stage, case.risk, case.category_id)]) is not None
        and policy.auto_escalate
    ]
    if up:
        escalate_automatically(
            up, reason=_("Overdue: escalated automatically by the deadline policy.")
        )


def handle_early_warning(case: Dispute, now: dt.datetime) -> None:
    case = Dispute.objects.select_related("grid").get(pk=case.pk)
    notify_early_warning(case, now)


def _warning_due(now: dt.datetime):  # type: ignore[no-untyped-def]
    return Dispute.objects.filter(
        stage__in=Dispute.DEADLINE_STAGES,
        early_warning_at__isnull=False,
        early_warning_at__lte=now,
        due_at__gt=now,
    )


def _summons_due(now: dt.datetime):  # type: ignore[no-untyped-def]
    return WhistleSummons.objects.filter(
        reported_in_at__isnull=True, whistle__report_in_deadline__lte=now
    )


def _summons_pending(now: dt.datetime):  # type: ignore[no-untyped-def]
    return WhistleSummons.objects.filter(reported_in_at__isnull=True)


def handle_summons_overdue(summons: WhistleSummons, now: dt.datetime) -> None:
    summons = WhistleSummons.objects.select_related(
        "whistle__grid", "whistle__dispute", "person"
    ).get(pk=summons.pk)
    notify_summons_overdue(summons, now)
    case = summons.whistle.dispute
    if case is not None:
        DisputeEvent.objects.create(
            dispute=case,
            actor=None,
            action=DisputeEvent.Action.REPORT_IN_OVERDUE,
            from_stage=case.stage,
            to_stage=case.stage,
            data={"summons": summons.pk, "party": summons.label},
            created_at=now,
        )


OVERDUE = register(
    Sweep(
        name="disputes.overdue",
        due=_overdue_due,
        handle=handle_overdue,
        mark_field="overdue_at",
        handled_field="overdue_handled_at",
        extra_marks={"ever_overdue": True},
        pending=_open,
        handle_batch=handle_overdue_all,
        related=("grid",),
    )
)
EARLY_WARNING = register(
    Sweep(
        name="disputes.early_warning",
        due=_warning_due,
        handle=handle_early_warning,
        mark_field="warned_at",
        handled_field="warning_handled_at",
        pending=_open,
    )
)
REPORT_IN_OVERDUE = register(
    Sweep(
        name="disputes.report_in_overdue",
        due=_summons_due,
        handle=handle_summons_overdue,
        mark_field="overdue_at",
        handled_field="overdue_handled_at",
        pending=_summons_pending,
    )
)
