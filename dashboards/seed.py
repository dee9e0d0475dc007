"""Demo data of the dashboards: the default assessment weights and the
summary tables computed from the demo cases. Idempotent."""

from __future__ import annotations

from typing import TextIO

from .models import ScoreWeights
from .rollup import rebuild


def seed(stdout: TextIO | None = None) -> None:
    if not ScoreWeights.objects.exists():
        ScoreWeights.objects.create(name="默认权重")
    result = rebuild()
    if stdout is not None:
        stdout.write(
            f"dashboards: summary tables rebuilt ({result['daily_rows']} rows)\n"
        )
