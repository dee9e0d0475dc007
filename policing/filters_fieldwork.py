"""FilterSets of the field-work lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area

from .models import Activity, Hazard, Person, TimeEntry


def _grids(request: Any) -> QuerySet:
    if request is None:
        return Area.objects.none()
    return Area.objects.visible_to(request.user).grids()


def _people(request: Any) -> QuerySet:
    if request is None:
        return Person.objects.none()
    return Person.objects.visible_to(request.user)


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        label=_("kind"), choices=Activity.Kind.choices
    )
    grid = django_filters.ModelChoiceFilter(label=_("grid"), queryset=_grids)
    area = django_filters.ModelChoiceFilter(
        label=_("area"),
        queryset=lambda r: (
            Area.objects.visible_to(r.user) if r else Area.objects.none()
        ),
        method="filter_area",
        help_text=_("Everything in the area's subtree."),
    )
    participant = django_filters.NumberFilter(
        label=_("participant"), field_name="participants", distinct=True
    )
    date_from = django_filters.DateFilter(
        label=_("from"), field_name="work_date", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(
        label=_("to"), field_name="work_date", lookup_expr="lte"
    )

    class Meta:
        model = Activity
        fields = ["kind", "grid", "area", "participant", "date_from", "date_to"]

    def filter_area(self, queryset: QuerySet, name: str, value: Area) -> QuerySet:
        return queryset.filter(grid__path__startswith=value.path)


class HazardFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("status"), choices=Hazard.Status.choices
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("kind"), choices=Hazard.Kind.choices
    )
    grid = django_filters.ModelChoiceFilter(label=_("grid"), queryset=_grids)
    overdue = django_filters.BooleanFilter(
        label=_("overdue"),
        method="filter_overdue",
        help_text=_("Awaiting rectification past the deadline."),
    )
    activity = django_filters.NumberFilter(label=_("found during activity"))

    class Meta:
        model = Hazard
        fields = ["status", "kind", "grid", "overdue", "activity"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = Hazard.objects.overdue(timezone.now()).values("pk")
        if value:
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)


class TimeEntryFilter(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(label=_("person"), queryset=_people)
    duty = django_filters.MultipleChoiceFilter(
        label=_("duty"), choices=TimeEntry.Duty.choices
    )
    non_police = django_filters.BooleanFilter(label=_("non-police duty"))
    date_from = django_filters.DateFilter(
        label=_("from"), field_name="work_date", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(
        label=_("to"), field_name="work_date", lookup_expr="lte"
    )

    class Meta:
        model = TimeEntry
        fields = ["person", "duty", "non_police", "date_from", "date_to"]
