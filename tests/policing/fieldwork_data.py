"""Small builders for the field-work tests: people, postings, activities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from grids.models import Area
from policing.models import Activity, Assignment, Person, Station, TimeEntry

TZ = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def station(area: Area, code: str = "S1", name: str = "一号派出所") -> Station:
    return Station.objects.get_or_create(
        code=code, defaults={"name": name, "area": area}
    )[0]


def person(
    name: str,
    area: Area,
    role: str = Person.Role.COMMUNITY_OFFICER,
    **kw,  # type: ignore[no-untyped-def]
) -> Person:
    return Person.objects.create(name=name, role=role, area=area, **kw)


def post(
    who: Person,
    grid: Area,
    start: dt.date,
    end: dt.date | None = None,
    role: str = Assignment.Role.COMMUNITY_OFFICER,
) -> Assignment:
    return Assignment.objects.create(
        person=who, grid=grid, role=role, start_date=start, end_date=end
    )


def activity(
    grid: Area,
    day: dt.date,
    start_hour: int,
    hours: float,
    people: list[Person],
    kind: str = Activity.Kind.PATROL,
) -> Activity:
    start = at(day, start_hour)
    a = Activity.objects.create(
        kind=kind,
        grid=grid,
        started_at=start,
        ended_at=start + dt.timedelta(hours=hours),
        recorded_by=people[0] if people else None,
    )
    a.participants.set(people)
    return a


def entry(
    who: Person,
    day: dt.date,
    hours: str,
    duty: str = TimeEntry.Duty.DUTY_SHIFT,
    grid: Area | None = None,
) -> TimeEntry:
    return TimeEntry.objects.create(
        person=who, work_date=day, hours=Decimal(hours), duty=duty, grid=grid
    )
