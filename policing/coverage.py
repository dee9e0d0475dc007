"""The coverage rules of the forces, computed for any date.

Plain functions over querysets, scoped by the viewer, so pages, the API and
the dashboards compute the same figures:

- ``grids_without_officer``: 一格一警, every grid has a community officer
  assigned to it (directly, as ``PersonQuerySet.officers_of`` reads it);
- ``zones_short_of_force``: 一区一警两辅, every police zone has at least one
  community officer and two police assistants, assigned to the zone or to one
  of its grids;
- ``station_sinking``: per station, the share of its sworn officers (community
  officers and the case team / command office) with a grid or zone assignment;
  target at least 50%;
- ``grid_forces``: per grid its 1+X+N force: officers (direct), X assistants
  and grid workers, N volunteers (direct or through the grid's zone).

``coverage_summary(user, on=date)`` returns all four with their gaps; each gap
carries a ``fix_url`` to the form or list where it is put right.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, PoliceZone

from .models import Assignment, Person, Station

if TYPE_CHECKING:
    from core.models import User

SUNK_TARGET = 0.5
ZONE_ASSISTANTS = 2


@dataclass
class Gap:
    """One place where a rule is not met, and where to fix it."""

    kind: str
    id: int
    code: str
    name: str
    message: str
    fix_url: str
    parent: str = ""


@dataclass
class RuleResult:
    key: str
    label: str
    total: int
    met: int
    target: float
    gaps: list[Gap] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return round(self.met / self.total, 4) if self.total else None

    @property
    def ok(self) -> bool:
        return not self.gaps

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate"] = self.rate
        return data


def parse_day(value: str | None) -> dt.date | None:
    """A date from ``YYYY-MM-DD``; None when missing or not a real date."""
    from django.utils.dateparse import parse_date

    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _assignment_url(**params: Any) -> str:
    return f"{reverse('policing:assignment_create')}?{urlencode(params)}"


def _grid_parent_names(grids: list[Area]) -> dict[str, str]:
    paths = {g.path[: -Area.steplen] for g in grids}
    return dict(Area.objects.filter(path__in=paths).values_list("path", "name"))


def _current(on: dt.date) -> Any:
    return Assignment.objects.current(on).filter(person__active=True)


def grids_without_officer(user: User, on: dt.date | None = None) -> RuleResult:
    """一格一警: visible grids and those with no community officer on ``on``."""
    on = _today(on)
    grids = Area.objects.visible_to(user).grids()
    covered = set(
        _current(on)
        .filter(role=Assignment.Role.COMMUNITY_OFFICER, grid__in=grids)
        .values_list("grid_id", flat=True)
    )
    all_grids = list(grids.only("id", "code", "name", "path"))
    missing = [g for g in all_grids if g.pk not in covered]
    parents = _grid_parent_names(missing)
    gaps = [
        Gap(
            kind="grid",
            id=g.pk,
            code=g.code,
            name=g.name,
            parent=Area(name=parents.get(g.path[: -Area.steplen], "")).short_name,
            message=_("No community officer"),
            fix_url=_assignment_url(grid=g.code, role="community_officer"),
        )
        for g in missing
    ]
    return RuleResult(
        key="grid_officer",
        label=_("One officer per grid"),
        total=len(all_grids),
        met=len(all_grids) - len(missing),
        target=1.0,
        gaps=gaps,
    )


def zones_short_of_force(user: User, on: dt.date | None = None) -> RuleResult:
    """一区一警两辅: zones lacking an officer or two assistants on ``on``."""
    on = _today(on)
    zones = list(
        PoliceZone.objects.visible_to(user)
        .select_related("area")
        .order_by("code", "pk")
    )
    zone_ids = [z.pk for z in zones]
    people: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    roles = [Assignment.Role.COMMUNITY_OFFICER, Assignment.Role.POLICE_ASSISTANT]
    rows = _current(on).filter(role__in=roles)
    for zone_id, role, person_id in rows.filter(zone_id__in=zone_ids).values_list(
        "zone_id", "role", "person_id"
    ):
        people[zone_id][role].add(person_id)
    for zone_id, role, person_id in rows.filter(
        grid__police_zone_id__in=zone_ids
    ).values_list("grid__police_zone_id", "role", "person_id"):
        people[zone_id][role].add(person_id)
    gaps = []
    table = []
    for zone in zones:
        officers = len(people[zone.pk][Assignment.Role.COMMUNITY_OFFICER])
        assistants = len(people[zone.pk][Assignment.Role.POLICE_ASSISTANT])
        table.append(
            {
                "id": zone.pk,
                "code": zone.code,
                "name": zone.name,
                "officers": officers,
                "assistants": assistants,
            }
        )
        problems = []
        if officers < 1:
            problems.append(_("no community officer"))
        if assistants < ZONE_ASSISTANTS:
            problems.append(
                _("%(n)s of %(need)s police assistants")
                % {"n": assistants, "need": ZONE_ASSISTANTS}
            )
        if problems:
            role = "community_officer" if officers < 1 else "police_assistant"
            gaps.append(
                Gap(
                    kind="zone",
                    id=zone.pk,
                    code=zone.code,
                    name=zone.name,
                    parent=zone.area.short_name,
                    message="; ".join(str(p) for p in problems),
                    fix_url=_assignment_url(zone=zone.code, role=role),
                )
            )
    return RuleResult(
        key="zone_force",
        label=_("One officer and two assistants per zone"),
        total=len(zones),
        met=len(zones) - len(gaps),
        target=1.0,
        gaps=gaps,
        rows=table,
    )


def station_sinking(user: User, on: dt.date | None = None) -> RuleResult:
    """Per visible station, the share of its active sworn officers holding a
    grid or zone assignment on ``on``; a gap below ``SUNK_TARGET``. ``total``
    and ``met`` count officers (the district-wide share), ``rows`` stations."""
    on = _today(on)
    stations = list(Station.objects.visible_to(user).order_by("code", "pk"))
    sunk_ids = _current(on).values("person_id")
    counts = {
        row["station_id"]: row
        for row in Person.objects.active()
        .sworn()
        .filter(station__in=stations)
        .values("station_id")
        .annotate(
            officers=Count("pk"),
            sunk=Count("pk", filter=Q(pk__in=sunk_ids)),
        )
    }
    gaps = []
    table = []
    officers_total = sunk_total = 0
    for station in stations:
        row = counts.get(station.pk, {"officers": 0, "sunk": 0})
        officers, sunk = row["officers"], row["sunk"]
        officers_total += officers
        sunk_total += sunk
        share = round(sunk / officers, 4) if officers else None
        table.append(
            {
                "id": station.pk,
                "code": station.code,
                "name": station.name,
                "officers": officers,
                "sunk": sunk,
                "share": share,
                "meets": share is not None and share >= SUNK_TARGET,
            }
        )
        if share is None or share < SUNK_TARGET:
            gaps.append(
                Gap(
                    kind="station",
                    id=station.pk,
                    code=station.code,
                    name=station.name,
                    message=_("%(sunk)s of %(officers)s officers sunk into grids")
                    % {"sunk": sunk, "officers": officers},
                    fix_url=(
                        f"{reverse('policing:people')}?"
                        + urlencode({"station": station.pk, "role": "police_officer"})
                    ),
                )
            )
    return RuleResult(
        key="station_sunk",
        label=_("Officers sunk into grids (at least 50%)"),
        total=officers_total,
        met=sunk_total,
        target=SUNK_TARGET,
        gaps=gaps,
        rows=table,
    )


def grid_forces(user: User, on: dt.date | None = None) -> RuleResult:
    """Per visible grid its 1+X+N force on ``on``: officers assigned to the
    grid, X assistants and grid workers, N volunteers (grid or its zone). A
    grid missing any of the three is a gap."""
    on = _today(on)
    grids = list(
        Area.objects.visible_to(user)
        .grids()
        .only("id", "code", "name", "path", "police_zone_id")
    )
    grid_ids = [g.pk for g in grids]
    zone_ids = {g.police_zone_id for g in grids if g.police_zone_id}
    current = _current(on)
    by_grid: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for grid_id, role, person_id in current.filter(grid_id__in=grid_ids).values_list(
        "grid_id", "role", "person_id"
    ):
        by_grid[grid_id][role].add(person_id)
    by_zone: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for zone_id, role, person_id in current.filter(zone_id__in=zone_ids).values_list(
        "zone_id", "role", "person_id"
    ):
        by_zone[zone_id][role].add(person_id)
    R = Assignment.Role
    gaps = []
    table = []
    parents = _grid_parent_names(grids)
    for g in grids:
        own = by_grid[g.pk]
        zone = by_zone[g.police_zone_id] if g.police_zone_id else {}
        officers = len(own[R.COMMUNITY_OFFICER])
        x = len(
            own[R.POLICE_ASSISTANT]
            | own[R.GRID_WORKER]
            | zone.get(R.POLICE_ASSISTANT, set())
            | zone.get(R.GRID_WORKER, set())
        )
        n = len(own[R.VOLUNTEER_POLICE] | zone.get(R.VOLUNTEER_POLICE, set()))
        parent = Area(name=parents.get(g.path[: -Area.steplen], "")).short_name
        table.append(
            {
                "id": g.pk,
                "code": g.code,
                "name": g.name,
                "village": parent,
                "officers": officers,
                "x": x,
                "n": n,
            }
        )
        missing = []
        if officers < 1:
            missing.append(_("officer"))
        if x < 1:
            missing.append(_("assistants or grid workers"))
        if n < 1:
            missing.append(_("volunteers"))
        if missing:
            gaps.append(
                Gap(
                    kind="grid",
                    id=g.pk,
                    code=g.code,
                    name=g.name,
                    parent=parent,
                    message=_("Missing: %(what)s")
                    % {"what": ", ".join(str(m) for m in missing)},
                    fix_url=reverse("grids:grid", args=[g.code]),
                )
            )
    return RuleResult(
        key="grid_force",
        label=_("1+X+N force per grid"),
        total=len(grids),
        met=len(grids) - len(gaps),
        target=1.0,
        gaps=gaps,
        rows=table,
    )


class _Narrowed:
    """The viewer seen through one area of their scope: the rules then read
    that subtree only (every other attribute is the viewer's)."""

    def __init__(self, user: Any, area: Area) -> None:
        self._user = user
        self.area = area
        self.area_id = area.pk
        self._scope_path = area.path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)


def narrowed(user: Any, area: Area | None) -> Any:
    """``user`` limited to ``area``'s subtree; raises NotInScope when the
    area lies outside the user's scope."""
    from core.exceptions import NotInScope
    from core.scope import in_scope

    if area is None:
        return user
    if not in_scope(user, area):
        raise NotInScope()
    return _Narrowed(user, area)


def coverage_summary(
    user: User, on: dt.date | None = None, *, within: Area | None = None
) -> dict[str, Any]:
    """All coverage rules for the viewer's scope (or the ``within`` subtree of
    it) on ``on`` (today by default): ``{"on": date, "within": area or None,
    "rules": {key: RuleResult}}``, keys ``grid_officer``, ``zone_force``,
    ``station_sunk``, ``grid_force``. Raises NotInScope for an area outside
    the viewer's scope."""
    on = _today(on)
    user = narrowed(user, within)
    rules = [
        grids_without_officer(user, on),
        zones_short_of_force(user, on),
        station_sinking(user, on),
        grid_forces(user, on),
    ]
    return {"on": on, "within": within, "rules": {r.key: r for r in rules}}
