"""Administrators keep categories, the deadline policy and the calendar; cases
and events are read-only there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.models import CalendarDay, DeadlinePolicy


@pytest.mark.parametrize(
    "model",
    [
        "dispute",
        "disputeevent",
        "deadlinepolicy",
        "calendarday",
        "disputecategory",
        "whistle",
        "notification",
        "attachment",
    ],
)
def test_admin_lists_open(model, client, personas, make_case):
    make_case()
    client.force_login(personas.admin)
    assert client.get(reverse(f"admin:disputes_{model}_changelist")).status_code == 200


def test_a_case_and_its_events_cannot_be_changed_in_admin(client, personas, make_case):
    case = make_case()
    event = case.events.get()
    client.force_login(personas.admin)
    assert (
        client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:disputes_disputeevent_add")).status_code == 403
    delete = reverse("admin:disputes_disputeevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert case.events.count() == 1


def test_policy_and_calendar_are_seeded_and_editable(client, personas):
    assert DeadlinePolicy.objects.get(stage="grid", risk="").duration == 24
    assert CalendarDay.objects.get(date="2026-02-16").is_working_day is False  # 春节
    assert CalendarDay.objects.get(date="2026-02-14").is_working_day is True  # 调休
    client.force_login(personas.admin)
    policy = DeadlinePolicy.objects.get(stage="village_review", risk="")
    response = client.post(
        reverse("admin:disputes_deadlinepolicy_change", args=[policy.pk]),
        {
            "stage": "village_review",
            "risk": "",
            "category": "",
            "duration": 2,
            "unit": "working_days",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.duration == 2


def test_a_working_day_deadline_skips_the_spring_festival(db):
    import datetime as dt

    from disputes.deadlines import add_working_days

    cst = dt.timezone(dt.timedelta(hours=8))
    # Friday 13 Feb 2026, 10:00; Sat 14 Feb is a make-up working day, then the
    # holiday runs 15-23 Feb: the 14th, 24th and 25th are the three working days.
    start = dt.datetime(2026, 2, 13, 10, 0, tzinfo=cst)
    assert add_working_days(start, 3) == dt.datetime(2026, 2, 25, 10, 0, tzinfo=cst)
    assert add_working_days(start, 1) == dt.datetime(2026, 2, 14, 10, 0, tzinfo=cst)
