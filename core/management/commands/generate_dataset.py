"""``python manage.py generate_dataset --size S``: a thin wrapper around
``bench/generate.py``, run in its own process because the generator points
Django at the benchmark database (never the configured one)."""

import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

GENERATOR = Path(__file__).resolve().parents[3] / "bench" / "generate.py"


class Command(BaseCommand):
    help = (
        "Generate a benchmark dataset (S: the district, M: a province with a "
        "million disputes, L: ten million) into a hongsibu_bench_* database "
        "through COPY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=["T", "S", "M", "L"], default="S")
        parser.add_argument("--database-url", default="")
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts) -> None:  # type: ignore[no-untyped-def]
        cmd = [sys.executable, str(GENERATOR), "--size", opts["size"]]
        cmd += ["--seed", str(opts["seed"])]
        if opts["database_url"]:
            cmd += ["--database-url", opts["database_url"]]
        if opts["force"]:
            cmd.append("--force")
        if subprocess.call(cmd) != 0:
            raise CommandError("dataset generation failed")
