"""Checking the chain: in chain order (``seq``), every record's hash matches its
content and points to the record before it, the positions leave no gap, and
the head points to the last one. Records not chained yet are counted as
pending while they are young and reported as a problem once they are older
than ``AUDIT_CHAIN_GRACE_SECONDS`` (the chainer should have reached them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from .models import GENESIS, AuditChainHead, AuditRecord

DEFAULT_GRACE_SECONDS = 300


def grace() -> dt.timedelta:
    seconds = getattr(settings, "AUDIT_CHAIN_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)
    return dt.timedelta(seconds=seconds)


@dataclass
class Report:
    checked: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(batch: int = 2000, now: dt.datetime | None = None) -> Report:
    report = Report()
    # The head first: records chained after this read are left to the next
    # run, so a chainer at work is not mistaken for a broken end.
    head = AuditChainHead.objects.filter(pk=1).first()
    end = head.count if head else None
    last_hash = head.anchor_hash if head else GENESIS
    last_seq: int | None = None
    chained = AuditRecord.objects.in_chain_order()
    if end is not None:
        chained = chained.filter(seq__lte=end)
    while True:
        rows = chained
        if last_seq is not None:
            rows = rows.filter(seq__gt=last_seq)
        rows = list(rows[:batch])
        if not rows:
            break
        for record in rows:
            report.checked += 1
            if last_seq is not None and record.seq != last_seq + 1:
                report.problems.append(
                    f"record #{record.pk}: chain positions {last_seq + 1}–"
                    f"{record.seq - 1} are missing (records were deleted)"
                )
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
            last_seq = record.seq
    if head is not None and head.last_hash != last_hash:
        report.problems.append(
            "the end of the chain is missing: the last record(s) were deleted"
        )
    if head is None and report.checked:
        report.problems.append("the chain head row is missing")
    _unchained(report, now or timezone.now())
    return report


def _unchained(report: Report, now: dt.datetime) -> None:
    unchained = AuditRecord.objects.unchained()
    cutoff = now - grace()
    stale = list(
        unchained.filter(created_at__lt=cutoff)
        .order_by("id")
        .values_list("id", "created_at")[:20]
    )
    stale_count = len(stale)
    if stale_count == 20:
        stale_count = unchained.filter(created_at__lt=cutoff).count()
    report.pending = unchained.count() - stale_count
    if stale:
        first_id, first_at = stale[0]
        report.problems.append(
            f"{stale_count} record(s) left unchained for more than "
            f"{int(grace().total_seconds())} s, the oldest #{first_id} of "
            f"{first_at.isoformat()} (is the chain-audit beat task running?)"
        )
