"""Officers' time: the share of their logged hours spent in their own grids.

The report's target is that community officers spend at least half of their
working time in their grids. "Their own grids" means the grids they were
assigned to on the day the work was done, so a handover mid-month counts each
day against the right grid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.scope import scope_q

from .models import Activity, Assignment, Person, TimeEntry, month_bounds

if TYPE_CHECKING:
    from core.models import User

TARGET_SHARE = 0.5


@dataclass(frozen=True)
class OfficerTime:
    """One officer's hours in one month."""

    person_id: int
    name: str
    station_id: int | None
    station_name: str
    activity_hours: float
    entry_hours: float
    in_grid_hours: float
    non_police_hours: float

    @property
    def total_hours(self) -> float:
        return round(self.activity_hours + self.entry_hours, 2)

    @property
    def share(self) -> float | None:
        """In-grid hours over all hours; None when nothing was logged."""
        if self.total_hours <= 0:
            return None
        return self.in_grid_hours / self.total_hours

    @property
    def nothing_logged(self) -> bool:
        return self.total_hours <= 0

    @property
    def below_target(self) -> bool:
        """Logged time, less than half of it in the officer's grids. An
        officer who logged nothing is ``nothing_logged``, not below."""
        return self.share is not None and self.share < TARGET_SHARE

    @property
    def needs_attention(self) -> bool:
        return self.below_target or self.nothing_logged


def _assigned_there(person_ref: str, grid_ref: str, date_ref: str) -> Exists:
    """The person held an assignment to the grid on the date."""
    return Exists(
        Assignment.objects.filter(
            person_id=OuterRef(person_ref),
            grid_id=OuterRef(grid_ref),
            start_date__lte=OuterRef(date_ref),
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef(date_ref)))
    )


def officers_for(user: User, month: dt.date) -> Any:
    """The community officers ``user`` may see: kept in their scope, or
    assigned to a grid in their scope during the month."""
    start, end = month_bounds(month)
    assigned_here = Assignment.objects.filter(
        scope_q(user, "grid"),
        person_id=OuterRef("pk"),
        start_date__lt=end,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    return Person.objects.filter(role=Person.Role.COMMUNITY_OFFICER).filter(
        scope_q(user, "area") | Q(Exists(assigned_here))
    )


def officer_time_shares(user: User, month: dt.date) -> list[OfficerTime]:
    """Each visible officer's hours for the month, in three aggregate queries
    (officers, activity hours, time-entry hours), whatever the number of
    officers or activities. Ordered by station, then share (lowest first)."""
    start, end = month_bounds(month)
    officers = list(
        officers_for(user, month)
        .filter(active=True)
        .values("pk", "name", "station_id", "station__name")
        .order_by("pk")
    )
    ids = [o["pk"] for o in officers]

    # Activities: one row per (activity, participant) pair; minutes summed per
    # participant, split by whether they held that grid on that day.
    through = Activity.participants.through
    activity_rows = (
        through.objects.filter(
            person_id__in=ids,
            activity__work_date__gte=start,
            activity__work_date__lt=end,
        )
        .annotate(
            in_grid=_assigned_there(
                "person_id", "activity__grid_id", "activity__work_date"
            )
        )
        .values("person_id")
        .annotate(
            minutes=Sum("activity__duration_minutes"),
            in_grid_minutes=Coalesce(
                Sum(
                    Case(
                        When(in_grid=True, then="activity__duration_minutes"),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                ),
                Value(0),
            ),
        )
        .order_by()
    )
    by_activity = {r["person_id"]: r for r in activity_rows}

    hours = DecimalField(max_digits=8, decimal_places=2)
    zero = Value(Decimal("0"), output_field=hours)
    entry_rows = (
        TimeEntry.objects.filter(
            person_id__in=ids, work_date__gte=start, work_date__lt=end
        )
        .annotate(in_grid=_assigned_there("person_id", "grid_id", "work_date"))
        .values("person_id")
        .annotate(
            hours_sum=Sum("hours"),
            in_grid_hours=Coalesce(
                Sum(
                    Case(
                        When(in_grid=True, non_police=False, then="hours"),
                        default=zero,
                        output_field=hours,
                    )
                ),
                zero,
            ),
            non_police_hours=Coalesce(
                Sum(
                    Case(
                        When(non_police=True, then="hours"),
                        default=zero,
                        output_field=hours,
                    )
                ),
                zero,
            ),
        )
        .order_by()
    )
    by_entry = {r["person_id"]: r for r in entry_rows}

    result = []
    for officer in officers:
        act = by_activity.get(officer["pk"], {})
        ent = by_entry.get(officer["pk"], {})
        activity_hours = (act.get("minutes") or 0) / 60
        in_grid = (act.get("in_grid_minutes") or 0) / 60 + float(
            ent.get("in_grid_hours") or 0
        )
        result.append(
            OfficerTime(
                person_id=officer["pk"],
                name=officer["name"],
                station_id=officer["station_id"],
                station_name=officer["station__name"] or "",
                activity_hours=round(activity_hours, 2),
                entry_hours=round(float(ent.get("hours_sum") or 0), 2),
                in_grid_hours=round(in_grid, 2),
                non_police_hours=round(float(ent.get("non_police_hours") or 0), 2),
            )
        )
    result.sort(
        key=lambda r: (
            r.station_name,
            r.share if r.share is not None else -1.0,
            r.person_id,
        )
    )
    return result


@dataclass(frozen=True)
class VolunteerTime:
    """A volunteer's (or a team's) activities and hours over a period."""

    key: int | None
    name: str
    team: str
    activities: int
    hours: float


def volunteer_hours(
    user: User, start: dt.date, end: dt.date
) -> tuple[list[VolunteerTime], list[VolunteerTime]]:
    """Hours and activity counts of volunteer police between ``start`` and
    ``end`` (inclusive), per volunteer and per team, most hours first. Only
    activities in the user's scope count. Two aggregate queries."""
    through = Activity.participants.through
    rows = (
        through.objects.filter(
            scope_q(user, "activity__grid"),
            person__role=Person.Role.VOLUNTEER_POLICE,
            activity__work_date__gte=start,
            activity__work_date__lte=end,
        )
        .values(
            "person_id",
            "person__name",
            "person__volunteer_team_id",
            "person__volunteer_team__name",
        )
        .annotate(
            n=Count("activity_id", distinct=True),
            minutes=Sum("activity__duration_minutes"),
        )
        .order_by("-minutes", "person_id")
    )
    people = [
        VolunteerTime(
            key=r["person_id"],
            name=r["person__name"],
            team=r["person__volunteer_team__name"] or "",
            activities=r["n"],
            hours=round((r["minutes"] or 0) / 60, 2),
        )
        for r in rows
    ]
    team_rows = (
        through.objects.filter(
            scope_q(user, "activity__grid"),
            person__role=Person.Role.VOLUNTEER_POLICE,
            activity__work_date__gte=start,
            activity__work_date__lte=end,
        )
        .values("person__volunteer_team_id", "person__volunteer_team__name")
        .annotate(
            n=Count("activity_id", distinct=True),
            minutes=Sum("activity__duration_minutes"),
            members=Count("person_id", distinct=True),
        )
        .order_by("-minutes", "person__volunteer_team_id")
    )
    teams = [
        VolunteerTime(
            key=r["person__volunteer_team_id"],
            name=r["person__volunteer_team__name"] or "",
            team=str(r["members"]),
            activities=r["n"],
            hours=round((r["minutes"] or 0) / 60, 2),
        )
        for r in team_rows
    ]
    return people, teams
