"""REST endpoints of field work: /api/v1/activities/, /hazards/,
/time-entries/. Every queryset is scoped with ``.visible_to(user)``, so
another area's record answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import NotAllowed
from core.models import Role
from core.navigation import CENTERS, FIELD, VOLUNTEER

from .filters_fieldwork import ActivityFilter, HazardFilter, TimeEntryFilter
from .models import Activity, ActivityPhoto, Hazard, Person, TimeEntry
from .serializers_fieldwork import (
    ActivitySerializer,
    HazardFixSerializer,
    HazardSerializer,
    HazardVerifySerializer,
    PhotoUploadSerializer,
    TimeEntrySerializer,
)

RECORDERS = FIELD | VOLUNTEER | CENTERS | {Role.ADMIN}
HAZARD_ACTORS = FIELD | CENTERS | {Role.ADMIN}


def _require_role(request: Request, roles: set[str]) -> None:
    if not (request.user.is_superuser or request.user.role in roles):
        raise NotAllowed()


class _ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    recorders: set[str] = RECORDERS

    def perform_create(self, serializer: Any) -> None:
        _require_role(self.request, self.recorders)
        serializer.save()


@extend_schema_view(
    list=extend_schema(
        summary="List field work",
        description="Activities in grids the caller can see, newest first.",
    ),
    retrieve=extend_schema(
        summary="One activity",
        description="One activity in the caller's scope, with its participants.",
    ),
    create=extend_schema(
        summary="Record field work",
        description=(
            "Records an activity in a grid the caller can see. The caller's "
            "person record is added to the participants."
        ),
        examples=[
            OpenApiExample(
                "Patrol",
                value={
                    "kind": "patrol",
                    "grid": 42,
                    "started_at": "2026-03-03T20:00:00+08:00",
                    "ended_at": "2026-03-03T22:00:00+08:00",
                    "place": "梨花村文化广场",
                    "participants": [7, 8],
                },
                request_only=True,
            )
        ],
    ),
)
class ActivityViewSet(_ScopedViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter

    def get_queryset(self) -> Any:
        return (
            Activity.objects.visible_to(self.request.user)
            .select_related("grid")
            .prefetch_related(
                Prefetch("participants", queryset=Person.objects.only("pk")),
                Prefetch("photos", queryset=ActivityPhoto.objects.order_by("pk")),
            )
        )

    @extend_schema(
        summary="Add a photo",
        description="Multipart upload of one photo; the type is read from the "
        "content. An activity keeps at most six.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses=ActivitySerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        activity = self.get_object()
        _require_role(request, self.recorders)
        body = PhotoUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity.add_photo(photo=body.validated_data["file"])
        return Response(self.get_serializer(self.get_object()).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="List hazards",
        description="Hazards in the caller's area; filter `overdue=true` for "
        "those past their rectification deadline.",
    ),
    retrieve=extend_schema(
        summary="One hazard",
        description="One hazard in the caller's scope, with its deadline and state.",
    ),
    create=extend_schema(
        summary="Report a hazard",
        description="Report a hazard in a grid of the caller's scope, with the party "
        "responsible and the rectification deadline.",
    ),
)
class HazardViewSet(_ScopedViewSet):
    serializer_class = HazardSerializer
    filterset_class = HazardFilter

    def get_queryset(self) -> Any:
        return Hazard.objects.visible_to(self.request.user).select_related("grid")

    @extend_schema(
        summary="Record the rectification",
        description="Record how the responsible party fixed the hazard; a "
        "verification visit then closes it.",
        request=HazardFixSerializer,
        responses=HazardSerializer,
    )
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        _require_role(request, HAZARD_ACTORS)
        body = HazardFixSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard.record_fix(by=request.user, fix=body.validated_data["fix"])
        return Response(self.get_serializer(hazard).data)

    @extend_schema(
        summary="Record the verification visit",
        description="Record the visit that checks the fix: accepted closes the "
        "hazard; rejected reopens it with a new, future deadline.",
        request=HazardVerifySerializer,
        responses=HazardSerializer,
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        _require_role(request, HAZARD_ACTORS)
        body = HazardVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard.verify(by=request.user, **body.validated_data)
        return Response(self.get_serializer(hazard).data)


@extend_schema_view(
    list=extend_schema(
        summary="List time entries",
        description="Hours logged by hand for duties other than recorded "
        "activities; `non_police` marks non-police duties.",
    ),
    retrieve=extend_schema(
        summary="One time entry",
        description="One time entry of a person in the caller's scope.",
    ),
    create=extend_schema(
        summary="Log time",
        description="Without `person`, the caller's own person record is used. "
        "Field staff may log only their own time.",
    ),
)
class TimeEntryViewSet(_ScopedViewSet):
    serializer_class = TimeEntrySerializer
    filterset_class = TimeEntryFilter

    def get_queryset(self) -> Any:
        return TimeEntry.objects.visible_to(self.request.user)


def register(router: Any, extra_urlpatterns: list) -> None:
    router.register("activities", ActivityViewSet, basename="activity")
    router.register("hazards", HazardViewSet, basename="hazard")
    router.register("time-entries", TimeEntryViewSet, basename="time-entry")
