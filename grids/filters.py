"""Filters of areas and grids, shared by pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Area


class AreaFilter(django_filters.FilterSet):
    within = django_filters.CharFilter(
        method="filter_within",
        label=_("Within area (code)"),
        help_text=_("The area with this code and everything below it."),
    )
    level = django_filters.ChoiceFilter(choices=Area.Level.choices, label=_("Level"))
    parent = django_filters.CharFilter(
        method="filter_parent",
        label=_("Parent code"),
        help_text=_("Direct children only."),
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Area
        fields = ["within", "level", "parent", "q"]

    def _area(self, code: str) -> Area | None:
        return Area.objects.visible_to(self.request.user).filter(code=code).first()

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        area = self._area(value)
        return queryset.subtree(area) if area else queryset.none()

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        area = self._area(value)
        if area is None:
            return queryset.none()
        return queryset.filter(path__startswith=area.path, depth=area.depth + 1)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class GridFilter(AreaFilter):
    level = None  # a grid list is all one level
    zone = django_filters.CharFilter(
        field_name="police_zone__code", label=_("Police zone code")
    )

    class Meta:
        model = Area
        fields = ["within", "parent", "q", "zone"]
