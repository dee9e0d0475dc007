"""Checking the chain: every record's hash matches its content and points to
the record before it, and the head points to the last one."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import GENESIS, AuditChainHead, AuditRecord


@dataclass
class Report:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(batch: int = 2000) -> Report:
    report = Report()
    head = AuditChainHead.objects.filter(pk=1).first()
    expected = head.anchor_hash if head else GENESIS
    last_id = 0
    last_hash = expected
    while True:
        rows = list(AuditRecord.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for record in rows:
            report.checked += 1
            if record.prev_hash != last_hash:
                report.problems.append(
                    f"record #{record.pk}: does not follow the record before it "
                    "(a record was deleted or inserted before it)"
                )
            if record.compute_hash() != record.hash:
                report.problems.append(
                    f"record #{record.pk}: content does not match its hash "
                    "(it was edited)"
                )
            last_hash = record.hash
            last_id = record.pk
    if head is not None and head.last_hash != last_hash:
        report.problems.append(
            "the end of the chain is missing: the last record(s) were deleted"
        )
    if head is None and report.checked:
        report.problems.append("the chain head row is missing")
    return report
