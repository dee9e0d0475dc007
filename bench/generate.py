"""Benchmark datasets: an area tree, accounts, disputes with parties, events
and outbox rows, written through bulk paths.

    python bench/generate.py --size S|M|L [--database-url URL] [--force]
    python manage.py generate_dataset --size S   (the same, as a command)

Sizes: S is this district (520 grids, 3 years), M one province (150 counties,
7,500 grids, 1 million disputes), L the province over ten years (10 million).
Distributions are skewed and independent of each other: disputes fall on grids
and categories by Zipf-like weights (grid ranks shuffled, so hot grids are
spread over the townships), 70% are closed, and open cases are spread over
their stage's deadline so that some are overdue.

On PostgreSQL rows go in with ``COPY ... FROM STDIN`` from generated text
streams inside one transaction; for M and L the secondary indexes and foreign
keys of the bulk tables are dropped first and rebuilt afterwards (one sort
per index instead of a b-tree insert per row). Elsewhere (the SQLite test
database) the same rows go through ``bulk_create``. Encrypted party fields are
real AES-GCM ciphertexts made with ``core.crypto.encrypt``, once per distinct
person of a pool (people appear in several disputes, as they do in life); the
cost of one encryption is measured and reported.

Tree paths are computed with treebeard's own ``Area._get_path``; the result
passes ``Area.objects.find_problems()``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger(__name__)

DAY = 86400.0


@dataclass(frozen=True)
class Size:
    """The shape of one dataset."""

    name: str
    root_level: str
    root_code: str
    root_name: str
    # (level, children per parent) below the root, down to the grids.
    fanout: tuple[tuple[str, int], ...]
    disputes: int
    years: int
    # Bulk loads drop and rebuild secondary indexes above this many disputes.
    rebuild_indexes: bool = False

    @property
    def grids(self) -> int:
        n = 1
        for _level, k in self.fanout:
            n *= k
        return n


SIZES: dict[str, Size] = {
    # A few hundred disputes for the tests.
    "T": Size(
        "T",
        "district",
        "640303",
        "红寺堡区",
        (("township", 2), ("village", 2), ("grid", 3)),
        300,
        1,
    ),
    # This district: 5 townships, 65 villages, 520 grids, 3 years.
    "S": Size(
        "S",
        "district",
        "640303",
        "红寺堡区",
        (("township", 5), ("village", 13), ("grid", 8)),
        6_000,
        3,
    ),
    # One province: 5 cities, 150 counties, 750 townships, 3,750 villages,
    # 7,500 grids.
    "M": Size(
        "M",
        "province",
        "640000",
        "宁夏回族自治区",
        (
            ("city", 5),
            ("district", 30),
            ("township", 5),
            ("village", 5),
            ("grid", 2),
        ),
        1_000_000,
        3,
        rebuild_indexes=True,
    ),
    # The province over ten years.
    "L": Size(
        "L",
        "province",
        "640000",
        "宁夏回族自治区",
        (
            ("city", 5),
            ("district", 30),
            ("township", 5),
            ("village", 5),
            ("grid", 2),
        ),
        10_000_000,
        10,
        rebuild_indexes=True,
    ),
}

# Share of cases by final stage (closed 70%); open ones by current stage.
END_STAGE_WEIGHTS = {
    "closed": 70,
    "rejected": 3,
    "transferred": 3,
    "withdrawn": 2,
}
OPEN_STAGE_WEIGHTS = {
    "grid": 8,
    "village_review": 5,
    "township_coordination": 4,
    "district_analysis": 1,
    "feedback": 2,
    "follow_up": 2,
}
# 小事不出网格: most cases end at the grid.
LEVEL_WEIGHTS = {"grid": 70, "village": 20, "township": 8, "district": 2}
LEVELS = ["grid", "village", "township", "district"]
LEVEL_STAGE = {
    "grid": "grid",
    "village": "village_review",
    "township": "township_coordination",
    "district": "district_analysis",
}
STAGE_LEVEL = {v: k for k, v in LEVEL_STAGE.items()}
# Approximate calendar days of each stage's deadline (the seeded policy).
STAGE_DAYS = {
    "grid": 1.0,
    "village_review": 4.0,
    "township_coordination": 9.0,
    "district_analysis": 21.0,
    "feedback": 3.0,
    "follow_up": 9.0,
}
RISK_WEIGHTS = {"blue": 60, "yellow": 25, "orange": 10, "red": 5}
SOURCE_WEIGHTS = {
    "grid_visit": 55,
    "walk_in": 20,
    "hotline_12345": 12,
    "police": 10,
    "other_system": 3,
}
METHODS = [
    "on_the_spot",
    "peoples_mediation",
    "administrative_mediation",
    "judicial_confirmation",
    "litigation_link",
    "arbitration",
    "other",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华玉兰红梅海燕文斌志强永刚小红晓东海涛春梅国强亮鹏辉婷雪梅"
TITLES = {
    "neighbours": ["邻里噪音纠纷", "院墙滴水纠纷", "通行道路纠纷", "邻里口角"],
    "land": ["宅基地边界争议", "承包地界址纠纷", "土地流转合同纠纷"],
    "water": ["灌溉轮次纠纷", "渠道堵塞纠纷", "水费分摊纠纷"],
    "family": ["赡养老人纠纷", "婚姻家庭矛盾", "分家析产纠纷"],
    "wages": ["拖欠工资纠纷", "务工报酬争议"],
    "debts": ["民间借贷纠纷", "赊欠货款纠纷"],
    "damages": ["牲畜毁损庄稼", "交通事故赔偿", "房屋损坏赔偿"],
    "resettlement": ["移民安置房分配争议", "搬迁补偿纠纷"],
    "customs": ["婚丧习俗纠纷"],
    "property": ["物业费纠纷", "小区停车纠纷"],
    "other": ["其他矛盾纠纷"],
}


def zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


def cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def id_number(rng: random.Random, region: str) -> str:
    from core.validators import id_check_digit

    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    first17 = f"{region[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


# --- writers ------------------------------------------------------------------


def _pg_escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def pg_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return _pg_escape(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is float:
        return str(value)
    if kind is dt.datetime or kind is dt.date:
        return value.isoformat()
    if kind is dict or kind is list:
        return _pg_escape(json.dumps(value, ensure_ascii=False))
    return _pg_escape(str(value))


class Table:
    """A model's table and the columns the generator fills; every other column
    gets the field's default (so fields added by later migrations need no
    change here, as long as they have a default or accept NULL)."""

    def __init__(self, model: Any, fields: list[str]) -> None:
        self.model = model
        self.fields = fields
        self.db_table = model._meta.db_table
        concrete = list(model._meta.concrete_fields)
        self.columns = [f.column for f in concrete]
        known = {f.attname for f in concrete}
        missing = [n for n in fields if n not in known]
        if missing:
            raise ValueError(f"{self.db_table} has no column {missing}")
        self.defaults: dict[str, Any] = {}
        exprs = []
        for f in concrete:
            if f.attname in fields:
                exprs.append(f"E(v[{fields.index(f.attname)}])")
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"{self.db_table}.{f.column}: no value to give it")
            self.defaults[f.attname] = value
            exprs.append(repr(pg_text(value)))
        # One compiled function per table: a row becomes a line in one call.
        self.line: Callable[[tuple], str] = eval(  # noqa: S307
            "lambda v: '\\t'.join((" + ", ".join(exprs) + ",))", {"E": pg_text}
        )
        self.rows = 0


class Writer:
    """Writes rows of :class:`Table` s: COPY on PostgreSQL, bulk_create
    elsewhere."""

    chunk_rows = 50_000

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.copy = connection.vendor == "postgresql"
        self.seconds: Counter[str] = Counter()

    def write(self, table: Table, rows: Iterable[tuple]) -> int:
        started = time.perf_counter()
        n = 0
        if self.copy:
            cols = ", ".join(f'"{c}"' for c in table.columns)
            sql = f'COPY "{table.db_table}" ({cols}) FROM STDIN'
            line = table.line
            buf: list[str] = []
            with self.connection.cursor() as cursor:
                for row in rows:
                    buf.append(line(row))
                    if len(buf) >= self.chunk_rows:
                        n += self._flush(cursor, sql, buf)
                if buf:
                    n += self._flush(cursor, sql, buf)
        else:
            batch = []
            model = table.model
            for row in rows:
                values = dict(table.defaults)
                values.update(zip(table.fields, row, strict=True))
                batch.append(model(**values))
                if len(batch) >= 1000:
                    model.objects.bulk_create(batch)
                    n += len(batch)
                    batch = []
            if batch:
                model.objects.bulk_create(batch)
                n += len(batch)
        table.rows += n
        self.seconds[table.db_table] += time.perf_counter() - started
        return n

    @staticmethod
    def _flush(cursor: Any, sql: str, buf: list[str]) -> int:
        data = io.StringIO("\n".join(buf) + "\n")
        cursor.copy_expert(sql, data)
        n = len(buf)
        buf.clear()
        return n


# --- the dataset ----------------------------------------------------------------


@dataclass
class Report:
    size: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    encrypt_us: float = 0.0
    distinct_people: int = 0
    load: tuple[float, float] = (0.0, 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "counts": self.counts,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
            "encrypt_us": round(self.encrypt_us, 1),
            "distinct_people": self.distinct_people,
            "load_average_1min": {"start": self.load[0], "end": self.load[1]},
        }


class Generator:
    def __init__(
        self,
        size: Size,
        connection: Any,
        *,
        seed: int = 2026,
        now: dt.datetime | None = None,
    ) -> None:
        self.size = size
        self.connection = connection
        self.rng = random.Random(seed)
        self.now = now or dt.datetime.now(dt.UTC)
        self.writer = Writer(connection)
        self.report = Report(size.name)

    # Areas --------------------------------------------------------------------
    def areas(self) -> None:
        from grids.models import Area

        table = Table(
            Area,
            [
                "id",
                "path",
                "depth",
                "numchild",
                "code",
                "name",
                "level",
                "households",
                "residents",
            ],
        )
        rows: list[list[Any]] = []
        next_id = self._next_id(Area)
        root_index = Area.objects.filter(depth=1).count() + 1
        root = [
            next_id,
            Area._get_path(None, 1, root_index),
            1,
            0,
            self.size.root_code,
            self.size.root_name,
            self.size.root_level,
            0,
            0,
        ]
        rows.append(root)
        self.root_id = next_id
        self.root_path = root[1]
        level_rows: list[list[list[Any]]] = [[root]]
        names = {
            "city": "市",
            "district": "区",
            "township": "镇",
            "village": "村民委员会",
            "grid": "网格",
        }
        grids, villages, townships = [], [], []
        for depth, (level, fanout) in enumerate(self.size.fanout, start=2):
            current: list[list[Any]] = []
            for parent in level_rows[-1]:
                parent[3] = fanout
                for i in range(1, fanout + 1):
                    next_id += 1
                    code = self._child_code(parent[4], parent[6], level, i)
                    households = self.rng.randint(150, 600) if level == "grid" else 0
                    row = [
                        next_id,
                        Area._get_path(parent[1], depth, i),
                        depth,
                        0,
                        code,
                        f"{code[-3:]}{names.get(level, level)}",
                        level,
                        households,
                        households * 3,
                    ]
                    current.append(row)
                    if level == "grid":
                        grids.append(row)
                    elif level == "village":
                        villages.append(row)
                    elif level == "township":
                        townships.append(row)
            rows.extend(current)
            level_rows.append(current)
        self.writer.write(table, (tuple(r) for r in rows))
        self.grids = [(r[0], r[1], r[4]) for r in grids]
        self.village_ids = [r[0] for r in villages]
        self.township_ids = [r[0] for r in townships]
        self.area_rows = rows
        self.report.counts["areas"] = len(rows)
        self.report.counts["grids"] = len(grids)

    @staticmethod
    def _child_code(parent_code: str, parent_level: str, level: str, i: int) -> str:
        if level == "city":
            return f"{parent_code[:2]}{i:02d}00"
        if level == "district":
            return f"{parent_code[:4]}{i:02d}"
        return f"{parent_code}{i:03d}"

    # Accounts -----------------------------------------------------------------
    def accounts(self) -> None:
        from django.contrib.auth.hashers import make_password

        from core.models import User

        table = Table(
            User,
            [
                "id",
                "password",
                "username",
                "is_active",
                "date_joined",
                "role",
                "area_id",
                "full_name",
            ],
        )
        # One hash for every generated account: hashing is the slow part of
        # making accounts and tells nothing about the platform.
        password = make_password(None)
        roles = {
            "grid": "grid_worker",
            "village": "village_staff",
            "township": "township_staff",
            "district": "district_staff",
            "city": "district_staff",
            "province": "district_staff",
        }
        next_id = self._next_id(User)
        rows = []
        self.grid_worker: dict[int, int] = {}
        for area in self.area_rows:
            level = area[6]
            role = roles.get(level)
            if role is None:
                continue
            rows.append(
                (
                    next_id,
                    password,
                    f"b{self.size.name.lower()}-{level}-{area[4]}",
                    True,
                    self.now,
                    role,
                    area[0],
                    self._name(),
                )
            )
            if level == "grid":
                self.grid_worker[area[0]] = next_id
            next_id += 1
        self.writer.write(table, rows)
        self.report.counts["accounts"] = len(rows)

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN))

    # People (encrypted once per distinct person) ------------------------------
    def people(self, n_parties: int) -> list[tuple[str, str, str, str, str]]:
        from core.crypto import blind_index, encrypt

        count = max(50, min(n_parties, n_parties // 4 + 1, 250_000))
        rng = self.rng
        pool = []
        started = time.perf_counter()
        for _ in range(count):
            phone = f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            ident = id_number(rng, self.size.root_code)
            pool.append(
                (
                    self._name(),
                    encrypt(phone),
                    blind_index(phone),
                    encrypt(ident),
                    blind_index(ident),
                )
            )
        elapsed = time.perf_counter() - started
        # Two encryptions and two keyed hashes per person.
        self.report.encrypt_us = elapsed / count / 2 * 1e6
        self.report.distinct_people = count
        self.report.seconds["people (encrypt + hash)"] = elapsed
        return pool

    # Disputes -----------------------------------------------------------------
    def disputes(self) -> None:
        from disputes.models import (
            CaseNumberCounter,
            Dispute,
            DisputeCategory,
            DisputeEvent,
            Party,
        )
        from integrations.models import OutboxEvent

        rng = self.rng
        n = self.size.disputes
        now_ts = self.now.timestamp()
        window = self.size.years * 365 * DAY
        categories = list(DisputeCategory.objects.order_by("sort_order", "id"))
        if not categories:
            raise RuntimeError("no dispute categories: run the migrations first")
        cat_cum = cumulative(zipf_weights(len(categories), 1.2))
        grid_order = list(range(len(self.grids)))
        rng.shuffle(grid_order)
        grid_weights = [0.0] * len(self.grids)
        for rank, gi in enumerate(grid_order, start=1):
            grid_weights[gi] = 1.0 / (rank**0.8)
        grid_cum = cumulative(grid_weights)

        def pick(weights: dict[str, int], k: int) -> list[str]:
            return rng.choices(list(weights), weights=list(weights.values()), k=k)

        stages = pick({**END_STAGE_WEIGHTS, **OPEN_STAGE_WEIGHTS}, n)
        grid_idx = rng.choices(range(len(self.grids)), cum_weights=grid_cum, k=n)
        cat_idx = rng.choices(range(len(categories)), cum_weights=cat_cum, k=n)
        risks = pick(RISK_WEIGHTS, n)
        sources = pick(SOURCE_WEIGHTS, n)
        levels = pick(LEVEL_WEIGHTS, n)
        # Open cases entered their stage within about its deadline (a fifth
        # of them are past it); ended ones anywhere in the window.
        entered = []
        for stage in stages:
            if stage in OPEN_STAGE_WEIGHTS:
                entered.append(now_ts - rng.uniform(0, STAGE_DAYS[stage] * 1.25 * DAY))
            else:
                entered.append(now_ts - rng.uniform(3 * DAY, window))
        order = sorted(range(n), key=entered.__getitem__)

        n_parties_guess = 2 * n
        pool = self.people(n_parties_guess)

        d_table = Table(
            Dispute,
            [
                "id",
                "number",
                "grid_id",
                "category_id",
                "risk",
                "source",
                "title",
                "description",
                "occurred_at",
                "created_at",
                "created_by_id",
                "stage",
                "stage_entered_at",
                "due_at",
                "early_warning_at",
                "warned_at",
                "warning_handled_at",
                "overdue_at",
                "overdue_handled_at",
                "ever_overdue",
                "reached_level",
                "resolved_level",
                "resolved_at",
                "resolution_method",
                "outcome",
                "feedback_level",
                "closed_at",
                "satisfied",
                "followed_up_at",
                "version",
            ],
        )
        p_table = Table(
            Party,
            [
                "id",
                "dispute_id",
                "name",
                "role",
                "phone",
                "phone_hash",
                "id_number",
                "id_number_hash",
                "address",
            ],
        )
        e_table = Table(
            DisputeEvent,
            [
                "id",
                "dispute_id",
                "actor_id",
                "action",
                "from_stage",
                "to_stage",
                "reason",
                "data",
                "created_at",
            ],
        )
        o_table = Table(
            OutboxEvent,
            ["id", "event_type", "area_id", "payload", "created_at", "dispatched_at"],
        )
        first_id = self._next_id(Dispute)
        party_id = [self._next_id(Party)]
        event_id = [self._next_id(DisputeEvent)]
        outbox_id = [self._next_id(OutboxEvent)]
        year_seq: Counter[int] = Counter()
        tz_shift = dt.timedelta(hours=8)  # case numbers follow Asia/Shanghai years
        outbox_since = now_ts - 90 * DAY
        parties: list[tuple] = []
        events: list[tuple] = []
        outbox: list[tuple] = []
        counts: Counter[str] = Counter()
        utc = dt.UTC

        def at(ts: float) -> dt.datetime:
            return dt.datetime.fromtimestamp(ts, utc)

        def event(
            did: int,
            actor: int | None,
            action: str,
            src: str,
            dst: str,
            ts: float,
            data: dict | None = None,
        ) -> None:
            events.append(
                (event_id[0], did, actor, action, src, dst, "", data or {}, at(ts))
            )
            event_id[0] += 1

        def emit(kind: str, grid_id: int, payload: dict, ts: float) -> None:
            outbox.append((outbox_id[0], kind, grid_id, payload, at(ts), at(ts + 2)))
            outbox_id[0] += 1

        def dispute_rows() -> Iterator[tuple]:
            for seq, i in enumerate(order):
                did = first_id + seq
                stage = stages[i]
                gi = grid_idx[i]
                grid_id, _grid_path, grid_code = self.grids[gi]
                cat = categories[cat_idx[i]]
                worker = self.grid_worker.get(grid_id)
                is_open = stage in OPEN_STAGE_WEIGHTS
                level = levels[i]
                if is_open:
                    if stage in STAGE_LEVEL:
                        level = STAGE_LEVEL[stage]
                    stage_at = entered[i]
                    climbs = LEVELS.index(level)
                    created = stage_at - rng.uniform(0.2, 1.5) * DAY * (climbs + 1)
                else:
                    created = entered[i]
                    climbs = LEVELS.index(level)
                    stage_at = created  # replaced below
                created_dt = at(created)
                year = (created_dt + tz_shift).year
                year_seq[year] += 1
                number = f"HSB-{year}-{year_seq[year]:06d}"
                title_pool = TITLES.get(cat.code) or TITLES["other"]
                title = rng.choice(title_pool)
                event(
                    did,
                    worker,
                    "created",
                    "",
                    "grid",
                    created,
                    {"source": sources[i], "risk": risks[i]},
                )
                recent = created >= outbox_since
                payload = {"id": did, "number": number, "grid": grid_code}
                if recent:
                    emit("dispute.created", grid_id, payload, created)
                ts = created
                src = "grid"
                for step in range(climbs):
                    ts += rng.uniform(0.2, 1.5) * DAY
                    dst = LEVEL_STAGE[LEVELS[step + 1]]
                    event(did, None, "escalate", src, dst, ts)
                    if recent:
                        emit("dispute.stage_changed", grid_id, payload, ts)
                    src = dst
                resolved_level = resolved_at = closed_at = followed = None
                method = outcome = ""
                satisfied = None
                feedback_level = None
                due = warn = warned = overdue = None
                ever_overdue = False
                version = 1 + climbs
                if is_open:
                    stage_at = max(entered[i], ts)
                    if stage in ("feedback", "follow_up"):
                        resolved_level = level
                        resolved_at = at(stage_at)
                        method = rng.choice(METHODS)
                        outcome = "双方达成调解协议"
                        if stage == "feedback":
                            feedback_level = LEVELS[max(0, climbs - 1)]
                        event(did, None, "resolve", src, stage, stage_at)
                        version += 1
                    length = STAGE_DAYS[stage] * DAY
                    due_ts = stage_at + length
                    due = at(due_ts)
                    warn = at(stage_at + 0.75 * length)
                    if stage_at + 0.75 * length <= now_ts:
                        warned = warn
                    if due_ts <= now_ts:
                        overdue = at(due_ts + 60)
                        ever_overdue = True
                        event(
                            did,
                            None,
                            "overdue",
                            stage,
                            stage,
                            due_ts + 60,
                            {"due_at": due.isoformat()},
                        )
                else:
                    ts += rng.uniform(0.5, 10) * DAY
                    if stage == "closed":
                        resolved_level = level
                        resolved_at = at(ts)
                        method = rng.choice(METHODS)
                        outcome = "双方达成调解协议并履行"
                        if climbs:
                            event(did, None, "resolve", src, "feedback", ts)
                            ts += rng.uniform(0.2, 2) * DAY
                            event(
                                did,
                                None,
                                "acknowledge_feedback",
                                "feedback",
                                "follow_up",
                                ts,
                            )
                            version += 2
                        else:
                            event(did, worker, "resolve", src, "follow_up", ts)
                            version += 1
                        ts += rng.uniform(1, 7) * DAY
                        followed = at(ts)
                        satisfied = rng.random() < 0.9
                        event(did, worker, "follow_up", "follow_up", "closed", ts)
                        version += 1
                    else:
                        action = {
                            "rejected": "reject",
                            "transferred": "transfer",
                            "withdrawn": "withdraw",
                        }[stage]
                        event(did, None, action, src, stage, ts)
                        version += 1
                    closed_at = at(ts)
                    stage_at = ts
                    ever_overdue = rng.random() < 0.12
                    if ever_overdue:
                        event(did, None, "overdue", src, src, created + DAY)
                    if recent:
                        emit("dispute.stage_changed", grid_id, payload, ts)
                for k in range(rng.choices((1, 2, 3), weights=(30, 55, 15))[0]):
                    name, phone, phone_hash, ident, ident_hash = rng.choice(pool)
                    parties.append(
                        (
                            party_id[0],
                            did,
                            name,
                            ("applicant", "respondent", "other")[k],
                            phone,
                            phone_hash,
                            ident,
                            ident_hash,
                            f"{grid_code[-6:-3]}组{rng.randrange(1, 80)}号",
                        )
                    )
                    party_id[0] += 1
                counts[stage] += 1
                if overdue is not None:
                    counts["overdue"] += 1
                yield (
                    did,
                    number,
                    grid_id,
                    cat.pk,
                    risks[i],
                    sources[i],
                    title,
                    f"{title}：当事人反映情况，网格员已登记。",
                    created_dt,
                    created_dt,
                    worker,
                    stage,
                    at(stage_at),
                    due,
                    warn,
                    warned,
                    warned,
                    overdue,
                    overdue,
                    ever_overdue,
                    LEVELS[climbs],
                    resolved_level,
                    resolved_at,
                    method,
                    outcome,
                    feedback_level,
                    closed_at,
                    satisfied,
                    followed,
                    version,
                )

        # Disputes first (their rows are referenced), children after, in
        # slices so memory stays bounded on L.
        gen = dispute_rows()
        slice_size = 100_000
        while True:
            batch = list(_take(gen, slice_size))
            if not batch:
                break
            self.writer.write(d_table, batch)
            self.writer.write(p_table, parties)
            self.writer.write(e_table, events)
            self.writer.write(o_table, outbox)
            parties.clear()
            events.clear()
            outbox.clear()
        for year, last in year_seq.items():
            CaseNumberCounter.objects.update_or_create(
                year=year, defaults={"last": last}
            )
        self.report.counts.update(
            disputes=d_table.rows,
            parties=p_table.rows,
            events=e_table.rows,
            outbox=o_table.rows,
            open=sum(counts[s] for s in OPEN_STAGE_WEIGHTS),
            closed=counts["closed"],
            overdue_open=counts["overdue"],
        )

    # Helpers ------------------------------------------------------------------
    @staticmethod
    def _next_id(model: Any) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1

    def run(self) -> Report:
        from django.db import transaction

        started = time.perf_counter()
        cpu = time.process_time()
        load = os.getloadavg()[0]
        with transaction.atomic(using=self.connection.alias):
            dropped = self._drop_secondary() if self._rebuild() else None
            for step in (self.areas, self.accounts, self.disputes):
                t = time.perf_counter()
                step()
                self.report.seconds[step.__name__] = time.perf_counter() - t
            if dropped is not None:
                t = time.perf_counter()
                self._restore(dropped)
                self.report.seconds["rebuild indexes and keys"] = (
                    time.perf_counter() - t
                )
            self._reset_sequences()
        for table, secs in self.writer.seconds.items():
            self.report.seconds[f"write {table}"] = secs
        self.report.seconds["total (in transaction)"] = time.perf_counter() - started
        self.report.seconds["generator CPU (this process)"] = time.process_time() - cpu
        self.report.load = (load, os.getloadavg()[0])
        return self.report

    def _rebuild(self) -> bool:
        return self.size.rebuild_indexes and self.connection.vendor == "postgresql"

    BULK_TABLES = (
        "disputes_dispute",
        "disputes_party",
        "disputes_disputeevent",
        "integrations_outboxevent",
    )

    def _drop_secondary(self) -> list[tuple[str, str, str]]:
        """Drop the foreign keys and plain indexes of the bulk tables; returns
        what to recreate. Primary keys and unique constraints stay (they
        guard the data being loaded)."""
        dropped: list[tuple[str, str, str]] = []
        with self.connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname,
                       pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE c.contype = 'f'
                  AND (c.conrelid::regclass::text = ANY(%s)
                       OR c.confrelid::regclass::text = ANY(%s))
                """,
                [list(self.BULK_TABLES), list(self.BULK_TABLES)],
            )
            for table, name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                dropped.append(
                    ("constraint", table, f'ADD CONSTRAINT "{name}" {definition}')
                )
            cursor.execute(
                """
                SELECT i.tablename, i.indexname, i.indexdef
                FROM pg_indexes i
                WHERE i.tablename = ANY(%s)
                  AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c
                    WHERE c.conname = i.indexname
                  )
                """,
                [list(self.BULK_TABLES)],
            )
            for _table, name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append(("index", _table, definition))
        return dropped

    def _restore(self, dropped: list[tuple[str, str, str]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for kind, _table, definition in dropped:
                if kind == "index":
                    cursor.execute(definition)
            for kind, table, definition in dropped:
                if kind == "constraint":
                    cursor.execute(f'ALTER TABLE "{table}" {definition}')

    def _reset_sequences(self) -> None:
        from django.apps import apps
        from django.core.management.color import no_style

        models = [
            apps.get_model(label)
            for label in (
                "grids.Area",
                "core.User",
                "disputes.Dispute",
                "disputes.Party",
                "disputes.DisputeEvent",
                "integrations.OutboxEvent",
            )
        ]
        statements = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _take(it: Iterator[tuple], n: int) -> Iterator[tuple]:
    for _ in range(n):
        try:
            yield next(it)
        except StopIteration:
            return


# --- command line ------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist."""
    import psycopg2
    from psycopg2 import sql

    base, name = url.rsplit("/", 1)
    if not name.startswith("hongsibu_bench"):
        raise SystemExit(
            f"refusing database {name!r}: benchmark databases are named "
            "hongsibu_bench_* (never a test or working database)"
        )
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


META_TABLE = "bench_dataset"


def dataset_info(connection: Any) -> dict[str, Any] | None:
    """What the generator recorded in a benchmark database, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT info FROM {META_TABLE} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def record_dataset(connection: Any, info: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} "
            "(id serial PRIMARY KEY, info jsonb NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute(
            f"INSERT INTO {META_TABLE} (info) VALUES (%s)", [json.dumps(info)]
        )


def wipe(connection: Any) -> None:
    """Empty a benchmark database's generated tables (benchmark DB only)."""
    name = connection.settings_dict["NAME"]
    if not str(name).startswith("hongsibu_bench"):
        raise SystemExit(f"refusing to wipe {name!r}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'django_migrations' AND tablename NOT IN "
            "('disputes_disputecategory', 'disputes_deadlinepolicy', "
            "'disputes_calendarday', 'django_content_type', 'auth_permission')"
        )
        tables = [r[0] for r in cursor.fetchall()]
        if tables:
            cursor.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"
            )


def post_load(info: dict[str, Any]) -> bool:
    """Derived data other apps keep (the dashboards' summary tables), built
    once after a load; returns whether anything was done."""
    import importlib.util

    done = info.setdefault("post_load", {})
    changed = False
    if importlib.util.find_spec("dashboards.rollup") and "dashboards" not in done:
        from dashboards import rollup

        if hasattr(rollup, "rebuild"):
            t = time.perf_counter()
            result = rollup.rebuild()
            done["dashboards"] = {
                "seconds": round(time.perf_counter() - t, 2),
                "result": result,
            }
            print(f"dashboards summary tables rebuilt: {done['dashboards']}")
            changed = True
    return changed


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--force", action="store_true", help="regenerate even if the dataset exists"
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    from bench.config import bench_database_url, bench_env

    url = args.database_url or bench_database_url(args.size)
    ensure_database(url)
    os.environ.update(bench_env(url))
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - t
    existing = dataset_info(connection)
    if existing and existing.get("size") == args.size and not args.force:
        print(f"dataset {args.size} already in {url}: {existing['counts']}")
        if post_load(existing):
            record_dataset(connection, existing)
        return existing
    t = time.perf_counter()
    wipe(connection)
    wipe_s = time.perf_counter() - t
    print(f"generating {args.size} into {url} ...")
    report = Generator(SIZES[args.size], connection, seed=args.seed).run()
    t = time.perf_counter()
    connection.close()
    with connection.cursor() as cursor:
        for table in (
            "grids_area",
            "core_user",
            *Generator.BULK_TABLES,
        ):
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    report.seconds["vacuum analyze"] = time.perf_counter() - t
    report.seconds["migrate"] = migrate_s
    report.seconds["wipe"] = wipe_s
    info = report.as_dict()
    post_load(info)
    info["seed"] = args.seed
    info["generated_at"] = dt.datetime.now(dt.UTC).isoformat()
    record_dataset(connection, info)
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return info


if __name__ == "__main__":
    main()
