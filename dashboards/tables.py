"""Every dashboard table as rows for CSV and XLSX, with Chinese headers (the
headers are translatable strings; the export runs in the user's language)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Area

from .definitions import DEFINITIONS
from .services import Dashboard, Period, ranking

TABLES: dict[str, Any] = {
    "children": gettext_lazy("Figures by area"),
    "categories": gettext_lazy("By category"),
    "risks": gettext_lazy("By risk colour"),
    "monthly": gettext_lazy("Month by month"),
    "durations": gettext_lazy("Time to resolve by level"),
    "grids": gettext_lazy("Grids"),
    "ranking_township": gettext_lazy("Township ranking"),
    "ranking_village": gettext_lazy("Village ranking"),
}

FIGURE_COLUMNS = [
    "collected",
    "accepted",
    "resolved",
    "resolution_rate",
    "grid_share",
    "village_share",
    "district_share",
    "on_time_rate",
    "follow_up_coverage",
    "satisfaction_rate",
    "rejected",
    "withdrawn",
    "transferred",
]


def _labels(keys: list[str]) -> list[str]:
    return [str(DEFINITIONS[k].label) for k in keys]


def _values(row: dict, keys: list[str]) -> list[Any]:
    return ["" if row.get(k) is None else row.get(k) for k in keys]


def _children(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    keys = [*FIGURE_COLUMNS, "open_now", "overdue_now"]
    header = [_("Area code"), _("Area name"), *_labels(keys)]
    rows = [
        [r["area"].code, r["area"].name, *_values(r, keys)]
        for r in Dashboard(area, period).children()
    ]
    return header, rows


def _categories(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    header = [_("Category"), *_labels(FIGURE_COLUMNS)]
    rows = [
        [r["name"], *_values(r, FIGURE_COLUMNS)]
        for r in Dashboard(area, period).by_category()
    ]
    return header, rows


def _risks(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    keys = [*FIGURE_COLUMNS, "open_now", "overdue_now"]
    header = [_("Risk colour"), *_labels(keys)]
    rows = [
        [str(r["label"]), *_values(r, keys)] for r in Dashboard(area, period).by_risk()
    ]
    return header, rows


def _monthly(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    header = [_("Month"), *_labels(FIGURE_COLUMNS)]
    rows = [
        [r["month"], *_values(r, FIGURE_COLUMNS)]
        for r in Dashboard(area, period).monthly()
    ]
    return header, rows


def _durations(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Level resolved at"),
        _("Cases resolved"),
        _("Median time to resolve (hours, at most)"),
        _("90th percentile (hours, at most)"),
    ]
    rows = []
    for r in Dashboard(area, period).durations():
        cells = []
        for key in ("median", "p90"):
            v = r[key]
            cells.append(
                ""
                if v is None
                else (f">{v['hours']}" if v["open_ended"] else v["hours"])
            )
        rows.append([str(r["label"]), r["n"], *cells])
    return header, rows


def _grids(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Area code"),
        _("Area name"),
        _("Residents"),
        str(DEFINITIONS["collected"].label),
        str(DEFINITIONS["per_thousand"].label),
        str(DEFINITIONS["open_now"].label),
        str(DEFINITIONS["overdue_now"].label),
    ]
    rows = [
        [
            g["code"],
            g["name"],
            g["residents"],
            g["collected"],
            "" if g["per_thousand"] is None else g["per_thousand"],
            g["open"],
            g["overdue"],
        ]
        for g in Dashboard(area, period).grids()
    ]
    return header, rows


def _ranking(level: str) -> Callable[[Area, Period], tuple[list[str], list[list[Any]]]]:
    def build(area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
        keys = [
            "resolution_rate",
            "on_time_rate",
            "grid_share",
            "local_share",
            "satisfaction_rate",
        ]
        header = [
            _("Rank"),
            _("Area code"),
            _("Area name"),
            str(DEFINITIONS["score"].label),
            *_labels(keys),
            str(DEFINITIONS["grids_with_officer"].label),
            str(DEFINITIONS["collected"].label),
        ]
        rows = [
            [
                r["rank"] or "",
                r["area"].code,
                r["area"].name,
                "" if r["score"] is None else r["score"],
                *_values(r, keys),
                "" if r["officer_coverage"] is None else r["officer_coverage"],
                r["collected"],
            ]
            for r in ranking(area, period, level)
        ]
        return header, rows

    return build


BUILDERS = {
    "children": _children,
    "categories": _categories,
    "risks": _risks,
    "monthly": _monthly,
    "durations": _durations,
    "grids": _grids,
    "ranking_township": _ranking(Area.Level.TOWNSHIP),
    "ranking_village": _ranking(Area.Level.VILLAGE),
}


def build(table: str, area: Area, period: Period) -> tuple[list[str], list[list[Any]]]:
    return BUILDERS[table](area, period)
