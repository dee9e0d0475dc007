from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain: reports every edited, deleted or "
        "inserted record and exits non-zero when the chain is broken or records "
        "were left unchained for longer than AUDIT_CHAIN_GRACE_SECONDS."
    )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        report = verify_chain()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"audit trail BROKEN: {len(report.problems)} problem(s) "
                f"in {report.checked} records"
            )
        pending = (
            f", {report.pending} recent record(s) waiting to be chained"
            if report.pending
            else ""
        )
        self.stdout.write(
            f"audit trail intact: {report.checked} records verified{pending}"
        )
