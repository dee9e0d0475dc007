from django.core.management.base import BaseCommand

from core.sweep import run_sweeps


class Command(BaseCommand):
    help = (
        "Run every deadline sweep once (what the beat task does every minute): "
        "mark what is past due, notify, escalate by policy. Safe to run at any "
        "time, also while the beat task runs."
    )

    def handle(self, *args, **opts) -> None:  # type: ignore[no-untyped-def]
        for name, (marked, handled) in run_sweeps().items():
            self.stdout.write(f"{name}: {marked} marked, {handled} handled")
