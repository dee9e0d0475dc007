"""Hazard deadline sweeps, registered with the shared ``core.sweep`` engine
(the same machinery as dispute deadlines, not a copy):

- ``hazards.overdue``: an open hazard past its rectification deadline is
  marked once (``overdue_at``), and the grid's people, the reporter and the
  village center (the supervisor) are notified once;
- ``hazards.escalation``: one still open some days past its deadline (the
  policy below, by kind) is escalated once to the township center.

Each notification carries a dedup key that includes the deadline, so a rerun
or a run after a crash notifies nobody twice, while a hazard reopened with a
new deadline (a failed verification) is caught again.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Role
from core.sweep import Sweep, register
from disputes.notify import notify

from .models import Assignment, Hazard

logger = logging.getLogger(__name__)

# Days past the rectification deadline before an open hazard goes up to the
# township center. Fire and building hazards endanger lives and go up first.
# Settings may override it with HAZARD_ESCALATION_DAYS = {kind: days}.
ESCALATION_DAYS: dict[str, int] = {
    Hazard.Kind.FIRE: 1,
    Hazard.Kind.BUILDING: 2,
    Hazard.Kind.TRAFFIC: 3,
    Hazard.Kind.PUBLIC_ORDER: 3,
    Hazard.Kind.OTHER: 7,
}
GRID_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.POLICE_ASSISTANT)


def escalation_days() -> dict[str, int]:
    return {**ESCALATION_DAYS, **getattr(settings, "HAZARD_ESCALATION_DAYS", {})}


def _ancestor_paths(path: str, steplen: int) -> list[str]:
    return [path[: i * steplen] for i in range(1, len(path) // steplen + 1)]


def _accounts(grid: Any, roles: tuple[str, ...], level: str | None = None) -> QuerySet:
    """Active accounts with one of ``roles`` scoped at the grid or above (at
    ``level`` only, when given)."""
    User = get_user_model()
    users = User.objects.filter(
        is_active=True,
        role__in=roles,
        area__path__in=_ancestor_paths(grid.path, grid.steplen),
    )
    if level is not None:
        users = users.filter(area__level=level)
    return users


def _posted_accounts(grid: Any, on: dt.date) -> QuerySet:
    """Accounts of the people posted to the grid on the date."""
    User = get_user_model()
    posted = Assignment.objects.current(on).filter(grid=grid).values("person_id")
    return User.objects.filter(is_active=True, person__in=posted)


def _url(hazard: Hazard) -> str:
    try:
        return reverse("policing:hazard", args=[hazard.pk])
    except Exception:  # pages not mounted (API-only deployment)
        return ""


def _body(hazard: Hazard) -> str:
    return _(
        "%(kind)s hazard at %(place)s (%(grid)s): %(description)s. "
        "Responsible: %(party)s. Deadline: %(due)s."
    ) % {
        "kind": hazard.get_kind_display(),
        "place": hazard.place or "—",
        "grid": hazard.grid.name,
        "description": hazard.description[:200],
        "party": hazard.responsible_party,
        "due": timezone.localtime(hazard.due_at).strftime("%Y-%m-%d %H:%M"),
    }


# hazards.overdue


def overdue_due(now: dt.datetime) -> QuerySet:
    return Hazard.objects.due_for_sweep(now)


def overdue_pending(now: dt.datetime) -> QuerySet:
    # A hazard fixed between marking and handling needs no notice.
    return Hazard.objects.filter(status=Hazard.Status.OPEN)


def handle_overdue(hazard: Hazard, now: dt.datetime) -> None:
    hazard = Hazard.objects.select_related("grid").get(pk=hazard.pk)
    today = timezone.localdate(now)
    recipients = (
        set(_accounts(hazard.grid, GRID_ROLES).values_list("pk", flat=True))
        | set(_posted_accounts(hazard.grid, today).values_list("pk", flat=True))
        | set(
            _accounts(hazard.grid, (Role.VILLAGE_STAFF,)).values_list("pk", flat=True)
        )
    )
    if hazard.created_by_id:
        recipients.add(hazard.created_by_id)
    notify(
        recipients=recipients,
        kind="hazard.overdue",
        title=_("Hazard not rectified by the deadline: %(grid)s")
        % {"grid": hazard.grid.name},
        body=_body(hazard),
        url=_url(hazard),
        dedup_key=f"hazard-overdue:{hazard.pk}:{hazard.due_at.isoformat()}",
    )
    logger.info("hazard %s overdue; %d notified", hazard.pk, len(recipients))


# hazards.escalation


def escalation_due(now: dt.datetime) -> QuerySet:
    by_kind = [
        Q(kind=kind, due_at__lte=now - dt.timedelta(days=days))
        for kind, days in escalation_days().items()
    ]
    return Hazard.objects.filter(
        reduce(or_, by_kind),
        status=Hazard.Status.OPEN,
        overdue_at__isnull=False,
        escalated_at__isnull=True,
    )


def escalation_pending(now: dt.datetime) -> QuerySet:
    return Hazard.objects.filter(status=Hazard.Status.OPEN, overdue_at__isnull=False)


def handle_escalation(hazard: Hazard, now: dt.datetime) -> None:
    hazard = Hazard.objects.select_related("grid").get(pk=hazard.pk)
    recipients = set(
        _accounts(hazard.grid, (Role.TOWNSHIP_STAFF,), level="township").values_list(
            "pk", flat=True
        )
    ) | set(_accounts(hazard.grid, (Role.VILLAGE_STAFF,)).values_list("pk", flat=True))
    notify(
        recipients=recipients,
        kind="hazard.escalated",
        title=_("Overdue hazard escalated to the township: %(grid)s")
        % {"grid": hazard.grid.name},
        body=_body(hazard),
        url=_url(hazard),
        dedup_key=f"hazard-escalated:{hazard.pk}:{hazard.due_at.isoformat()}",
    )
    logger.info("hazard %s escalated; %d notified", hazard.pk, len(recipients))


OVERDUE = register(
    Sweep(
        name="hazards.overdue",
        due=overdue_due,
        handle=handle_overdue,
        mark_field="overdue_at",
        handled_field="overdue_handled_at",
        pending=overdue_pending,
    )
)
ESCALATION = register(
    Sweep(
        name="hazards.escalation",
        due=escalation_due,
        handle=handle_escalation,
        mark_field="escalated_at",
        handled_field="escalation_handled_at",
        pending=escalation_pending,
    )
)
