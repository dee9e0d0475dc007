"""Demo data: faithful histories, the report's proportions, idempotent."""

from __future__ import annotations

import io

from disputes import seed as dispute_seed
from disputes.models import Dispute, DisputeEvent
from disputes.transitions import MOVES


def test_seed_does_nothing_without_grids(db):
    out = io.StringIO()
    dispute_seed.seed(stdout=out)
    assert not Dispute.objects.exists()
    assert "no grids" in out.getvalue()


def test_seed_builds_two_years_through_allowed_moves(tree, personas, category):
    dispute_seed.seed(per_year=150)
    cases = Dispute.objects.all()
    assert cases.count() == 300
    accepted = cases.exclude(stage="rejected").count()
    resolved = cases.filter(resolved_at__isnull=False).count()
    assert resolved / accepted > 0.95
    low = cases.filter(resolved_level__in=["grid", "village"]).count()
    assert low / resolved > 0.8
    assert cases.filter(stage__in=Dispute.OPEN_STAGES).exists()
    # Every history follows the table of moves, stage to stage.
    events = DisputeEvent.objects.order_by("dispute_id", "created_at", "pk")
    previous: dict[int, str] = {}
    for e in events.iterator():
        if e.action == "created":
            assert e.dispute_id not in previous
        else:
            assert e.from_stage == previous[e.dispute_id]
            assert e.from_stage in MOVES[e.action]
        previous[e.dispute_id] = e.to_stage
    from django.utils import timezone

    assert not DisputeEvent.objects.filter(created_at__gt=timezone.now()).exists()
    stages = dict(cases.values_list("pk", "stage"))
    assert previous == stages
    # Idempotent.
    dispute_seed.seed(per_year=150)
    assert Dispute.objects.count() == 300
    # Parties are encrypted and masked like any other.
    party = cases.first().parties.first()
    assert party.phone.startswith("+86139")
