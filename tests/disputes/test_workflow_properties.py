"""Random sequences of actions by random people never break the workflow:
every event follows the table of moves, nothing leaves an end stage, and the
version counts the changes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import DomainError
from disputes.models import Dispute
from disputes.transitions import MOVES
from tests.disputes.test_transitions import do

ACTIONS = sorted(MOVES)
WHO = [
    "grid_worker",
    "officer",
    "village",
    "township",
    "district",
    "leader",
    "outsider",
]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(WHO)), max_size=12
    )
)
def test_any_sequence_of_actions_keeps_the_workflow_sound(steps, make_case, personas):
    case = make_case()
    for action, who in steps:
        before = Dispute.objects.get(pk=case.pk)
        try:
            do(case, action, getattr(personas, who))
        except DomainError:
            after = Dispute.objects.get(pk=case.pk)
            assert (after.stage, after.version) == (before.stage, before.version)
            continue
        assert before.stage in MOVES[action]
        assert before.stage not in Dispute.END_STAGES
        assert who not in ("leader", "outsider")
    case.refresh_from_db()
    events = list(case.events.order_by("created_at", "pk"))
    assert events[0].action == "created"
    stage = "grid"
    for e in events[1:]:
        assert e.from_stage == stage
        if e.action in MOVES:
            assert e.from_stage in MOVES[e.action]
        stage = e.to_stage
    assert stage == case.stage
    changes = [e for e in events[1:] if e.action in MOVES or e.action == "report_in"]
    assert case.version == 1 + len(changes)
