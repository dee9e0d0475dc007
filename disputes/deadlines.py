"""Due times: the policy table and the working-day calendar.

Deadlines in working days skip weekends and statutory holidays and count the
make-up working days (调休) the State Council publishes; hours and minutes are
clock time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from .models import CalendarDay, DeadlinePolicy

EARLY_WARNING_SHARE = 0.75


def policy_for(stage: str, risk: str, category_id: int | None) -> DeadlinePolicy | None:
    """The most specific policy row: category beats any, colour beats any."""
    return (
        DeadlinePolicy.objects.filter(stage=stage)
        .filter(Q(risk=risk) | Q(risk=""))
        .filter(Q(category_id=category_id) | Q(category__isnull=True))
        .annotate(
            specificity=Case(
                When(category__isnull=False, then=Value(2)),
                default=Value(0),
                output_field=IntegerField(),
            )
            + Case(
                When(~Q(risk=""), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-specificity", "pk")
        .first()
    )


PolicyKey = tuple[str, str, "int | None"]


def policies_for(
    keys: Iterable[PolicyKey],
) -> dict[PolicyKey, DeadlinePolicy | None]:
    """``policy_for`` for many (stage, risk, category id) keys with one query:
    the same rule (category beats any, colour beats any, then the lowest id)
    applied in memory to the stages' rows."""
    keys = set(keys)
    rows = list(
        DeadlinePolicy.objects.filter(stage__in={stage for stage, _r, _c in keys})
    )

    def rank(policy: DeadlinePolicy) -> tuple[int, int]:
        specificity = (2 if policy.category_id is not None else 0) + (
            1 if policy.risk else 0
        )
        return (-specificity, policy.pk)

    found: dict[PolicyKey, DeadlinePolicy | None] = {}
    for stage, risk, category_id in keys:
        matching = [
            p
            for p in rows
            if p.stage == stage
            and p.risk in (risk, "")
            and p.category_id in (category_id, None)
        ]
        found[(stage, risk, category_id)] = min(matching, key=rank, default=None)
    return found


def is_working_day(day: dt.date, overrides: dict[dt.date, bool] | None = None) -> bool:
    if overrides is not None and day in overrides:
        return overrides[day]
    if overrides is None:
        row = CalendarDay.objects.filter(date=day).values_list(
            "is_working_day", flat=True
        )
        if row:
            return row[0]
    return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved forward by ``days`` working days, same local clock time.

    One query reads the calendar exceptions of the window the count can span.
    """
    local = timezone.localtime(start)
    first = local.date() + dt.timedelta(days=1)
    window_end = first + dt.timedelta(days=days * 3 + 40)
    overrides = dict(
        CalendarDay.objects.filter(date__gte=first, date__lte=window_end).values_list(
            "date", "is_working_day"
        )
    )
    day = local.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day > window_end:  # a calendar gap bigger than any real holiday
            overrides = {}
        if is_working_day(day, overrides):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def add_duration(start: dt.datetime, duration: int, unit: str) -> dt.datetime:
    if unit == DeadlinePolicy.Unit.MINUTES:
        return start + dt.timedelta(minutes=duration)
    if unit == DeadlinePolicy.Unit.HOURS:
        return start + dt.timedelta(hours=duration)
    return add_working_days(start, duration)


def due_for(
    stage: str, risk: str, category_id: int | None, start: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None, DeadlinePolicy | None]:
    """(due time, early-warning time, policy) of a stage entered at ``start``;
    (None, None, None) when no policy covers the stage."""
    policy = policy_for(stage, risk, category_id)
    if policy is None:
        return None, None, None
    due = add_duration(start, policy.duration, policy.unit)
    warn = start + (due - start) * EARLY_WARNING_SHARE
    return due, warn, policy


def dues_for(
    keys: Iterable[PolicyKey], start: dt.datetime
) -> dict[
    PolicyKey, tuple[dt.datetime | None, dt.datetime | None, DeadlinePolicy | None]
]:
    """``due_for`` for many (stage, risk, category id) keys entering their
    stage at the same ``start``: one query for the policies and one calendar
    query per distinct working-day duration."""
    policies = policies_for(keys)
    dues: dict[tuple[int, str], dt.datetime] = {}
    found: dict[
        PolicyKey, tuple[dt.datetime | None, dt.datetime | None, DeadlinePolicy | None]
    ] = {}
    for key, policy in policies.items():
        if policy is None:
            found[key] = (None, None, None)
            continue
        length = (policy.duration, policy.unit)
        if length not in dues:
            dues[length] = add_duration(start, *length)
        due = dues[length]
        found[key] = (due, start + (due - start) * EARLY_WARNING_SHARE, policy)
    return found
