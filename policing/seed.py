"""Demo forces: stations and units, the volunteer team, people with realistic
names and phone numbers, and their assignments with some history (handovers,
concurrent posts) and a few realistic coverage gaps.

Deterministic (seeded random generators) and idempotent: a station that
already has people is left alone; the demo accounts are linked each run.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections import defaultdict
from typing import TextIO

from django.db import transaction

from grids.models import Area, PoliceZone

from .models import Assignment, Person, Station, Unit, VolunteerTeam

logger = logging.getLogger(__name__)

DISTRICT = "640303"
DEMO_VILLAGE = "640303100200"  # 梨花村: the demo accounts' first grid
VOLUNTEER_TEAM = "红城守望"

STATION_NAMES = {
    "640303001": "新民派出所",
    "640303100": "红寺堡派出所",
    "640303101": "太阳山派出所",
    "640303200": "大河派出所",
    "640303201": "新庄集派出所",
    "640303202": "柳泉派出所",
    "640303400": "太阳山开发区派出所",
}
UNIT_NAMES = {
    Unit.Kind.COMMUNITY_TEAM: "社区警务队",
    Unit.Kind.CASE_TEAM: "案件办理队",
    Unit.Kind.COMMAND_OFFICE: "综合指挥室",
}
# Share of a station's officers sunk into grids; 柳泉 falls short of the 50%
# target (the report's district figure is "above 40%").
SUNK_SHARE = {"640303202": 0.45}
DEFAULT_SUNK_SHARE = 0.6

SURNAMES = (
    "马马马马杨杨李李王王张张海丁田周刘苏何冯白金纳虎撒锁黑哈拜余罗韩赵陈吴郭孙高兰沙"
)
GIVEN = [
    "建国",
    "建军",
    "卫东",
    "红梅",
    "小兰",
    "小军",
    "学军",
    "玉兰",
    "春花",
    "秀英",
    "志强",
    "志勇",
    "海军",
    "文华",
    "德福",
    "福贵",
    "金花",
    "桂兰",
    "成林",
    "有才",
    "永胜",
    "少华",
    "晓东",
    "晓燕",
    "丽娟",
    "彦军",
    "国栋",
    "宏伟",
    "俊杰",
    "雪梅",
    "忠",
    "明",
    "军",
    "强",
    "勇",
    "斌",
    "涛",
    "刚",
    "平",
    "霞",
    "芳",
    "娟",
    "燕",
    "梅",
    "玲",
    "静",
    "伟",
    "龙",
    "虎",
    "鹏",
    "杰",
    "浩",
    "慧",
    "婷",
    "占福",
    "占林",
    "尕娃",
    "哈三",
    "尔撒",
    "穆萨",
    "舍木",
    "艾力",
    "耶亚",
    "伊布",
    "主麻",
    "阿西",
    "满拉",
    "法图",
    "麦燕",
]
MOBILE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "183",
    "187",
    "188",
    "189",
    "199",
    "191",
    "193",
    "195",
    "198",
    "173",
    "176",
    "178",
    "185",
    "186",
    "130",
    "131",
    "132",
    "155",
    "156",
]

LIAISON_DEPARTMENTS = ("司法所", "民政办", "信访办")

SINCE = dt.date(2024, 1, 1)
EARLIER = dt.date(2022, 3, 1)
HANDOVER = dt.date(2025, 1, 1)
DEMO_HANDOVER = dt.date(2025, 7, 1)
VACATED = dt.date(2026, 9, 30)  # an officer transferred, the post not yet filled

# Demo accounts (from core.seed) linked to the forces; the officer becomes the
# community officer of 梨花村's first grid.
DEMO_PEOPLE = {
    "officer": ("周卫东", Person.Role.COMMUNITY_OFFICER),
    "assistant": ("田小军", Person.Role.POLICE_ASSISTANT),
    "gridworker": ("马小兰", Person.Role.GRID_WORKER),
    "volunteer": ("海福贵", Person.Role.VOLUNTEER_POLICE),
}


class _Names:
    """Unique-enough realistic names and unique valid mobile numbers."""

    def __init__(self, seed: str, taken_phones: set[str]) -> None:
        self.rng = random.Random(seed)
        self.phones = taken_phones

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        while True:
            number = (
                self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            )
            if number not in self.phones:
                self.phones.add(number)
                return f"+86{number}"


def _stations(district: Area) -> dict[str, Station]:
    townships = Area.objects.filter(
        path__startswith=district.path, level=Area.Level.TOWNSHIP
    ).order_by("code")
    result = {}
    for township in townships:
        station, _created = Station.objects.get_or_create(
            code=f"{township.code}PCS",
            defaults={
                "name": STATION_NAMES.get(township.code, f"{township.name}派出所"),
                "area": township,
            },
        )
        for kind, name in UNIT_NAMES.items():
            Unit.objects.get_or_create(
                station=station, kind=kind, defaults={"name": name}
            )
        result[township.code] = station
    return result


class _Builder:
    """Collects the people and assignments of one station, then bulk-inserts."""

    def __init__(self, station: Station, names: _Names, police_numbers: list[int]):
        self.station = station
        self.names = names
        self.police_numbers = police_numbers
        self.units = {u.kind: u for u in station.units.all()}
        self.people: list[Person] = []
        # (person index, fields, predecessor key or None, own key or None)
        self.assignments: list[tuple[int, dict, str | None, str | None]] = []

    def person(self, role: str, area: Area, **fields) -> int:  # type: ignore[no-untyped-def]
        values = {
            "name": fields.pop("name", None) or self.names.name(),
            "role": role,
            "area": area,
            "phone": self.names.phone(),
            "party_member": self.names.rng.random() < 0.35,
            **fields,
        }
        if role in Person.SWORN_ROLES:
            self.police_numbers[0] += 1
            values.setdefault("police_number", f"{self.police_numbers[0]:06d}")
            values["station"] = self.station
            values["party_member"] = self.names.rng.random() < 0.8
        self.people.append(Person(**values))
        return len(self.people) - 1

    def assign(
        self, who: int, *, pred: str | None = None, key: str | None = None, **fields
    ) -> None:  # type: ignore[no-untyped-def]
        self.assignments.append((who, fields, pred, key))

    def save(self) -> tuple[int, int]:
        Person.objects.bulk_create(self.people, batch_size=500)
        if self.people[0].pk is None:  # backends without RETURNING
            by_phone = dict(
                Person.objects.filter(station=self.station).values_list("phone", "pk")
            )
            for p in self.people:
                p.pk = by_phone.get(p.phone)
        keyed: dict[str, Assignment] = {}
        # Predecessors first so successors can point at them.
        for wave in (False, True):
            rows = []
            keys = []
            for who, fields, pred, key in self.assignments:
                if (pred is not None) != wave:
                    continue
                a = Assignment(person=self.people[who], **fields)
                if pred is not None:
                    a.predecessor = keyed[pred]
                rows.append(a)
                keys.append(key)
            Assignment.objects.bulk_create(rows, batch_size=500)
            for a, key in zip(rows, keys, strict=True):
                if key is not None:
                    keyed[key] = a
        return len(self.people), len(self.assignments)


def _build_station(
    station: Station,
    township: Area,
    team: VolunteerTeam,
    names: _Names,
    police_numbers: list[int],
) -> _Builder:
    b = _Builder(station, names, police_numbers)
    rng = names.rng
    community_unit = b.units[Unit.Kind.COMMUNITY_TEAM]
    villages = list(
        Area.objects.filter(
            path__startswith=township.path, level=Area.Level.VILLAGE
        ).order_by("code")
    )
    grids_by_zone: dict[int, list[Area]] = defaultdict(list)
    for grid in (
        Area.objects.filter(path__startswith=township.path, level=Area.Level.GRID)
        .exclude(police_zone=None)
        .order_by("code")
    ):
        grids_by_zone[grid.police_zone_id].append(grid)
    zones = list(
        PoliceZone.objects.filter(area__in=villages)
        .select_related("area")
        .order_by("code")
    )
    for zone_no, zone in enumerate(zones, start=1):
        village = zone.area
        grids = grids_by_zone[zone.pk]
        demo_zone = village.code == DEMO_VILLAGE and zone.code.endswith("J01")
        rural = "社区" not in village.name
        # The community officer: the zone and each of its grids.
        officer = b.person(
            Person.Role.COMMUNITY_OFFICER,
            village,
            unit=community_unit,
            name=DEMO_PEOPLE["officer"][0] if demo_zone else None,
        )
        post = (
            f"兼任{village.short_name}党支部副书记"
            if rural and (demo_zone or rng.random() < 0.4)
            else ""
        )
        handed_over = demo_zone or rng.random() < 0.12
        start = DEMO_HANDOVER if demo_zone else (HANDOVER if handed_over else SINCE)
        if handed_over:
            # The predecessor has since been transferred out of the station.
            before = b.person(
                Person.Role.COMMUNITY_OFFICER,
                township,
                unit=community_unit,
                active=False,
            )
        vacated = (
            {g.code for g in grids[-1:]} if zone_no == 7 and not demo_zone else set()
        )
        for target in [None, *grids]:
            post_fields = {"zone": zone} if target is None else {"grid": target}
            key = f"{zone.code}:{target.code if target else ''}"
            if handed_over:
                b.assign(
                    before,
                    key=key,
                    role=Assignment.Role.COMMUNITY_OFFICER,
                    start_date=EARLIER,
                    end_date=start - dt.timedelta(days=1),
                    **post_fields,
                )
            b.assign(
                officer,
                pred=key if handed_over else None,
                role=Assignment.Role.COMMUNITY_OFFICER,
                start_date=start,
                end_date=VACATED
                if target is not None and target.code in vacated
                else None,
                concurrent_post=post if target is None else "",
                note="交接" if handed_over else "",
                **post_fields,
            )
        # Two police assistants per zone ("一区一警两辅"), one short in a few.
        short = zone_no == 5 and not demo_zone
        for i in range(2):
            assistant = b.person(
                Person.Role.POLICE_ASSISTANT,
                village,
                station=station,
                unit=community_unit,
                name=DEMO_PEOPLE["assistant"][0] if demo_zone and i == 0 else None,
            )
            b.assign(
                assistant,
                zone=zone,
                role=Assignment.Role.POLICE_ASSISTANT,
                start_date=SINCE,
                end_date=VACATED if short and i == 1 else None,
            )
        # A grid worker per grid and volunteers (N) of 红城守望.
        for g_no, grid in enumerate(grids):
            first = demo_zone and g_no == 0
            if not (rng.random() < 0.01 and not first):
                worker = b.person(
                    Person.Role.GRID_WORKER,
                    village,
                    name=DEMO_PEOPLE["gridworker"][0] if first else None,
                )
                b.assign(
                    worker,
                    grid=grid,
                    role=Assignment.Role.GRID_WORKER,
                    start_date=SINCE,
                )
            volunteers = (
                1
                if first
                else 0
                if rng.random() < 0.04
                else rng.choice((1, 1, 2, 2, 3))
            )
            for v in range(volunteers):
                volunteer = b.person(
                    Person.Role.VOLUNTEER_POLICE,
                    village,
                    volunteer_team=team,
                    name=DEMO_PEOPLE["volunteer"][0] if first and v == 0 else None,
                )
                b.assign(
                    volunteer,
                    grid=grid,
                    role=Assignment.Role.VOLUNTEER_POLICE,
                    is_primary=False,
                    start_date=dt.date(2025, rng.randint(1, 12), 1),
                )
    # The station's other officers: case team and command office.
    share = SUNK_SHARE.get(township.code, DEFAULT_SUNK_SHARE)
    others = math.ceil(len(zones) * (1 - share) / share)
    for i in range(others):
        kind = Unit.Kind.CASE_TEAM if i % 3 != 2 else Unit.Kind.COMMAND_OFFICE
        b.person(Person.Role.POLICE_OFFICER, township, unit=b.units[kind])
    # Center staff and department liaisons of the township and its villages.
    for _i in range(2):
        b.person(Person.Role.CENTER_STAFF, township)
    for department in LIAISON_DEPARTMENTS:
        b.person(Person.Role.DEPARTMENT_LIAISON, township, department=department)
    for village in villages:
        b.person(Person.Role.CENTER_STAFF, village)
    return b


def _link_demo_accounts() -> int:
    """Provision the field accounts of core.seed (same values, so its own run
    later changes nothing) and link them to their Person rows."""
    from core.accounts import provision_account
    from core.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, _resolve_code

    linked = 0
    for username, role, code, full_name in DEMO_ACCOUNTS:
        if username not in DEMO_PEOPLE:
            continue
        person_name, person_role = DEMO_PEOPLE[username]
        area_code = _resolve_code(code)
        grid = Area.objects.filter(code=area_code, level=Area.Level.GRID).first()
        if grid is None:
            continue
        person = (
            Person.objects.filter(
                name=person_name,
                role=person_role,
                assignments__in=Assignment.objects.filter(
                    grid=grid, end_date__isnull=True
                )
                | Assignment.objects.filter(
                    zone=grid.police_zone, end_date__isnull=True
                ),
            )
            .order_by("pk")
            .first()
        )
        if person is None:
            continue
        if person.user_id is None:
            user, _password = provision_account(
                username=username,
                role=role,
                area_code=area_code,
                password=DEMO_PASSWORD,
                full_name=full_name,
                check_password=False,
            )
            Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
            person.user = user
            person.save(update_fields=["user"])
        linked += 1
    return linked


@transaction.atomic
def seed_forces(stdout: TextIO | None = None) -> None:
    district = Area.objects.filter(code=DISTRICT, level=Area.Level.DISTRICT).first()
    if district is None:
        return
    stations = _stations(district)
    team, _created = VolunteerTeam.objects.get_or_create(
        name=VOLUNTEER_TEAM, defaults={"area": district}
    )
    for station in stations.values():
        PoliceZone.objects.filter(
            area__path__startswith=station.area.path, station=None
        ).update(station=station)
    taken = {str(p.phone) for p in Person.objects.exclude(phone="")}
    numbers = [
        max(
            [
                int(n)
                for n in Person.objects.exclude(police_number="").values_list(
                    "police_number", flat=True
                )
                if n.isdigit()
            ]
            or [640000]
        )
    ]
    people = assignments = 0
    for township_code, station in stations.items():
        if station.people.exists():
            continue
        names = _Names(f"station:{township_code}", taken)
        builder = _build_station(station, station.area, team, names, numbers)
        p, a = builder.save()
        people += p
        assignments += a
    linked = _link_demo_accounts()
    logger.info("demo forces: %s people, %s assignments", people, assignments)
    if stdout:
        stdout.write(
            f"policing: {len(stations)} stations, {people} people, "
            f"{assignments} assignments, {linked} demo accounts linked\n"
        )


def seed(stdout: TextIO | None = None) -> None:
    """The forces, then the field work that builds on their postings."""
    from . import seed_fieldwork

    seed_forces(stdout)
    seed_fieldwork.seed(stdout)
