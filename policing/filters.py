"""One FilterSet per list, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area

from .models import Assignment, Person, Station


def _within(request, queryset: QuerySet, code: str, *fields: str) -> QuerySet:  # type: ignore[no-untyped-def]
    """Rows whose area (any of ``fields``) lies in the subtree of ``code``;
    an unknown or invisible code matches nothing."""
    user = getattr(request, "user", None)
    area = Area.objects.visible_to(user).filter(code=code).first()
    if area is None:
        return queryset.none()
    q = Q()
    for f in fields:
        q |= Q(**{f"{f}__path__startswith": area.path})
    return queryset.filter(q)


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Person.Role.choices, label=_("Role"))
    station = django_filters.ModelChoiceFilter(
        queryset=Station.objects.none(), label=_("Police station")
    )
    active = django_filters.BooleanFilter(label=_("Active"))
    party_member = django_filters.BooleanFilter(label=_("Party member"))
    within = django_filters.CharFilter(
        method="filter_within",
        label=_("Within area (code)"),
        help_text=_(
            "People kept by, or assigned in, the area and everything below it."
        ),
    )
    on_duty = django_filters.DateFilter(
        method="filter_on_duty",
        label=_("On duty on"),
        help_text=_("Only people with an assignment in force on this date."),
    )

    date = django_filters.DateFilter(
        method="filter_on_duty",
        label=_("Date"),
        help_text=_(
            "Same as on_duty: people with an assignment in force on this date."
        ),
    )

    class Meta:
        model = Person
        fields = [
            "q",
            "role",
            "station",
            "active",
            "party_member",
            "within",
            "on_duty",
            "date",
        ]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.filters["station"].queryset = Station.objects.visible_to(user).order_by(
            "code"
        )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        digits = "".join(ch for ch in value if ch.isdigit())
        q = Q(name__icontains=value) | Q(police_number=value)
        if len(digits) >= 4:
            q |= Q(phone__contains=digits)
        return queryset.filter(q)

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        area = Area.objects.visible_to(self.request.user).filter(code=value).first()
        if area is None:
            return queryset.none()
        posted = Assignment.objects.filter(
            Q(grid__path__startswith=area.path)
            | Q(zone__area__path__startswith=area.path)
        ).values("person_id")
        return queryset.filter(Q(area__path__startswith=area.path) | Q(pk__in=posted))

    def filter_on_duty(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Assignment.objects.current(value).values("person_id")
        )


class AssignmentFilter(django_filters.FilterSet):
    within = django_filters.CharFilter(
        method="filter_within",
        label=_("Within area (code)"),
        help_text=_("Assignments to grids or zones in the area's subtree."),
    )
    role = django_filters.ChoiceFilter(
        choices=Assignment.Role.choices, label=_("Role held")
    )
    person = django_filters.NumberFilter(field_name="person_id", label=_("Person"))
    grid = django_filters.CharFilter(field_name="grid__code", label=_("Grid code"))
    zone = django_filters.CharFilter(
        field_name="zone__code", label=_("Police zone code")
    )
    active = django_filters.BooleanFilter(
        method="filter_active",
        label=_("In force"),
        help_text=_("In force on the date given by `date` (today by default)."),
    )
    date = django_filters.DateFilter(
        method="filter_date",
        label=_("Date"),
        help_text=_("Only assignments in force on this date."),
    )
    is_primary = django_filters.BooleanFilter(label=_("Primary"))

    class Meta:
        model = Assignment
        fields = [
            "within",
            "role",
            "person",
            "grid",
            "zone",
            "active",
            "date",
            "is_primary",
        ]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return _within(self.request, queryset, value, "grid", "zone__area")

    def _on(self) -> dt.date:
        raw = (
            self.form.cleaned_data.get("date")
            if hasattr(self.form, "cleaned_data")
            else None
        )
        return raw or timezone.localdate()

    def filter_active(
        self, queryset: QuerySet, name: str, value: bool | None
    ) -> QuerySet:
        if value is None:
            return queryset
        current = Assignment.objects.current(self._on()).values("pk")
        return (
            queryset.filter(pk__in=current)
            if value
            else queryset.exclude(pk__in=current)
        )

    def filter_date(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(pk__in=Assignment.objects.current(value).values("pk"))
