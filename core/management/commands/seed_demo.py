from importlib import import_module

from django.core.management.base import BaseCommand

# Order matters: each step builds on the ones before it.
SEED_STEPS = ("grids", "policing", "core", "disputes", "dashboards")


class Command(BaseCommand):
    help = (
        "Load the official division list and the demo data (grids, people, "
        "accounts, disputes). Idempotent: running it again changes nothing."
    )

    def handle(self, *args, **opts) -> None:  # type: ignore[no-untyped-def]
        for app in SEED_STEPS:
            try:
                module = import_module(f"{app}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.seed":
                    raise
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
