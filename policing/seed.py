"""Demo data of the policing app."""

from __future__ import annotations

from typing import TextIO


def seed(stdout: TextIO | None = None) -> None:
    from . import seed_fieldwork

    seed_fieldwork.seed(stdout)
