"""Read-only API of the area tree and the grids, scoped to the caller."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from .filters import AreaFilter, GridFilter
from .models import Area
from .serializers import AreaSerializer, GridSerializer, with_parent_code


@extend_schema_view(
    list=extend_schema(
        description="Areas of the tree in the caller's scope (district, "
        "townships, villages, groups, buildings and grids)."
    ),
    retrieve=extend_schema(description="One area by its code."),
)
class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AreaSerializer
    filterset_class = AreaFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]+"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return with_parent_code(Area.objects.visible_to(self.request.user))


@extend_schema_view(
    list=extend_schema(description="Grids in the caller's scope."),
    retrieve=extend_schema(description="One grid by its code."),
)
class GridViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GridSerializer
    filterset_class = GridFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]+"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return with_parent_code(
            Area.objects.visible_to(self.request.user)
            .grids()
            .select_related("police_zone")
            .prefetch_related("covers")
        )


def register(router, extra_urlpatterns) -> None:  # type: ignore[no-untyped-def]
    router.register("areas", AreaViewSet, basename="area")
    router.register("grids", GridViewSet, basename="grid")
