"""Due times: the policy table and the working-day calendar.

Deadlines in working days skip weekends and statutory holidays and count the
make-up working days (调休) the State Council publishes; hours and minutes are
clock time.
"""

from __future__ import annotations

import datetime as dt

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
