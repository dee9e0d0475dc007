"""Demo and reference data of the area tree.

``load_divisions`` loads the official list (district, townships, villages).
``seed_demo_grids`` adds what the official list lacks: boundaries that tile the
district, and per village its grids, groups (村民小组) or buildings (楼栋, in
communities), and police zones. Everything is deterministic (seeded by the
village code), so running the seed again changes nothing.
"""

from __future__ import annotations

import csv
import logging
import random
from pathlib import Path
from typing import TextIO

from django.db import transaction

from .geometry import HONGSIBU_BBOX, polygon, split_columns, tile
from .models import Area, PoliceZone

logger = logging.getLogger(__name__)

DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "hongsibu_divisions.csv"

#: How many grids the demo spreads over the 74 villages ("close to 500").
DEMO_GRID_TOTAL = 496
CHINESE_NUMERALS = "一二三四五六七八九十"


@transaction.atomic
def load_divisions(stdout: TextIO | None = None) -> int:
    """Load the official division list (district, townships, villages).

    Idempotent: existing codes are updated in place (name), new ones added under
    their parent. Returns the number of areas created.
    """
    with DIVISIONS_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {
        a.code: a for a in Area.objects.filter(code__in=[r["code"] for r in rows])
    }
    created = 0
    for row in rows:  # the file lists parents before children
        area = by_code.get(row["code"])
        if area is not None:
            if area.name != row["name"]:
                area.name = row["name"]
                area.save(update_fields=["name"])
            continue
        fields = {"code": row["code"], "name": row["name"], "level": row["level"]}
        if row["parent_code"]:
            parent = by_code[row["parent_code"]]
            area = Area.objects.add_child(parent, fields)
        else:
            area = Area.objects.add_root(fields)
        by_code[area.code] = area
        created += 1
    if stdout:
        stdout.write(
            f"divisions: {created} created, {len(rows)} in the official list\n"
        )
    return created


def is_community(village: Area) -> bool:
    """An urban community (社区) rather than a rural village."""
    return "社区" in village.name or village.name.endswith("居民委员会")


def grid_counts(villages: list[Area], total: int = DEMO_GRID_TOTAL) -> dict[str, int]:
    """Grids per village code: more in communities and big villages, at least
    three each, summing to ``total``."""
    weights = {}
    for v in villages:
        rng = random.Random(f"size:{v.code}")
        weights[v.code] = (1.8 if is_community(v) else 1.0) * rng.uniform(0.55, 1.6)
    wsum = sum(weights.values())
    counts = {c: max(3, round(total * w / wsum)) for c, w in weights.items()}
    # Settle the rounding on the biggest villages so the total is exact.
    order = sorted(weights, key=lambda c: -weights[c])
    i = 0
    while sum(counts.values()) != total and order:
        code = order[i % len(order)]
        if sum(counts.values()) > total and counts[code] > 3:
            counts[code] -= 1
        elif sum(counts.values()) < total:
            counts[code] += 1
        i += 1
    return counts


def _set_boundaries(district: Area) -> list[Area]:
    """Townships tile the district, villages tile their township."""
    townships = list(
        Area.objects.filter(path__startswith=district.path, level="township").order_by(
            "code"
        )
    )
    villages = list(
        Area.objects.filter(path__startswith=district.path, level="village").order_by(
            "code"
        )
    )
    by_township: dict[str, list[Area]] = {t.path: [] for t in townships}
    for v in villages:
        by_township.setdefault(v.path[: -Area.steplen], []).append(v)
    changed: list[Area] = []

    def put(area: Area, geometry: dict) -> None:
        if area.boundary != geometry:
            area.boundary = geometry
            changed.append(area)

    put(district, polygon(HONGSIBU_BBOX))
    strips = split_columns(
        HONGSIBU_BBOX, [len(by_township[t.path]) + 2 for t in townships]
    )
    for township, strip in zip(townships, strips, strict=True):
        put(township, polygon(strip))
        children = by_township[township.path]
        for village, cell in zip(children, tile(strip, len(children)), strict=True):
            put(village, polygon(cell))
    if changed:
        Area.objects.bulk_update(changed, ["boundary"], batch_size=200)
    return villages


def _zone_sizes(n: int) -> list[int]:
    """Grids per police zone in a village: three to five, about four."""
    zones = max(1, round(n / 4))
    return [n // zones + (1 if i < n % zones else 0) for i in range(zones)]


def _build_village(village: Area) -> tuple[list[Area], list[PoliceZone], list]:
    """The children of one village (grids first, then groups or buildings), its
    zones and the grid→group cover links, all unsaved."""
    from .geometry import bbox_of

    rng = random.Random(f"village:{village.code}")
    n_grids = village._demo_grid_count  # type: ignore[attr-defined]
    community = is_community(village)
    short = village.short_name
    n_units = n_grids * rng.randint(2, 4) if community else rng.randint(n_grids, 12)
    cells = tile(bbox_of(village.boundary) or HONGSIBU_BBOX, n_grids)

    zones: list[PoliceZone] = []
    zone_of_grid: list[int] = []
    for z, size in enumerate(_zone_sizes(n_grids), start=1):
        zones.append(
            PoliceZone(
                code=f"{village.code}J{z:02d}",
                name=f"{short}第{z}警务区",
                area=village,
            )
        )
        zone_of_grid.extend([z - 1] * size)

    step = 0

    def child(**fields) -> Area:  # type: ignore[no-untyped-def]
        nonlocal step
        step += 1
        return Area(
            path=Area._get_path(village.path, village.depth + 1, step),
            depth=village.depth + 1,
            numchild=0,
            **fields,
        )

    grids = []
    for g in range(1, n_grids + 1):
        households = rng.randint(100, 180) if community else rng.randint(70, 150)
        grids.append(
            child(
                code=f"{village.code}G{g:02d}",
                name=f"{short}第{g}网格",
                level=Area.Level.GRID,
                households=households,
                residents=round(households * rng.uniform(3.2, 4.4)),
                boundary=polygon(cells[g - 1]),
            )
        )
    units = []
    for u in range(1, n_units + 1):
        if community:
            name = f"{u}号楼"
            code = f"{village.code}B{u:03d}"
            level = Area.Level.BUILDING
        else:
            name = (
                f"{CHINESE_NUMERALS[u - 1]}组"
                if u <= 10
                else f"十{CHINESE_NUMERALS[u - 11]}组"
            )
            code = f"{village.code}{u:03d}"
            level = Area.Level.GROUP
        households = rng.randint(30, 90) if community else rng.randint(60, 160)
        units.append(
            child(
                code=code,
                name=name,
                level=level,
                households=households,
                residents=round(households * rng.uniform(3.2, 4.4)),
            )
        )
    # Each unit is covered by one grid; each grid covers at least one unit.
    covers = [(grids[i * n_grids // n_units], unit) for i, unit in enumerate(units)]
    for grid, z in zip(grids, zone_of_grid, strict=True):
        grid._zone_index = z  # type: ignore[attr-defined]
    return grids + units, zones, covers


@transaction.atomic
def seed_demo_grids(stdout: TextIO | None = None) -> int:
    """Boundaries, grids, groups, buildings and zones for every village that
    has none yet. Bulk inserts with paths computed here (treebeard's one-by-one
    ``add_child`` is too slow for a few thousand nodes). Returns the number of
    grids created."""
    district = Area.objects.filter(level="district", code="640303").first()
    if district is None:
        return 0
    villages = _set_boundaries(district)
    counts = grid_counts(villages)
    todo = [v for v in villages if v.numchild == 0]
    if not todo:
        return 0
    all_children: list[Area] = []
    all_zones: list[PoliceZone] = []
    all_covers: list[tuple[Area, Area]] = []
    per_village: list[tuple[Area, list[Area], list[PoliceZone]]] = []
    existing_zones = set(
        PoliceZone.objects.filter(area__in=todo).values_list("code", flat=True)
    )
    for village in todo:
        village._demo_grid_count = counts[village.code]  # type: ignore[attr-defined]
        children, zones, covers = _build_village(village)
        zones = [z for z in zones if z.code not in existing_zones]
        all_children.extend(children)
        all_zones.extend(zones)
        all_covers.extend(covers)
        per_village.append((village, children, zones))
    PoliceZone.objects.bulk_create(all_zones, batch_size=500)
    zones_by_code = {
        z.code: z
        for z in PoliceZone.objects.filter(area__in=todo).only("id", "code", "area")
    }
    for village, children, _zones in per_village:
        for c in children:
            if c.level == Area.Level.GRID:
                c.police_zone = zones_by_code[
                    f"{village.code}J{c._zone_index + 1:02d}"  # type: ignore[attr-defined]
                ]
        Area.objects.filter(pk=village.pk).update(numchild=len(children))
    Area.objects.bulk_create(all_children, batch_size=500)
    ids = dict(
        Area.objects.filter(code__in=[c.code for c in all_children]).values_list(
            "code", "id"
        )
    )
    Through = Area.covers.through
    Through.objects.bulk_create(
        [
            Through(from_area_id=ids[g.code], to_area_id=ids[u.code])
            for g, u in all_covers
        ],
        batch_size=1000,
    )
    _roll_up_population(district)
    grids = sum(1 for c in all_children if c.level == Area.Level.GRID)
    logger.info("demo grids: %s created in %s villages", grids, len(todo))
    if stdout:
        stdout.write(f"grids: {grids} demo grids in {len(todo)} villages\n")
    return grids


def _roll_up_population(district: Area) -> None:
    """Villages, townships and the district carry the sums of their grids."""
    grids = Area.objects.filter(path__startswith=district.path, level="grid").values(
        "path", "households", "residents"
    )
    sums: dict[str, list[int]] = {}
    for g in grids:
        for depth in range(1, len(g["path"]) // Area.steplen):
            key = g["path"][: depth * Area.steplen]
            acc = sums.setdefault(key, [0, 0])
            acc[0] += g["households"]
            acc[1] += g["residents"]
    changed = []
    for area in Area.objects.filter(path__in=list(sums)):
        h, r = sums[area.path]
        if (area.households, area.residents) != (h, r):
            area.households, area.residents = h, r
            changed.append(area)
    Area.objects.bulk_update(changed, ["households", "residents"], batch_size=200)


def seed(stdout: TextIO | None = None) -> None:
    load_divisions(stdout)
    seed_demo_grids(stdout)
