"""Helpers for the dispute tests: a case in the tree's first grid, and the
grid's community officer as a policing.Person with an assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from disputes.models import Dispute, DisputeCategory
from policing.models import Assignment, Person


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    # Eight personas per test: the production hasher would dominate run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_reference_data() -> None:
    """Categories, policy and calendar come from a data migration; tests with
    ``transaction=True`` flush them, so they are loaded again (idempotently)."""
    import importlib

    from django.apps import apps

    importlib.import_module("disputes.migrations.0002_reference_data").load(apps, None)


@pytest.fixture
def category(db) -> DisputeCategory:  # type: ignore[no-untyped-def]
    ensure_reference_data()
    return DisputeCategory.objects.get(code="neighbours")


@pytest.fixture
def officer_person(tree, personas) -> Person:  # type: ignore[no-untyped-def]
    person = Person.objects.create(
        name="周警官",
        role=Person.Role.COMMUNITY_OFFICER,
        area=tree.grid,
        user=personas.officer,
    )
    Assignment.objects.create(
        person=person,
        grid=tree.grid,
        role=Assignment.Role.COMMUNITY_OFFICER,
        start_date=timezone.localdate() - dt.timedelta(days=365),
    )
    return person


@pytest.fixture
def make_case(tree, personas, category):  # type: ignore[no-untyped-def]
    def make(**kw) -> Dispute:  # type: ignore[no-untyped-def]
        values = {
            "by": personas.grid_worker,
            "grid": tree.grid,
            "category": category,
            "title": "两户因院墙排水发生争执",
            "parties": [
                {"name": "马某", "role": "applicant", "phone": "13900000000"},
                {
                    "name": "李某",
                    "role": "respondent",
                    "id_number": "11010519491231002X",
                },
            ],
            **kw,
        }
        case, _created = Dispute.intake(**values)
        return case

    return make


def walk(case: Dispute, personas, to: str) -> Dispute:  # type: ignore[no-untyped-def]
    """Move a fresh case (grid stage) to stage ``to`` by real transitions."""
    S = Dispute.Stage
    path = {
        S.GRID: [],
        S.VILLAGE_REVIEW: [("escalate", personas.grid_worker)],
        S.TOWNSHIP_COORDINATION: [
            ("escalate", personas.grid_worker),
            ("escalate", personas.village),
        ],
        S.DISTRICT_ANALYSIS: [
            ("escalate", personas.grid_worker),
            ("escalate", personas.village),
            ("escalate", personas.township),
        ],
        S.FEEDBACK: [("escalate", personas.grid_worker), ("resolve", personas.village)],
        S.FOLLOW_UP: [("resolve", personas.grid_worker)],
        S.CLOSED: [
            ("resolve", personas.grid_worker),
            ("follow_up", personas.grid_worker),
        ],
        S.REJECTED: [("reject", personas.grid_worker)],
        S.TRANSFERRED: [("transfer", personas.grid_worker)],
        S.WITHDRAWN: [("withdraw", personas.grid_worker)],
    }[to]
    for action, user in path:
        if action == "escalate":
            case.escalate(by=user, reason="需上级协调")
        elif action == "resolve":
            case.resolve(
                by=user, outcome="双方达成调解协议", method="peoples_mediation"
            )
        elif action == "follow_up":
            case.follow_up(by=user, satisfied=True, notes="双方满意")
        elif action == "reject":
            case.reject(by=user, reason="不属于矛盾纠纷")
        elif action == "transfer":
            case.transfer(by=user, to="人民法院", reason="诉调对接")
        elif action == "withdraw":
            case.withdraw(by=user, reason="当事人撤回")
    case.refresh_from_db()
    assert case.stage == to
    return case
