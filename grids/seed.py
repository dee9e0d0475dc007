"""Demo and reference data of the area tree."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from django.db import transaction

from .models import Area

DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "hongsibu_divisions.csv"


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


def seed(stdout: TextIO | None = None) -> None:
    load_divisions(stdout)
