"""Grids in and out as tables (CSV or XLSX through ``core.exports``).

An import is checked whole before anything is written: every bad cell is
reported with its row and column, and nothing changes unless every row is
valid. Export writes the same columns, so an exported file imports back as it
is (a round trip changes nothing).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Area, PoliceZone

GRID_COLUMNS: list[tuple[str, Any]] = [
    ("code", gettext_lazy("Grid code")),
    ("name", gettext_lazy("Grid name")),
    ("village_code", gettext_lazy("Village code")),
    ("households", gettext_lazy("Households")),
    ("residents", gettext_lazy("Residents")),
    ("police_zone", gettext_lazy("Police zone code")),
    ("covers", gettext_lazy("Groups and buildings covered")),
    ("boundary", gettext_lazy("Boundary (GeoJSON)")),
]


@dataclass
class RowError:
    row: int  # the line in the file (the header is line 1)
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, str(message)))


def column_index(
    columns: Sequence[tuple[str, Any]], header: Sequence[str], result: ImportResult
) -> dict[str, int] | None:
    """Map each column key to its position; headers may be the key or the
    (translated or Chinese) label. Reports missing required columns."""
    from django.utils import translation

    names: dict[str, str] = {}
    for key, label in columns:
        names[key.lower()] = key
        names[str(label).strip().lower()] = key
        with translation.override("zh-hans"):
            names[str(label).strip().lower()] = key
        with translation.override("en"):
            names[str(label).strip().lower()] = key
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        key = names.get(h.strip().lower())
        if key is not None and key not in index:
            index[key] = i
    if not header:
        result.error(1, "", _("The file is empty or cannot be read."))
        return None
    return index


def cell(row: Sequence[str], index: dict[str, int], key: str) -> str:
    i = index.get(key)
    if i is None or i >= len(row):
        return ""
    return (row[i] or "").strip()


def _label(key: str) -> str:
    return str(dict(GRID_COLUMNS)[key])


def grid_rows(qs: Iterable[Area]) -> Iterable[list[Any]]:
    qs = qs.select_related("police_zone").prefetch_related("covers").order_by("path")
    for g in qs:
        yield [
            g.code,
            g.name,
            g.path and g.code[:12],
            g.households,
            g.residents,
            g.police_zone.code if g.police_zone else "",
            ";".join(sorted(c.code for c in g.covers.all())),
            json.dumps(g.boundary, ensure_ascii=False, separators=(",", ":"))
            if g.boundary
            else "",
        ]


def _int(value: str) -> int | None:
    try:
        number = int(float(value)) if value else 0
    except ValueError:
        return None
    return number if number >= 0 else None


def _geometry(value: str) -> tuple[bool, dict | None]:
    if not value:
        return True, None
    try:
        geometry = json.loads(value)
    except ValueError:
        return False, None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type")
        not in (
            "Polygon",
            "MultiPolygon",
        )
        or not isinstance(geometry.get("coordinates"), list)
    ):
        return False, None
    return True, geometry


def import_grids(
    user: Any, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> ImportResult:
    """Create or update grids from a table. Each row names its village by
    code; the grid code must extend the village code. Nothing is written
    unless every row is valid."""
    result = ImportResult()
    index = column_index(GRID_COLUMNS, header, result)
    if index is None:
        return result
    for key in ("code", "name", "village_code"):
        if key not in index:
            result.error(1, _label(key), _("Missing column."))
    if result.errors:
        return result
    visible = Area.objects.visible_to(user)
    village_codes = {cell(r, index, "village_code") for r in rows}
    villages = {
        a.code: a
        for a in visible.filter(code__in=village_codes, level=Area.Level.VILLAGE)
    }
    codes = [cell(r, index, "code") for r in rows]
    existing = {a.code: a for a in Area.objects.filter(code__in=codes)}
    zone_codes = {cell(r, index, "police_zone") for r in rows} - {""}
    zones = {
        z.code: z
        for z in PoliceZone.objects.visible_to(user).filter(code__in=zone_codes)
    }
    cover_codes = {
        c.strip()
        for r in rows
        for c in cell(r, index, "covers").replace("；", ";").split(";")
        if c.strip()
    }
    units = {
        a.code: a
        for a in visible.filter(
            code__in=cover_codes, level__in=[Area.Level.GROUP, Area.Level.BUILDING]
        )
    }
    seen: dict[str, int] = {}
    plan = []
    for n, row in enumerate(rows, start=2):
        code = cell(row, index, "code")
        name = cell(row, index, "name")
        village_code = cell(row, index, "village_code")
        village = villages.get(village_code)
        if not code:
            result.error(n, _label("code"), _("Required."))
        elif code in seen:
            result.error(
                n, _label("code"), _("Duplicate of row %(row)s.") % {"row": seen[code]}
            )
        else:
            seen[code] = n
        if not name:
            result.error(n, _label("name"), _("Required."))
        if village is None:
            result.error(
                n,
                _label("village_code"),
                _("Unknown village code %(code)s.") % {"code": village_code or "—"},
            )
        elif code and not code.startswith(village.code) or code == village_code:
            result.error(n, _label("code"), _("A grid code extends its village code."))
        current = existing.get(code)
        if current is not None and (
            not current.is_grid
            or village is not None
            and current.path[: -Area.steplen] != village.path
        ):
            result.error(
                n,
                _label("code"),
                _("Code %(code)s is already used by %(name)s.")
                % {"code": code, "name": current.name},
            )
        households = _int(cell(row, index, "households"))
        residents = _int(cell(row, index, "residents"))
        if households is None:
            result.error(n, _label("households"), _("Enter a whole number."))
        if residents is None:
            result.error(n, _label("residents"), _("Enter a whole number."))
        zone_code = cell(row, index, "police_zone")
        zone = zones.get(zone_code)
        if zone_code and zone is None:
            result.error(
                n,
                _label("police_zone"),
                _("Unknown police zone %(code)s.") % {"code": zone_code},
            )
        covers = []
        for c in cell(row, index, "covers").replace("；", ";").split(";"):
            c = c.strip()
            if not c:
                continue
            unit = units.get(c)
            if (
                unit is None
                or village is not None
                and not unit.path.startswith(village.path)
            ):
                result.error(
                    n,
                    _label("covers"),
                    _("Unknown group or building %(code)s in this village.")
                    % {"code": c},
                )
            else:
                covers.append(unit)
        ok, geometry = _geometry(cell(row, index, "boundary"))
        if not ok:
            result.error(
                n, _label("boundary"), _("Not a GeoJSON Polygon or MultiPolygon.")
            )
        plan.append(
            {
                "code": code,
                "name": name,
                "village": village,
                "households": households,
                "residents": residents,
                "police_zone": zone,
                "covers": covers,
                "boundary": geometry,
                "current": current,
            }
        )
    if result.errors:
        return result
    with transaction.atomic():
        for p in plan:
            fields = {
                "name": p["name"],
                "households": p["households"],
                "residents": p["residents"],
                "police_zone": p["police_zone"],
                "boundary": p["boundary"],
            }
            grid = p["current"]
            if grid is None:
                village = Area.objects.get(pk=p["village"].pk)
                grid = Area.objects.add_child(
                    village, {"code": p["code"], "level": Area.Level.GRID, **fields}
                )
                result.created += 1
            else:
                changed = [k for k, v in fields.items() if getattr(grid, k) != v]
                if changed:
                    for k in changed:
                        setattr(grid, k, fields[k])
                    grid.save(update_fields=changed)
                old = set(grid.covers.values_list("pk", flat=True))
                if changed or old != {u.pk for u in p["covers"]}:
                    result.updated += 1
                else:
                    result.unchanged += 1
            grid.covers.set(p["covers"])
    return result
