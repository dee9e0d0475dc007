"""Demo field work: built from the people posted to grids, once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from policing import seed_fieldwork
from policing.models import Activity, Hazard, Person, TimeEntry
from policing.worktime import officer_time_shares
from tests.policing.fieldwork_data import person, post


def test_without_people_the_seed_does_nothing(tree):
    seed_fieldwork.seed()
    assert not Activity.objects.exists()


def test_the_seed_fills_months_of_work_and_runs_only_once(tree, personas):
    zhou = person("周警官", tree.township)
    vol = person("海大叔", tree.township, role=Person.Role.VOLUNTEER_POLICE)
    post(zhou, tree.grid, dt.date(2025, 1, 1))
    post(vol, tree.grid, dt.date(2025, 1, 1), role="volunteer_police")
    seed_fieldwork.seed()
    counts = (
        Activity.objects.count(),
        Hazard.objects.count(),
        TimeEntry.objects.count(),
    )
    assert counts[0] >= 9 and counts[2] > 0
    months = set(Activity.objects.values_list("work_date__month", flat=True))
    assert len(months) >= 2
    assert officer_time_shares(personas.district, timezone.localdate())[0].total_hours
    seed_fieldwork.seed()
    assert (
        Activity.objects.count(),
        Hazard.objects.count(),
        TimeEntry.objects.count(),
    ) == counts
