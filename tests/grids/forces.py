"""Small builders of forces for tests (stations, people, assignments)."""

from __future__ import annotations

import datetime as dt
import itertools

from grids.models import Area, PoliceZone
from policing.models import Assignment, Person, Station, Unit

_n = itertools.count(1)
D0 = dt.date(2025, 1, 1)


def station(area: Area, name: str = "测试派出所") -> Station:
    s = Station.objects.create(code=f"S{next(_n)}", name=name, area=area)
    for kind in Unit.Kind.values:
        Unit.objects.create(station=s, kind=kind, name=kind)
    return s


def person(role: str, area: Area, **fields) -> Person:  # type: ignore[no-untyped-def]
    n = next(_n)
    if role in Person.SWORN_ROLES:
        fields.setdefault("police_number", f"9{n:05d}")
    fields.setdefault("phone", f"+86139{n:08d}")
    return Person.objects.create(
        name=fields.pop("name", f"人员{n}"), role=role, area=area, **fields
    )


def assign(
    who: Person, post: Area | PoliceZone, role: str | None = None, **fields
) -> Assignment:  # type: ignore[no-untyped-def]
    role = role or {
        "police_officer": "community_officer",
    }.get(who.role, who.role)
    target = {"zone": post} if isinstance(post, PoliceZone) else {"grid": post}
    fields.setdefault("start_date", D0)
    return Assignment(person=who, role=role, **target, **fields).save_checked()


def zone(village: Area, *grids: Area, code: str | None = None) -> PoliceZone:
    z = PoliceZone.objects.create(
        code=code or f"{village.code}J{next(_n)}",
        name=f"{village.name}警务区",
        area=village,
    )
    Area.objects.filter(pk__in=[g.pk for g in grids]).update(police_zone=z)
    return z
