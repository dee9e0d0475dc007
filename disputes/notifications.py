"""Who is told what: recipients per level, and the messages of events,
whistles, early warnings and overdue cases. Every message carries a dedup key,
so re-running a job never notifies anyone twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Role

from .models import Dispute, DisputeEvent, Whistle, WhistleSummons
from .notify import Message, notify, notify_all

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from grids.models import Area


def _ancestor_paths(area: Area) -> list[str]:
    step = area.steplen
    return [area.path[: i * step] for i in range(1, len(area.path) // step + 1)]


def people_at_level(grid: Area, level: str | None) -> QuerySet:
    """Active accounts acting for ``level`` over ``grid``."""
    from .transitions import LEVEL_ROLES

    User = get_user_model()
    if level is None:
        return User.objects.none()
    roles = LEVEL_ROLES.get(level, ())
    return User.objects.filter(
        is_active=True, role__in=roles, area__path__in=_ancestor_paths(grid)
    )


def supervisors_of(grid: Area, level: str | None) -> QuerySet:
    from .transitions import level_above

    User = get_user_model()
    if level is None:
        return User.objects.none()
    above = level_above(level)
    if above is None:
        return User.objects.filter(
            is_active=True, role=Role.LEADER, area__path__in=_ancestor_paths(grid)
        )
    return people_at_level(grid, above)


class Recipients:
    """``people_at_level`` and ``supervisors_of`` for many (grid, level) pairs
    with one query: every active account with a role of the levels asked,
    scoped at any ancestor of the grids asked, then sorted out in memory."""

    def __init__(self, pairs: Iterable[tuple[Area, str | None]]) -> None:
        from .transitions import LEVEL_ROLES, level_above

        pairs = list(pairs)
        roles: set[str] = set()
        paths: set[str] = set()
        for grid, level in pairs:
            if level is None:
                continue
            above = level_above(level)
            roles.update(LEVEL_ROLES.get(level, ()))
            roles.update(LEVEL_ROLES.get(above, ()) if above else (Role.LEADER,))
            paths.update(_ancestor_paths(grid))
        self._accounts: dict[tuple[str, str], set[Any]] = {}
        self._found: dict[tuple[str, tuple[str, ...]], set[Any]] = {}
        if roles and paths:
            rows = (
                get_user_model()
                .objects.filter(is_active=True, role__in=roles, area__path__in=paths)
                .values_list("pk", "role", "area__path")
            )
            for pk, role, path in rows:
                self._accounts.setdefault((role, path), set()).add(pk)

    def _with_roles(self, grid: Area, roles: tuple[str, ...]) -> set[Any]:
        # A batch has many cases per grid: each grid and level is looked up once.
        key = (grid.path, roles)
        found = self._found.get(key)
        if found is None:
            found = set()
            for path in _ancestor_paths(grid):
                for role in roles:
                    found |= self._accounts.get((role, path), set())
            self._found[key] = found
        return set(found)

    def at_level(self, grid: Area, level: str | None) -> set[Any]:
        """The ids ``people_at_level(grid, level)`` would return."""
        from .transitions import LEVEL_ROLES

        if level is None:
            return set()
        return self._with_roles(grid, LEVEL_ROLES.get(level, ()))

    def supervisors(self, grid: Area, level: str | None) -> set[Any]:
        """The ids ``supervisors_of(grid, level)`` would return."""
        from .transitions import level_above

        if level is None:
            return set()
        above = level_above(level)
        if above is None:
            return self._with_roles(grid, (Role.LEADER,))
        return self.at_level(grid, above)


def case_url(dispute: Dispute) -> str:
    try:
        return reverse("disputes:detail", args=[dispute.pk])
    except Exception:  # the pages may not be mounted (API-only deployment)
        return ""


# Reversed once and filled in per case: ``reverse()`` resolves the URLconf's
# namespaces and quotes its arguments on every call (a tenth of a millisecond
# per case in a sweep batch of hundreds).
_PLACEHOLDER = 987654321


def case_urls() -> Callable[[Any], str]:
    """``case_url`` for many cases: the page's address is reversed once with a
    placeholder id, then each case's id is put in its place."""
    template = case_url(Dispute(pk=_PLACEHOLDER))
    head, found, tail = template.rpartition(str(_PLACEHOLDER))
    if not found:
        return lambda pk: ""
    return lambda pk: f"{head}{pk}{tail}"


def notify_for_event(event_id: int) -> int:
    event = (
        DisputeEvent.objects.select_related("dispute__grid", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    case = event.dispute
    level = case.acting_level
    recipients: set[Any] = set()
    if case.is_open:
        recipients |= set(
            people_at_level(case.grid, level).values_list("pk", flat=True)
        )
    if case.handler_id:
        recipients.add(case.handler_id)
    if event.action == DisputeEvent.Action.ASSIGN:
        recipients = {case.handler_id} if case.handler_id else set()
    if case.stage in Dispute.END_STAGES and case.created_by_id:
        recipients.add(case.created_by_id)
    if event.actor_id:
        recipients.discard(event.actor_id)
    title = _("%(number)s: %(action)s — now %(stage)s") % {
        "number": case.number,
        "action": event.get_action_display(),
        "stage": case.get_stage_display(),
    }
    return notify(
        recipients=recipients,
        kind=f"dispute.{event.action}",
        title=title,
        body=case.title,
        url=case_url(case),
        dedup_key=f"dispute-event:{event.pk}",
    )


def notify_for_whistle(whistle_id: int) -> int:
    w = Whistle.objects.select_related("grid", "dispute").filter(pk=whistle_id).first()
    if w is None:
        return 0
    User = get_user_model()
    recipients: set[Any] = set()
    for s in w.summonses.select_related("person"):
        if s.person_id and s.person.user_id:
            recipients.add(s.person.user_id)
        elif s.department:
            recipients |= set(
                User.objects.filter(
                    is_active=True,
                    role=Role.DEPARTMENT_LIAISON,
                    area__path__in=_ancestor_paths(w.grid),
                    person__department=s.department,
                ).values_list("pk", flat=True)
            )
    deadline = timezone.localtime(w.report_in_deadline)
    return notify(
        recipients=recipients,
        kind="whistle",
        title=_("Whistle in %(grid)s: report in by %(time)s")
        % {"grid": w.grid.name, "time": f"{deadline:%m-%d %H:%M}"},
        body=w.reason,
        url=case_url(w.dispute) if w.dispute_id else "",
        dedup_key=f"whistle:{w.pk}",
    )


def notify_overdue(case: Dispute, now: dt.datetime) -> int:
    return notify_overdue_all([case], now)


def notify_overdue_all(cases: list[Dispute], now: dt.datetime) -> int:
    """Tell the people acting on each case and their supervisors (and the
    handler) that it went overdue: one query for the recipients of all the
    cases (their grids loaded), one insert for the messages."""
    people = Recipients((case.grid, case.acting_level) for case in cases)
    # get_stage_display() hashes the choices on every call: once per batch.
    stage_names = {value: str(label) for value, label in Dispute.Stage.choices}
    url = case_urls()
    title = _("%(number)s is overdue in stage %(stage)s")
    messages = []
    for case in cases:
        level = case.acting_level
        recipients = people.at_level(case.grid, level)
        recipients |= people.supervisors(case.grid, level)
        if case.handler_id:
            recipients.add(case.handler_id)
        messages.append(
            Message(
                recipients=recipients,
                kind="dispute.overdue",
                title=title % {"number": case.number, "stage": stage_names[case.stage]},
                body=case.title,
                url=url(case.pk),
                dedup_key=f"dispute-overdue:{case.pk}:{case.stage}:{case.stage_entered_at:%Y%m%d%H%M%S%f}",
            )
        )
    return notify_all(messages)


def notify_early_warning(case: Dispute, now: dt.datetime) -> int:
    level = case.acting_level
    recipients = set(people_at_level(case.grid, level).values_list("pk", flat=True))
    if case.handler_id:
        recipients.add(case.handler_id)
    due = timezone.localtime(case.due_at) if case.due_at else None
    return notify(
        recipients=recipients,
        kind="dispute.early_warning",
        title=_("%(number)s is due %(time)s")
        % {"number": case.number, "time": f"{due:%m-%d %H:%M}" if due else "-"},
        body=case.title,
        url=case_url(case),
        dedup_key=f"dispute-warning:{case.pk}:{case.stage}:{case.stage_entered_at:%Y%m%d%H%M%S%f}",
    )


def notify_summons_overdue(summons: WhistleSummons, now: dt.datetime) -> int:
    w = summons.whistle
    recipients: set[Any] = set()
    if summons.person_id and summons.person.user_id:
        recipients.add(summons.person.user_id)
    if w.created_by_id:
        recipients.add(w.created_by_id)
    recipients |= set(supervisors_of(w.grid, "grid").values_list("pk", flat=True))
    return notify(
        recipients=recipients,
        kind="whistle.overdue",
        title=_("%(party)s has not reported in to the whistle in %(grid)s")
        % {"party": summons.label, "grid": w.grid.name},
        body=w.reason,
        url=case_url(w.dispute) if w.dispute_id else "",
        dedup_key=f"summons-overdue:{summons.pk}",
    )
