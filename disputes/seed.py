"""Demo disputes: two years of about 1,000 cases a year, as the report
describes (DOMAIN.md §4): most resolved in the grid or the village, a
resolution rate above 95%, a few reaching the district, some open now and some
of those overdue.

A faithful bulk path: each case's history is generated step by step with the
same moves ``transitions.MOVES`` allows (escalations one level at a time,
resolution at the level reached, feedback down level by level, the follow-up
visit), written with ``bulk_create`` so that ``seed_demo`` stays well under a
minute on SQLite. Open cases get their due times from the real policy table.

Does nothing without grids (the grid tree's seed provides them) and nothing
when demo cases already exist.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.crypto import blind_index
from core.validators import id_check_digit
from grids.models import Area

from .deadlines import due_for
from .models import (
    LEVEL_ORDER,
    CaseNumberCounter,
    Dispute,
    DisputeCategory,
    DisputeEvent,
    Level,
    Party,
)

SEED_SYSTEM = "demo-seed"
S = Dispute.Stage
A = DisputeEvent.Action

SURNAMES = "马杨李王张海田丁周苏金白罗何刘冯".strip()
GIVEN = [
    "建国",
    "秀兰",
    "文华",
    "玉梅",
    "志强",
    "海燕",
    "富贵",
    "小军",
    "红霞",
    "德明",
    "春花",
    "永福",
]
TITLES = {
    "neighbours": ["院墙排水引发邻里争执", "堆放杂物占道引发口角", "邻居装修噪音纠纷"],
    "land": ["宅基地界址争议", "承包地边界纠纷", "土地流转租金争议"],
    "water": ["灌溉轮次分配争执", "渠道清淤分摊纠纷", "扬水站用水时段争议"],
    "family": ["夫妻感情不和要求调解", "赡养老人费用分担纠纷", "子女抚养问题争议"],
    "wages": ["务工人员工资拖欠", "枸杞采摘工钱争议", "建筑工地劳务费纠纷"],
    "debts": ["民间借贷到期未还", "赊购农资欠款纠纷", "合伙养殖账目纠纷"],
    "damages": ["牛羊啃食庄稼赔偿纠纷", "交通事故赔偿争议", "房屋漏水损害赔偿"],
    "resettlement": [
        "移民安置房分配争议",
        "搬迁补偿款发放纠纷",
        "生态移民户籍迁转问题",
    ],
    "customs": ["婚嫁彩礼返还纠纷", "丧葬习俗引发邻里矛盾", "宗教活动场所使用争议"],
    "property": ["小区物业费收缴纠纷", "楼道公共区域占用", "小区停车位争议"],
    "other": ["网络购物纠纷求助", "其他矛盾纠纷"],
}
CATEGORY_WEIGHTS = {
    "neighbours": 22, "land": 16, "water": 10, "family": 14, "wages": 8, "debts": 9,
    "damages": 8, "resettlement": 5, "customs": 3, "property": 3, "other": 2,
}  # fmt: skip
# Where cases end up being resolved (小事不出网格、大事不出村).
RESOLVED_AT = [
    (Level.GRID, 62),
    (Level.VILLAGE, 28),
    (Level.TOWNSHIP, 8),
    (Level.DISTRICT, 2),
]
METHODS = {
    Level.GRID: ["on_the_spot", "peoples_mediation"],
    Level.VILLAGE: ["peoples_mediation", "on_the_spot"],
    Level.TOWNSHIP: [
        "administrative_mediation",
        "peoples_mediation",
        "judicial_confirmation",
    ],
    Level.DISTRICT: [
        "administrative_mediation",
        "judicial_confirmation",
        "litigation_link",
    ],
}
STAGE_OF = {
    Level.GRID: S.GRID,
    Level.VILLAGE: S.VILLAGE_REVIEW,
    Level.TOWNSHIP: S.TOWNSHIP_COORDINATION,
    Level.DISTRICT: S.DISTRICT_ANALYSIS,
}
LEVEL_ROLES = {
    Level.GRID: "grid_worker",
    Level.VILLAGE: "village_staff",
    Level.TOWNSHIP: "township_staff",
    Level.DISTRICT: "district_staff",
}


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _id_number(rng: random.Random, born: dt.date) -> str:
    first17 = f"640303{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)


class _Actors:
    """Demo accounts acting for each level over a grid (None: system)."""

    def __init__(self) -> None:
        User = get_user_model()
        self.users = list(
            User.objects.filter(is_active=True, area__isnull=False)
            .exclude(role="")
            .select_related("area")
            .only("pk", "role", "area__path")
        )

    def for_level(self, grid: Area, level: str) -> int | None:
        role = LEVEL_ROLES[level]
        for u in self.users:
            if u.role == role and grid.path.startswith(u.area.path):
                return u.pk
        return None


def seed(
    stdout: TextIO | None = None, *, per_year: int = 1000, seed_value: int = 2026
) -> None:
    grids = list(Area.objects.filter(level=Area.Level.GRID).order_by("path"))
    if not grids:
        if stdout:
            stdout.write("disputes: no grids yet, nothing to seed\n")
        return
    if Dispute.objects.filter(external_system=SEED_SYSTEM).exists():
        if stdout:
            stdout.write("disputes: demo cases already present\n")
        return
    rng = random.Random(seed_value)
    categories = {c.code: c for c in DisputeCategory.objects.all()}
    weights = [(code, CATEGORY_WEIGHTS.get(code, 1)) for code in categories]
    actors = _Actors()
    now = timezone.now()
    start = now - dt.timedelta(days=730)
    total = per_year * 2
    # Demo accounts' own grids get more cases, so every persona has work.
    favoured = [g for g in grids if any(u.area_id == g.pk for u in actors.users)]
    created = []
    for _ in range(total):
        at = start + dt.timedelta(seconds=rng.uniform(0, 730 * 86400))
        grid = (
            rng.choice(favoured)
            if favoured and rng.random() < 0.08
            else rng.choice(grids)
        )
        created.append((at, grid))
    created.sort(key=lambda x: x[0])

    with transaction.atomic():
        cases: list[Dispute] = []
        histories: list[list[dict]] = []
        parties_of: list[list[Party]] = []
        counters: dict[int, int] = {}
        for at, grid in created:
            code = _pick(rng, weights)
            year = timezone.localtime(at).year
            counters[year] = counters.get(year, 0) + 1
            case = Dispute(
                number=f"HSB-{year}-{counters[year]:06d}",
                grid=grid,
                category=categories[code],
                risk=_pick(
                    rng, [("blue", 60), ("yellow", 25), ("orange", 11), ("red", 4)]
                ),
                source=_pick(
                    rng,
                    [
                        ("grid_visit", 70),
                        ("walk_in", 15),
                        ("hotline_12345", 10),
                        ("police", 5),
                    ],
                ),
                title=rng.choice(TITLES.get(code, TITLES["other"])),
                description="",
                occurred_at=at - dt.timedelta(hours=rng.randint(1, 72)),
                created_at=at,
                created_by_id=actors.for_level(grid, Level.GRID),
                external_system=SEED_SYSTEM,
                external_id=f"{year}-{counters[year]}",
            )
            events = _history(rng, case, now, actors)
            cases.append(case)
            histories.append(events)
            parties_of.append(_parties(rng))
        Dispute.objects.bulk_create(cases, batch_size=500)
        saved = dict(
            Dispute.objects.filter(external_system=SEED_SYSTEM).values_list(
                "number", "pk"
            )
        )
        event_rows, party_rows = [], []
        for case, events, parties in zip(cases, histories, parties_of, strict=True):
            pk = saved[case.number]
            for e in events:
                event_rows.append(DisputeEvent(dispute_id=pk, **e))
            for p in parties:
                p.dispute_id = pk
                p.phone_hash = blind_index(p.phone)
                p.id_number_hash = blind_index(p.id_number)
                party_rows.append(p)
        DisputeEvent.objects.bulk_create(event_rows, batch_size=1000)
        Party.objects.bulk_create(party_rows, batch_size=1000)
        for year, last in counters.items():
            CaseNumberCounter.objects.update_or_create(
                year=year, defaults={"last": last}
            )
    if stdout:
        open_now = sum(1 for c in cases if c.stage in Dispute.OPEN_STAGES)
        overdue = sum(
            1
            for c in cases
            if c.stage in Dispute.OPEN_STAGES and c.due_at and c.due_at <= now
        )
        stdout.write(
            f"disputes: {len(cases)} cases ({open_now} open, {overdue} overdue), "
            f"{len(event_rows)} events\n"
        )


def _parties(rng: random.Random) -> list[Party]:
    rows = []
    for role in ("applicant", "respondent"):
        born = dt.date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
        rows.append(
            Party(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                role=role,
                phone=f"+86139{rng.randint(0, 99999999):08d}",
                id_number=_id_number(rng, born) if rng.random() < 0.6 else "",
                address=f"{rng.randint(1, 12)}组{rng.randint(1, 60)}号",
            )
        )
    return rows


def _history(
    rng: random.Random, case: Dispute, now: dt.datetime, actors: _Actors
) -> list[dict]:
    """Walk the case through the allowed moves; set its final fields and
    return its events."""
    grid = case.grid
    t = case.created_at
    events = [
        {
            "actor_id": case.created_by_id,
            "action": A.CREATED,
            "from_stage": "",
            "to_stage": S.GRID,
            "created_at": t,
            "data": {"source": case.source, "risk": case.risk},
        }
    ]
    age_days = (now - t).total_seconds() / 86400
    target = _pick(rng, RESOLVED_AT)
    end = rng.random()
    stage, reached, ever_overdue = S.GRID, Level.GRID, False
    stage_at = t

    def step(action: str, to: str, level: str, hours: float, **extra: object) -> None:
        nonlocal t, stage, stage_at
        t = t + dt.timedelta(hours=hours)
        events.append(
            {
                "actor_id": actors.for_level(grid, level),
                "action": action,
                "from_stage": stage,
                "to_stage": to,
                "created_at": t,
                **extra,
            }
        )
        if to != stage:
            stage, stage_at = to, t

    def finish(stage_now: str) -> None:
        case.stage, case.stage_entered_at = stage_now, stage_at
        case.reached_level, case.ever_overdue = reached, ever_overdue
        case.version = len(events)

    # A few never become cases at all.
    if end < 0.015:
        kind = rng.choice([A.REJECT, A.TRANSFER, A.WITHDRAW])
        to = {A.REJECT: S.REJECTED, A.TRANSFER: S.TRANSFERRED, A.WITHDRAW: S.WITHDRAWN}[
            kind
        ]
        step(
            kind,
            to,
            Level.GRID,
            min(rng.uniform(1, 20), max((now - t).total_seconds() / 3600 * 0.9, 0.01)),
            reason="不属于受理范围" if kind == A.REJECT else "当事人申请",
            data={},
        )
        finish(to)
        return events
    # Recent cases may still be on their way; open cases are those a few days old.
    open_now = age_days < 12 and rng.random() < 0.8
    # Cases still open move slower than the finished ones did, so some of
    # them sit past their due time now.
    slow = (rng.uniform(3, 12) if rng.random() < 0.7 else 60.0) if open_now else 1.0
    for level in LEVEL_ORDER[1 : LEVEL_ORDER.index(target) + 1]:
        hours = slow * (
            rng.uniform(2, 20) if level == Level.VILLAGE else rng.uniform(10, 60)
        )
        if t + dt.timedelta(hours=hours) > now:
            break
        if rng.random() < 0.04:
            ever_overdue = True
            hours += 30
        step(
            A.ESCALATE,
            STAGE_OF[level],
            LEVEL_ORDER[LEVEL_ORDER.index(level) - 1],
            hours,
            reason="需上级协调处置",
            data={},
        )
        reached = level
    current_level = reached
    resolve_hours = slow * (
        rng.uniform(1, 18) if current_level == Level.GRID else rng.uniform(12, 120)
    )
    if t + dt.timedelta(hours=resolve_hours) > now:
        finish(stage)
        _set_due(case, now)
        return events
    method = rng.choice(METHODS[current_level])
    outcome = "经调解双方达成一致，签订调解协议"
    to = S.FOLLOW_UP if current_level == Level.GRID else S.FEEDBACK
    step(
        A.RESOLVE,
        to,
        current_level,
        resolve_hours,
        reason=outcome,
        data={"method": method, "level": current_level},
    )
    case.resolved_level, case.resolved_at = current_level, t
    case.resolution_method, case.outcome = method, outcome
    feedback = (
        LEVEL_ORDER[LEVEL_ORDER.index(current_level) - 1]
        if current_level != Level.GRID
        else None
    )
    while feedback is not None:
        hours = slow * rng.uniform(2, 30)
        if t + dt.timedelta(hours=hours) > now:
            case.feedback_level = feedback
            finish(S.FEEDBACK)
            _set_due(case, now)
            return events
        below = (
            LEVEL_ORDER[LEVEL_ORDER.index(feedback) - 1]
            if feedback != Level.GRID
            else None
        )
        step(
            A.ACKNOWLEDGE_FEEDBACK,
            S.FEEDBACK if below else S.FOLLOW_UP,
            feedback,
            hours,
            data={"level": feedback},
        )
        feedback = below
    hours = slow * rng.uniform(24, 150)
    if t + dt.timedelta(hours=hours) > now:
        finish(S.FOLLOW_UP)
        _set_due(case, now)
        return events
    satisfied = rng.random() < 0.97
    step(
        A.FOLLOW_UP,
        S.CLOSED,
        Level.GRID,
        hours,
        reason="回访当事人",
        data={"satisfied": satisfied, "resolved_level": current_level},
    )
    case.satisfied, case.followed_up_at, case.closed_at = satisfied, t, t
    finish(S.CLOSED)
    return events


def _set_due(case: Dispute, now: dt.datetime) -> None:
    due, warn, _policy = due_for(
        case.stage, case.risk, case.category_id, case.stage_entered_at
    )
    case.due_at, case.early_warning_at = due, warn
    if due and due <= now:
        # Past due now: the sweep marks and notifies on its first run.
        case.ever_overdue = True
