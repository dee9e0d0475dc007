"""Assignments keep their history: handovers, ends, overlap refusals."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import Conflict, DomainError, InvalidTransition
from policing.models import Assignment, Person
from tests.grids.forces import D0, assign, person, zone


def test_a_second_primary_officer_for_the_same_grid_is_refused(tree):
    first = person("community_officer", tree.village)
    assign(first, tree.grid)
    second = person("community_officer", tree.village)
    with pytest.raises(Conflict) as exc:
        assign(second, tree.grid, start_date=dt.date(2025, 5, 1))
    assert first.name in exc.value.detail
    assert "甲村第1网格" in exc.value.detail
    # A backup officer, or a primary one after the first ended, is fine.
    assign(second, tree.grid, is_primary=False, start_date=dt.date(2025, 5, 1))
    Assignment.objects.get(person=first).end(on=dt.date(2025, 5, 31))
    assign(
        person("community_officer", tree.village),
        tree.grid,
        start_date=dt.date(2025, 6, 1),
    )
    # The backup cannot also hold the same post as primary at the same time.
    with pytest.raises(Conflict):
        assign(second, tree.grid, start_date=dt.date(2026, 1, 1), is_primary=False)
    assert Assignment.objects.filter(grid=tree.grid).count() == 3


def test_an_assignment_ending_before_the_next_starts_does_not_overlap(tree):
    assign(
        person("community_officer", tree.village),
        tree.grid,
        end_date=dt.date(2025, 3, 31),
    )
    assign(
        person("community_officer", tree.village),
        tree.grid,
        start_date=dt.date(2025, 4, 1),
    )
    with pytest.raises(Conflict):
        assign(
            person("community_officer", tree.village),
            tree.grid,
            start_date=dt.date(2025, 3, 31),
        )


def test_handover_closes_one_assignment_and_opens_the_next(tree):
    old = person("community_officer", tree.village)
    new = person("community_officer", tree.village)
    a = assign(old, tree.grid, concurrent_post="兼任甲村党支部副书记")
    successor = a.hand_over(to=new, on=dt.date(2025, 7, 1), note="调任")
    a.refresh_from_db()
    assert a.end_date == dt.date(2025, 6, 30)
    assert successor.person == new
    assert successor.start_date == dt.date(2025, 7, 1)
    assert successor.end_date is None
    assert successor.predecessor == a
    assert successor.concurrent_post == "兼任甲村党支部副书记"
    assert list(Person.objects.officers_of(tree.grid.pk, dt.date(2025, 6, 30))) == [old]
    assert list(Person.objects.officers_of(tree.grid.pk, dt.date(2025, 7, 1))) == [new]
    # The history is kept: two rows, neither overwritten.
    assert Assignment.objects.filter(grid=tree.grid).count() == 2
    with pytest.raises(InvalidTransition):
        a.hand_over(
            to=person("community_officer", tree.village), on=dt.date(2025, 8, 1)
        )


def test_a_failed_handover_changes_nothing(tree):
    old = person("community_officer", tree.village)
    a = assign(old, tree.grid)
    worker = person("grid_worker", tree.village)
    with pytest.raises(ValidationError):
        a.hand_over(to=worker, on=dt.date(2025, 7, 1))  # a grid worker is no officer
    a.refresh_from_db()
    assert a.end_date is None
    with pytest.raises(DomainError):
        a.hand_over(to=person("community_officer", tree.village), on=D0)
    a.refresh_from_db()
    assert a.end_date is None
    assert Assignment.objects.count() == 1


def test_a_handover_into_a_post_that_clashes_is_refused_whole(tree):
    other = person("community_officer", tree.village)
    # ``other`` already holds G1 as a backup; the same post twice is refused.
    assign(other, tree.grid, is_primary=False)
    a = assign(person("community_officer", tree.village), tree.grid)
    with pytest.raises(Conflict):
        a.hand_over(to=other, on=dt.date(2025, 7, 1))
    a.refresh_from_db()
    assert a.end_date is None


def test_assignments_are_never_overwritten(tree):
    a = assign(person("grid_worker", tree.village), tree.grid)
    with pytest.raises(InvalidTransition):
        a.save_checked()
    with pytest.raises(InvalidTransition):
        a.end(on=dt.date(2025, 2, 1)) and a.end(on=dt.date(2025, 1, 15))


def test_the_post_must_suit_the_person(tree):
    with pytest.raises(ValidationError) as exc:
        assign(person("grid_worker", tree.village), tree.grid, role="community_officer")
    assert "role" in exc.value.message_dict
    with pytest.raises(ValidationError):
        Assignment(
            person=person("grid_worker", tree.village),
            role="grid_worker",
            grid=tree.village,
            start_date=D0,
        ).save_checked()


def test_zone_officers_cannot_overlap_either(tree):
    z = zone(tree.village, tree.grid)
    assign(person("community_officer", tree.village), z)
    with pytest.raises(Conflict):
        assign(person("community_officer", tree.village), z)


def test_person_validation(tree):
    p = Person(
        name="张三", role="community_officer", area=tree.village, phone="+12025550123"
    )
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert {"phone", "police_number"} <= set(exc.value.message_dict)
    ok = Person(name="张三", role="grid_worker", area=tree.village, phone="13912345678")
    ok.full_clean()
