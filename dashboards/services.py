"""The figures of a dashboard, read from the summary tables only.

Each method is one set-based query (a SUM ... GROUP BY over the summary rows
under the area's path prefix), so the cost depends on the number of grids and
days in view, never on the number of cases.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import F, Sum
from django.db.models.functions import Substr, TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError
from disputes.models import Dispute, DisputeCategory
from grids.models import Area

from .models import (
    DURATION_EDGES_HOURS,
    DisputeDailyStat,
    OpenSnapshot,
    ResolveDurationStat,
    RollupState,
    ScoreWeights,
)
from .rollup import COUNTERS

COUNTER_NAMES = list(COUNTERS)
S = Dispute.Stage
LEVELS = [lvl.value for lvl in Dispute.Level]
RISKS = [r.value for r in Dispute.Risk]
# Children shown on an area's dashboard: what its drill-down opens.
CHILD_LEVELS = {
    Area.Level.PROVINCE: Area.Level.CITY,
    Area.Level.CITY: Area.Level.DISTRICT,
    Area.Level.DISTRICT: Area.Level.TOWNSHIP,
    Area.Level.TOWNSHIP: Area.Level.VILLAGE,
    Area.Level.VILLAGE: Area.Level.GRID,
}
PERIOD_KINDS = {
    "month": gettext_lazy("This month"),
    "year": gettext_lazy("This year"),
    "custom": gettext_lazy("Custom"),
}
MAX_PERIOD_DAYS = 3660


# --- the period -----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    def query(self) -> dict[str, str]:
        if self.kind == "custom":
            return {
                "period": "custom",
                "from": self.start.isoformat(),
                "to": self.end.isoformat(),
            }
        return {"period": self.kind}


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise DomainError(
            _("%(name)s must be a date like 2026-01-31.") % {"name": name}
        ) from None


def parse_period(params: Any, today: dt.date | None = None) -> Period:
    """The period of a request: ``period=month|year|custom`` (``from``/``to``
    for custom; giving ``from`` or ``to`` alone implies custom)."""
    today = today or timezone.localdate()
    kind = (params.get("period") or "").strip()
    if not kind:
        kind = "custom" if params.get("from") or params.get("to") else "month"
    if kind == "year":
        return Period("year", today.replace(month=1, day=1), today)
    if kind == "custom":
        start = _date(params.get("from") or "", "from") if params.get("from") else None
        end = _date(params.get("to"), "to") if params.get("to") else today
        start = start or end.replace(day=1)
        if start > end:
            raise DomainError(_("The period must start before it ends."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise DomainError(_("The period may cover ten years at most."))
        return Period("custom", start, end)
    if kind != "month":
        raise DomainError(_("The period must be month, year or custom."))
    return Period("month", today.replace(day=1), today)


# --- figures from counters ---------------------------------------------------------


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """A percentage with one decimal, or None when there is nothing to rate."""
    if not denominator:
        return None
    return round(100.0 * (numerator or 0) / denominator, 1)


def derive(c: dict[str, int], open_now: dict[str, int] | None = None) -> dict:
    """The dashboard's figures from summed counters (and the open snapshot)."""
    c = {k: c.get(k) or 0 for k in COUNTER_NAMES}
    accepted = c["collected"] - c["rejected"] - c["withdrawn"]
    figures = {
        **c,
        "accepted": accepted,
        "resolution_rate": rate(c["resolved"], accepted),
        "grid_share": rate(c["resolved_grid"], c["resolved"]),
        "village_share": rate(c["resolved_village"], c["resolved"]),
        "local_share": rate(c["resolved_grid"] + c["resolved_village"], c["resolved"]),
        "district_share": rate(c["reached_district"], accepted),
        "on_time_rate": rate(c["closed_on_time"], c["closed"] + c["open_ever_overdue"]),
        "follow_up_coverage": rate(c["followed_up"], c["follow_up_due"]),
        "satisfaction_rate": rate(c["satisfied"], c["satisfied"] + c["unsatisfied"]),
    }
    if open_now is not None:
        figures["open_now"] = open_now.get("open") or 0
        figures["overdue_now"] = open_now.get("overdue") or 0
        figures["overdue_rate"] = rate(figures["overdue_now"], figures["open_now"])
    return figures


def _sums() -> dict[str, Sum]:
    return {name: Sum(name) for name in COUNTER_NAMES}


def percentile(histogram: dict[int, int], p: float) -> dict | None:
    """The nearest-rank percentile of a bucket histogram: the upper edge (in
    hours) of the bucket holding it; the last bucket is open-ended."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            if bucket >= len(DURATION_EDGES_HOURS):
                return {"hours": DURATION_EDGES_HOURS[-1], "open_ended": True}
            return {"hours": DURATION_EDGES_HOURS[bucket], "open_ended": False}
    return None  # pragma: no cover - the loop always reaches the rank


def format_hours(value: dict | None) -> str:
    if value is None:
        return "—"
    hours = value["hours"]
    text = (
        _("%(n)s h") % {"n": hours}
        if hours < 48
        else _("%(n)s d") % {"n": round(hours / 24)}
    )
    return ("> " if value["open_ended"] else "≤ ") + text


def case_list_url(area: Area, period: Period | None, **filters: Any) -> str:
    """The filtered case list behind a figure (the disputes app's list page)."""
    try:
        base = reverse("disputes:list")
    except NoReverseMatch:
        base = "/disputes/"
    params: list[tuple[str, Any]] = [("subtree", area.code)]
    if period is not None:
        params += [
            ("created_after", period.start.isoformat()),
            ("created_before", period.end.isoformat()),
        ]
    for key, value in filters.items():
        if isinstance(value, list | tuple):
            params += [(key, v) for v in value]
        else:
            params.append((key, value))
    return f"{base}?{urlencode(params)}"


RESOLVED_STAGES = [S.FEEDBACK, S.FOLLOW_UP, S.CLOSED]

# The case-list filter behind each figure, in the parameters of the disputes
# FilterSet (disputes/filters.py). Figures the FilterSet cannot select yet
# (the level a case was resolved at or reached) have no list behind them.
FIGURE_FILTERS: dict[str, dict[str, Any]] = {
    "collected": {},
    "accepted": {
        "stage": [s for s in Dispute.Stage.values if s not in (S.REJECTED, S.WITHDRAWN)]
    },
    "rejected": {"stage": S.REJECTED},
    "withdrawn": {"stage": S.WITHDRAWN},
    "transferred": {"stage": S.TRANSFERRED},
    "resolved": {"stage": RESOLVED_STAGES},
    "closed": {"stage": S.CLOSED},
}
NOW_FILTERS: dict[str, dict[str, Any]] = {
    "open_now": {"open": "true"},
    "overdue_now": {"overdue": "true"},
}


# --- the dashboard -------------------------------------------------------------------


# Figures of these levels are cached per refresh generation: a province or
# city reads every summary row of its grids for the period (hundreds of
# thousands on a province), and they change only when the refresh task runs.
CACHED_LEVELS = frozenset({Area.Level.PROVINCE, Area.Level.CITY, Area.Level.DISTRICT})
# Only bounds the memory: a refresh changes the generation, hence the key.
CACHE_SECONDS = 600


def _add(into: dict[str, int], counters: dict[str, int | None]) -> None:
    for name in COUNTER_NAMES:
        into[name] = into.get(name, 0) + (counters.get(name) or 0)


class Dashboard:
    """The figures of one area over one period, from the summary tables.

    The daily rows are read once for the totals, children, categories and
    colours (one GROUP BY on child, category and colour), and the open-now
    snapshot once for everything that shows it; the months need a query of
    their own only when the period spans several. Above the township the
    rows read are cached until the next refresh (``CACHED_LEVELS``)."""

    def __init__(self, area: Area, period: Period, generation: int | None = None):
        self.area = area
        self.period = period
        self.child_level = CHILD_LEVELS.get(area.level)
        self.generation = generation
        self._parts: dict[str, Any] = {}

    # Queries
    def stats(self) -> Any:
        return DisputeDailyStat.objects.within(self.area.path).filter(
            day__gte=self.period.start, day__lte=self.period.end
        )

    def snapshot(self) -> Any:
        return OpenSnapshot.objects.within(self.area.path)

    @property
    def child_length(self) -> int:
        """The length of a child's path (the area's own if it has none)."""
        if self.child_level is None:
            return len(self.area.path)
        return len(self.area.path) + Area.steplen

    def cache_key(self, part: str) -> str:
        if self.generation is None:
            self.generation = RollupState.current_generation()
        return (
            f"dashboards:{self.generation}:{self.area.path}:"
            f"{self.period.start:%Y%m%d}:{self.period.end:%Y%m%d}:{part}"
        )

    def _part(self, name: str) -> Any:
        """Summary rows as plain data, read once per dashboard (and, above
        the township, once per refresh)."""
        if name not in self._parts:
            read = getattr(self, f"_read_{name}")
            if self.cached:
                key = self.cache_key(name)
                value = cache.get(key)
                if value is None:
                    value = read()
                    cache.set(key, value, CACHE_SECONDS)
            else:
                value = read()
            self._parts[name] = value
        return self._parts[name]

    @property
    def cached(self) -> bool:
        return self.area.level in CACHED_LEVELS

    def _read_cube(self) -> list[tuple[str, int, str, dict[str, int]]]:
        """(path, category, colour, summed counters). The path is the child's
        above the township; below, the grid's (a township has a few dozen
        grids), so the map's figures come from the same read."""
        path = (
            Substr("grid_path", 1, self.child_length) if self.cached else F("grid_path")
        )
        rows = (
            self.stats()
            .annotate(key=path)
            .values("key", "category_id", "risk")
            .annotate(**_sums())
            .order_by()
        )
        return [(r.pop("key"), r.pop("category_id"), r.pop("risk"), r) for r in rows]

    def _read_snapshot(self) -> list[tuple[int, str, str, int, int]]:
        """(grid, grid path, colour, open, overdue): the snapshot holds one
        row per grid and colour, so this is at most four rows per grid."""
        return list(
            self.snapshot().values_list(
                "grid_id", "grid_path", "risk", "open", "overdue"
            )
        )

    def _read_monthly(self) -> list[tuple[str, dict[str, int]]]:
        if (self.period.start.year, self.period.start.month) == (
            self.period.end.year,
            self.period.end.month,
        ):
            # One month: its sums are the totals (no month without rows).
            cube = self._part("cube")
            if not cube:
                return []
            counters: dict[str, int] = {}
            for *_key, row in cube:
                _add(counters, row)
            return [(f"{self.period.start:%Y-%m}", counters)]
        rows = (
            self.stats()
            .annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(**_sums())
            .order_by("month")
        )
        return [(f"{r.pop('month'):%Y-%m}", r) for r in rows if r["month"] is not None]

    def _read_durations(self) -> list[tuple[str, int, int]]:
        return list(
            ResolveDurationStat.objects.within(self.area.path)
            .filter(day__gte=self.period.start, day__lte=self.period.end)
            .values("level", "bucket")
            .annotate(n=Sum("n"))
            .order_by()
            .values_list("level", "bucket", "n")
        )

    def _read_collected_by_grid(self) -> dict[int, int]:
        """Collected per grid id (above the township; below, the cube has it)."""
        return dict(
            self.stats()
            .values("grid_id")
            .annotate(n=Sum("collected"))
            .order_by()
            .values_list("grid_id", "n")
        )

    def _counters_by(self, key: Any) -> dict[Any, dict[str, int]]:
        """Counters summed by ``key(path, category, risk)`` of the cube."""
        found: dict[Any, dict[str, int]] = {}
        for path, category, risk, counters in self._part("cube"):
            _add(found.setdefault(key(path, category, risk), {}), counters)
        return found

    def _now_by(self, key: Any) -> dict[Any, dict[str, int]]:
        """Open and overdue now summed by ``key(grid_id, grid_path, risk)``."""
        found: dict[Any, dict[str, int]] = {}
        for grid_id, path, risk, open_, overdue in self._part("snapshot"):
            entry = found.setdefault(
                key(grid_id, path, risk), {"open": 0, "overdue": 0}
            )
            entry["open"] += open_
            entry["overdue"] += overdue
        return found

    def totals(self) -> dict:
        counters: dict[str, int] = {}
        for *_key, row in self._part("cube"):
            _add(counters, row)
        now = self._now_by(lambda g, p, r: None).get(None, {})
        return derive(counters, now)

    def children_areas(self) -> list[Area]:
        if self.child_level is None:
            return []
        return list(
            Area.objects.filter(
                path__startswith=self.area.path,
                depth=self.area.depth + 1,
                level=self.child_level,
            ).order_by("code")
        )

    def children(self) -> list[dict]:
        """One row per child area: its figures and what is open now."""
        areas = self.children_areas()
        if not areas:
            return []
        length = self.child_length
        stats = self._counters_by(lambda p, c, r: p[:length])
        now = self._now_by(lambda g, p, r: p[:length])
        return [
            {"area": a, **derive(stats.get(a.path, {}), now.get(a.path, {}))}
            for a in areas
        ]

    def monthly(self) -> list[dict]:
        return [
            {"month": month, **derive(counters)}
            for month, counters in self._part("monthly")
        ]

    def by_category(self) -> list[dict]:
        rows = self._counters_by(lambda p, c, r: c)
        names = {
            pk: (code, name)
            for pk, code, name in DisputeCategory.objects.filter(
                pk__in=rows
            ).values_list("pk", "code", "name")
        }
        result = [
            {
                "category_id": pk,
                "code": names.get(pk, ("", ""))[0],
                "name": names.get(pk, ("", str(pk)))[1],
                **derive(r),
            }
            for pk, r in rows.items()
        ]
        return sorted(result, key=lambda r: (-r["collected"], r["name"]))

    def by_risk(self) -> list[dict]:
        rows = self._counters_by(lambda p, c, r: r)
        now = self._now_by(lambda g, p, r: r)
        return [
            {
                "risk": risk,
                "label": Dispute.Risk(risk).label,
                **derive(rows.get(risk, {}), now.get(risk, {})),
            }
            for risk in reversed(RISKS)
        ]

    def durations(self) -> list[dict]:
        """Median and 90th percentile of the time to resolve, per level."""
        hist: dict[str, dict[int, int]] = {level: {} for level in LEVELS}
        for level, bucket, n in self._part("durations"):
            hist.setdefault(level, {})[bucket] = n
        result = []
        for level in LEVELS:
            h = hist[level]
            median, p90 = percentile(h, 0.5), percentile(h, 0.9)
            result.append(
                {
                    "level": level,
                    "label": Dispute.Level(level).label,
                    "n": sum(h.values()),
                    "median": median,
                    "p90": p90,
                    "median_text": format_hours(median),
                    "p90_text": format_hours(p90),
                }
            )
        return result

    def grids(self) -> list[dict]:
        """Every grid in the area, for the map: open, overdue, collected in the
        period and per 1,000 residents."""
        grids = [dict(g) for g in self.grid_rows()]
        if self.cached:
            collected, by = self._part("collected_by_grid"), "id"
        else:
            collected = {
                path: counters["collected"]
                for path, counters in self._counters_by(lambda p, c, r: p).items()
            }
            by = "path"
        now = self._now_by(lambda g, p, r: g)
        for g in grids:
            g["collected"] = collected.get(g[by], 0)
            g["open"] = now.get(g["id"], {}).get("open", 0)
            g["overdue"] = now.get(g["id"], {}).get("overdue", 0)
            g["per_thousand"] = (
                round(1000.0 * g["collected"] / g["residents"], 2)
                if g["residents"]
                else None
            )
        return grids

    def grid_rows(self) -> list[dict]:
        """The area's grids (read once per dashboard, for the map and the
        coverage)."""
        if "grid_rows" not in self._parts:
            self._parts["grid_rows"] = list(
                Area.objects.filter(
                    path__startswith=self.area.path, level=Area.Level.GRID
                )
                .order_by("path")
                .values("id", "code", "name", "path", "residents", "boundary")
            )
        return self._parts["grid_rows"]

    def coverage(self) -> dict:
        """Grids with a community officer assigned today, for the area and per
        child (one query over assignments; the grids are the map's)."""
        grids = [(g["id"], g["path"]) for g in self.grid_rows()]
        return officer_coverage(self.area, timezone.localdate(), grids=grids)

    # Links
    def figure_url(self, key: str, **extra: Any) -> str | None:
        if key in NOW_FILTERS:
            return case_list_url(self.area, None, **NOW_FILTERS[key], **extra)
        if key in FIGURE_FILTERS:
            return case_list_url(self.area, self.period, **FIGURE_FILTERS[key], **extra)
        return None


def officer_coverage(
    area: Area,
    on: dt.date,
    child_length: int | None = None,
    *,
    grids: list[tuple[int, str]] | None = None,
) -> dict:
    """Grids with a current community officer, in total and per path prefix
    of ``child_length`` (the area's children by default). ``grids``: the
    area's (id, path) pairs when the caller has them already."""
    from policing.models import Assignment

    if child_length is None:
        child_length = (
            len(area.path) + Area.steplen if area.level in CHILD_LEVELS else 0
        )
    if grids is None:
        grids = list(
            Area.objects.filter(
                path__startswith=area.path, level=Area.Level.GRID
            ).values_list("id", "path")
        )
    all_grids = grids
    covered = set(
        Assignment.objects.current(on)
        .filter(
            role=Assignment.Role.COMMUNITY_OFFICER,
            person__active=True,
            grid__path__startswith=area.path,
        )
        .values_list("grid_id", flat=True)
        .distinct()
    )
    per_child: dict[str, list[int]] = {}
    for grid_id, path in all_grids:
        if child_length:
            entry = per_child.setdefault(path[:child_length], [0, 0])
            entry[0] += 1
            entry[1] += grid_id in covered
    total = len(all_grids)
    with_officer = sum(1 for grid_id, _p in all_grids if grid_id in covered)
    return {
        "grids": total,
        "with_officer": with_officer,
        "rate": rate(with_officer, total),
        "per_child": {
            prefix: {"grids": g, "with_officer": c, "rate": rate(c, g)}
            for prefix, (g, c) in per_child.items()
        },
    }


# --- rankings ---------------------------------------------------------------------


SCORE_PARTS = {
    "resolution_rate": "resolution_rate",
    "on_time_rate": "on_time_rate",
    "grid_share": "grid_share",
    "village_share": "local_share",
    "satisfaction_rate": "satisfaction_rate",
    "officer_coverage": "officer_coverage",
}


def score(figures: dict, weights: dict[str, float]) -> float | None:
    """Weighted mean of the parts that have a value."""
    total = weight = 0.0
    for part, key in SCORE_PARTS.items():
        value = figures.get(key)
        w = weights.get(part, 0.0)
        if value is None or not w:
            continue
        total += w * value
        weight += w
    return round(total / weight, 1) if weight else None


def ranking(area: Area, period: Period, level: str) -> list[dict]:
    """The areas of ``level`` under ``area`` ranked on the assessment score,
    with its parts: three queries whatever the number of cases."""
    units = list(
        Area.objects.filter(path__startswith=area.path, level=level)
        .exclude(pk=area.pk)
        .order_by("code")
    )
    if not units:
        return []
    length = len(units[0].path)
    stats = {
        row.pop("prefix"): row
        for row in DisputeDailyStat.objects.within(area.path)
        .filter(day__gte=period.start, day__lte=period.end)
        .annotate(prefix=Substr("grid_path", 1, length))
        .values("prefix")
        .annotate(**_sums())
        .order_by()
    }
    coverage = _coverage_by_prefix(area, length)
    weights = ScoreWeights.in_use().as_dict()
    rows = []
    for unit in units:
        figures = derive(stats.get(unit.path, {}))
        figures["officer_coverage"] = coverage.get(unit.path)
        rows.append({"area": unit, **figures, "score": score(figures, weights)})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["area"].code))
    for i, row in enumerate(rows, start=1):
        row["rank"] = i if row["score"] is not None else None
    return rows


def _coverage_by_prefix(area: Area, length: int) -> dict[str, float | None]:
    per_child = officer_coverage(area, timezone.localdate(), length)["per_child"]
    return {prefix: entry["rate"] for prefix, entry in per_child.items()}
