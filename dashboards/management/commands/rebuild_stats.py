from django.core.management.base import BaseCommand

from dashboards.rollup import rebuild


class Command(BaseCommand):
    help = "Recompute the dashboards' summary tables from the disputes."

    def handle(self, *args, **opts) -> None:  # type: ignore[no-untyped-def]
        result = rebuild()
        self.stdout.write(f"Rebuilt: {result}")
