"""Hazard transitions: report, fix, verify; refused moves raise domain
errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from core.exceptions import DomainError, InvalidTransition, NotInScope
from policing.models import Hazard
from tests.policing.fieldwork_data import activity, person


def _report(by, grid, days=3, **kw):  # type: ignore[no-untyped-def]
    return Hazard.report(
        by=by,
        grid=grid,
        due_at=timezone.now() + dt.timedelta(days=days),
        kind=Hazard.Kind.FIRE,
        description="楼道堆放杂物",
        responsible_party="物业",
        **kw,
    )


def test_a_hazard_outside_the_account_cannot_be_reported(tree, personas):
    with pytest.raises(NotInScope):
        _report(personas.village, tree.other_grid)
    with pytest.raises(NotInScope):
        _report(personas.district, tree.village)  # not a grid


def test_a_hazard_found_in_an_inspection_must_be_in_the_same_grid(tree, personas):
    p = person("周警官", tree.township)
    inspection = activity(tree.sibling_grid, dt.date(2026, 3, 3), 9, 1, [p])
    with pytest.raises(DomainError):
        _report(personas.village, tree.grid, activity=inspection)
    hazard = _report(personas.village, tree.sibling_grid, activity=inspection)
    assert list(inspection.hazards.all()) == [hazard]


def test_the_deadline_must_be_in_the_future(tree, personas):
    with pytest.raises(DomainError):
        _report(personas.village, tree.grid, days=-1)


def test_fix_then_accepted_verification_closes_it(tree, personas):
    hazard = _report(personas.village, tree.grid)
    with pytest.raises(InvalidTransition):
        hazard.verify(by=personas.village, accepted=True)
    hazard.record_fix(by=personas.grid_worker, fix="已清理")
    assert hazard.status == Hazard.Status.RECTIFIED
    assert hazard.rectified_by == personas.grid_worker
    with pytest.raises(InvalidTransition):
        hazard.record_fix(by=personas.grid_worker, fix="again")
    hazard.verify(by=personas.village, accepted=True, notes="合格")
    assert hazard.status == Hazard.Status.VERIFIED
    assert not hazard.is_open
    assert not Hazard.objects.open().exists()


def test_a_rejected_verification_reopens_with_a_new_deadline(tree, personas):
    hazard = _report(personas.village, tree.grid)
    Hazard.objects.filter(pk=hazard.pk).update(overdue_at=timezone.now())
    hazard.record_fix(by=personas.grid_worker, fix="已清理")
    with pytest.raises(DomainError):
        hazard.verify(by=personas.village, accepted=False)
    new_due = timezone.now() + dt.timedelta(days=2)
    hazard.verify(by=personas.village, accepted=False, new_due_at=new_due)
    assert hazard.status == Hazard.Status.OPEN
    assert hazard.due_at == new_due
    # Cleared so that the sweep can catch the new deadline too.
    assert hazard.overdue_at is None


def test_an_empty_fix_is_refused(tree, personas):
    hazard = _report(personas.village, tree.grid)
    with pytest.raises(DomainError):
        hazard.record_fix(by=personas.village, fix="   ")


def test_the_database_refuses_a_deadline_before_the_report(tree):
    now = timezone.now()
    with pytest.raises(IntegrityError):
        Hazard.objects.create(
            grid=tree.grid,
            kind=Hazard.Kind.OTHER,
            description="x",
            responsible_party="y",
            reported_at=now,
            due_at=now - dt.timedelta(days=1),
        )
