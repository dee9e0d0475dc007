"""The one FilterSet of the dispute lists, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from grids.models import Area

from .models import Dispute, DisputeCategory, Risk


@extend_schema_field(OpenApiTypes.STR)
class CategoryCodeFilter(django_filters.ModelMultipleChoiceFilter):
    """Category codes (repeat the parameter for several)."""


class DisputeFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(
        label=_("stage"), choices=Dispute.Stage.choices
    )
    risk = django_filters.MultipleChoiceFilter(
        label=_("risk colour"), choices=Risk.choices
    )
    category = CategoryCodeFilter(
        label=_("category"),
        field_name="category__code",
        to_field_name="code",
        queryset=DisputeCategory.objects.all(),
    )
    subtree = django_filters.CharFilter(
        label=_("area code"),
        method="filter_subtree",
        help_text=_("Code of an area: the cases of its grids."),
    )
    overdue = django_filters.BooleanFilter(
        label=_("overdue now"), method="filter_overdue"
    )
    open = django_filters.BooleanFilter(label=_("open"), method="filter_open")
    created_after = django_filters.DateFilter(
        label=_("recorded from"), field_name="created_at", lookup_expr="date__gte"
    )
    created_before = django_filters.DateFilter(
        label=_("recorded until"), field_name="created_at", lookup_expr="date__lte"
    )
    q = django_filters.CharFilter(label=_("search"), method="filter_q")

    class Meta:
        model = Dispute
        fields = ["stage", "risk", "category", "source"]

    def filter_subtree(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        area = Area.objects.filter(code=value.strip()).only("path").first()
        if area is None:
            return qs.none()
        return qs.filter(grid__path__startswith=area.path)

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        overdue = Q(stage__in=Dispute.DEADLINE_STAGES, due_at__lte=timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_open(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return (
            qs.filter(stage__in=Dispute.OPEN_STAGES)
            if value
            else qs.exclude(stage__in=Dispute.OPEN_STAGES)
        )

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(number__icontains=value) | Q(title__icontains=value))
