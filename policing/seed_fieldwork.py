"""Demo field work: a few months of activities, hazards (some overdue) and
time entries for the people already posted to grids.

Runs after the grid tree and the people exist; with no postings it does
nothing. Idempotent: once demo activities exist it leaves everything alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from .models import Activity, Assignment, Hazard, Person, TimeEntry

MAX_GRIDS = 500
MONTHS = 3
DEMO_TAG = "【演示】"

PLACES = ["村文化广场", "村委会", "小学门口", "集贸市场", "枸杞合作社", "移民新村3组"]
NOTES = {
    Activity.Kind.PATROL: "夜间巡逻，重点巡查独居老人和留守儿童家庭",
    Activity.Kind.HAZARD_INSPECTION: "入户排查用电用气安全",
    Activity.Kind.LAW_PUBLICITY: "反诈宣传，发放宣传册",
    Activity.Kind.MEDIATION: "联合调解邻里灌溉用水纠纷",
    Activity.Kind.PARTY_BUILDING: "党建+网格+警务联席会",
    Activity.Kind.MORAL_EDUCATION: "移风易俗宣讲，倡导婚事新办",
    Activity.Kind.SAFETY_ADVISOR: "平安顾问走访，检查消防通道",
    Activity.Kind.VOLUNTEER: "红城守望义警巡防",
    Activity.Kind.SHARP_EYES: "雪亮工程摄像头巡检",
}
HAZARDS = [
    (Hazard.Kind.FIRE, "电动车楼道内充电", "楼栋长"),
    (Hazard.Kind.FIRE, "柴草堆放靠近民房", "户主"),
    (Hazard.Kind.TRAFFIC, "村口路段缺少减速带", "乡镇交通办"),
    (Hazard.Kind.PUBLIC_ORDER, "废弃房屋有闲散人员聚集", "村委会"),
    (Hazard.Kind.BUILDING, "老旧土坯房墙体开裂", "户主"),
    (Hazard.Kind.OTHER, "水渠护栏缺失", "水务站"),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transaction.atomic
def seed(stdout: TextIO | None = None) -> None:
    if Activity.objects.filter(notes__startswith=DEMO_TAG).exists():
        if stdout:
            stdout.write("field work: demo data already present\n")
        return
    today = timezone.localdate()
    posts = list(
        Assignment.objects.current(today)
        .filter(grid__isnull=False, person__active=True)
        .select_related("person", "grid")
        .order_by("grid__path", "pk")
    )
    # The demo accounts' grids first, so that logging in shows their work.
    linked = {a.grid_id for a in posts if a.person.user_id is not None}
    posts.sort(key=lambda a: a.grid_id not in linked)
    by_grid: dict[int, list[Person]] = defaultdict(list)
    grids = {}
    for a in posts:
        if a.grid_id not in grids and len(grids) >= MAX_GRIDS:
            continue
        grids[a.grid_id] = a.grid
        by_grid[a.grid_id].append(a.person)
    if not grids:
        if stdout:
            stdout.write("field work: no people posted to grids yet, skipped\n")
        return

    rng = random.Random(8)  # noqa: S311 - demo data, not security
    start = (today.replace(day=1) - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    days = (today - start).days
    kinds = list(Activity.Kind)
    activities: list[Activity] = []
    people_of: list[list[Person]] = []
    for grid_id, grid in grids.items():
        people = by_grid[grid_id]
        for _ in range(rng.randint(3, 6) * MONTHS):
            day = start + dt.timedelta(days=rng.randint(0, days))
            kind = rng.choice(kinds)
            begin = _at(day, rng.randint(8, 20))
            a = Activity(
                kind=kind,
                grid=grid,
                started_at=begin,
                ended_at=begin + dt.timedelta(minutes=rng.choice([60, 90, 120, 180])),
                place=f"{grid.name}{rng.choice(PLACES)}",
                notes=f"{DEMO_TAG}{NOTES[kind]}",
                recorded_by=people[0],
            )
            if kind == Activity.Kind.MORAL_EDUCATION:
                a.topic = rng.choice(Activity.Topic.values)
            if kind == Activity.Kind.SAFETY_ADVISOR:
                a.advisee_kind = rng.choice(Activity.AdviseeKind.values)
                a.advisee_name = (
                    grid.name
                    if a.advisee_kind == Activity.AdviseeKind.VILLAGE
                    else "红寺堡枸杞加工厂"
                )
            a.fill_derived()
            activities.append(a)
            people_of.append(rng.sample(people, k=rng.randint(1, len(people))))
    Activity.objects.bulk_create(activities, batch_size=500)
    through = Activity.participants.through
    through.objects.bulk_create(
        [
            through(activity_id=a.pk, person_id=p.pk)
            for a, people in zip(activities, people_of, strict=True)
            for p in people
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )

    now = timezone.now()
    hazards = []
    inspections = [a for a in activities if a.kind == Activity.Kind.HAZARD_INSPECTION]
    for a in inspections[: len(grids) * 2]:
        kind, text, party = rng.choice(HAZARDS)
        reported = a.ended_at
        h = Hazard(
            grid=a.grid,
            activity=a,
            kind=kind,
            description=text,
            place=a.place,
            responsible_party=party,
            reported_by=a.recorded_by,
            reported_at=reported,
            due_at=reported + dt.timedelta(days=rng.choice([3, 7, 15, 30])),
        )
        # Older hazards are mostly fixed; some stay open past the deadline
        # for the overdue sweep and the figures to find.
        if h.due_at < now and rng.random() < 0.6:
            h.status = Hazard.Status.VERIFIED
            h.fix = "已整改"
            h.rectified_at = h.due_at - dt.timedelta(days=1)
            h.verified_at = h.due_at
            h.verification_notes = "复查合格"
        hazards.append(h)
    Hazard.objects.bulk_create(hazards, batch_size=500)

    officers = {
        p.pk: (p, grid_id)
        for grid_id, people in by_grid.items()
        for p in people
        if p.role == Person.Role.COMMUNITY_OFFICER
    }
    entries = []
    for person, grid_id in officers.values():
        # Counted back from today, so the current month has hours from its
        # first day on.
        for offset in range(0, days + 1, 3):
            day = today - dt.timedelta(days=offset)
            duty = rng.choice(
                [
                    TimeEntry.Duty.DUTY_SHIFT,
                    TimeEntry.Duty.CASE_WORK,
                    TimeEntry.Duty.MEETING,
                    TimeEntry.Duty.GRID_WORK,
                    TimeEntry.Duty.NON_POLICE,
                ]
            )
            entries.append(
                TimeEntry(
                    person=person,
                    work_date=day,
                    hours=Decimal(rng.choice(["2", "3", "4", "8"])),
                    duty=duty,
                    non_police=duty == TimeEntry.Duty.NON_POLICE,
                    grid_id=grid_id if duty == TimeEntry.Duty.GRID_WORK else None,
                    description=f"{DEMO_TAG}日常勤务",
                )
            )
    TimeEntry.objects.bulk_create(entries, batch_size=1000)
    if stdout:
        stdout.write(
            f"field work: {len(activities)} activities, {len(hazards)} hazards, "
            f"{len(entries)} time entries in {len(grids)} grids\n"
        )
