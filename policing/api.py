"""API of the forces: people, assignments (with handover and end actions) and
the coverage rules, all scoped to the caller."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .coverage import coverage_summary, parse_day
from .filters import AssignmentFilter, PersonFilter
from .models import Assignment, Person
from .permissions import can_manage_forces
from .serializers import (
    AssignmentSerializer,
    CoverageSerializer,
    EndSerializer,
    HandoverSerializer,
    PersonSerializer,
)


@extend_schema_view(
    list=extend_schema(description="People of the forces in the caller's scope."),
    retrieve=extend_schema(description="One person."),
)
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    filterset_class = PersonFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Person.objects.visible_to(self.request.user).select_related(
            "area", "station", "unit", "volunteer_team"
        )


def _require_manager(request: Request) -> None:
    if not can_manage_forces(request.user):
        raise PermissionDenied("Only center staff and administrators change rosters.")


def _as_api_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "message_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError(exc.messages)


@extend_schema_view(
    list=extend_schema(
        description="Assignments to grids and zones in the caller's scope."
    ),
    retrieve=extend_schema(description="One assignment."),
    create=extend_schema(
        description="Post a person to a grid or zone. Overlapping primary community "
        "officers of one grid are refused with 409."
    ),
)
class AssignmentViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Assignment.objects.visible_to(self.request.user).select_related(
            "person", "grid", "zone"
        )

    def perform_create(self, serializer: AssignmentSerializer) -> None:
        _require_manager(self.request)
        assignment = Assignment(**serializer.validated_data)
        try:
            assignment.save_checked()
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        serializer.instance = assignment

    @extend_schema(
        request=HandoverSerializer,
        responses={201: AssignmentSerializer},
        description="Hand the post over: this assignment ends the day before `on`, "
        "the successor's starts on `on`, in one transaction.",
    )
    @action(detail=True, methods=["post"])
    def handover(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        _require_manager(request)
        data = HandoverSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            successor = assignment.hand_over(
                to=data.validated_data["to"],
                on=data.validated_data["on"],
                note=data.validated_data.get("note", ""),
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return Response(
            AssignmentSerializer(successor, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=EndSerializer,
        responses={200: AssignmentSerializer},
        description="End the assignment on `on` (its last day).",
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        _require_manager(request)
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ended = assignment.end(on=data.validated_data["on"])
        return Response(AssignmentSerializer(ended, context={"request": request}).data)


class CoverageView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "on", OpenApiTypes.DATE, description="The date (today by default)."
            ),
            OpenApiParameter(
                "within",
                OpenApiTypes.STR,
                description="Limit to the subtree of this area code.",
            ),
        ],
        responses={200: CoverageSerializer},
        description="The coverage rules (一格一警, 一区一警两辅, officers sunk into "
        "grids, 1+X+N per grid) for the caller's scope, each with its gaps.",
    )
    def get(self, request: Request) -> Response:
        from grids.models import Area

        raw_on = request.query_params.get("on")
        on = parse_day(raw_on) if raw_on else timezone.localdate()
        if on is None:
            raise ValidationError({"on": ["Enter a date like 2025-01-31."]})
        within = request.query_params.get("within") or None
        area = None
        if within:
            area = Area.objects.visible_to(request.user).filter(code=within).first()
            if area is None:
                raise NotFound()
        summary = coverage_summary(request.user, on=on, within=area)
        data = {
            "on": summary["on"],
            "within": within,
            "rules": {
                k: r.as_dict() | {"rate": r.rate} for k, r in summary["rules"].items()
            },
        }
        return Response(CoverageSerializer(data).data)


def register(router, extra_urlpatterns) -> None:  # type: ignore[no-untyped-def]
    from django.urls import path

    router.register("people", PersonViewSet, basename="person")
    router.register("assignments", AssignmentViewSet, basename="assignment")
    extra_urlpatterns.append(
        path("coverage/", CoverageView.as_view(), name="api-coverage")
    )

    # Field work (issue 8)
    from . import api_fieldwork

    api_fieldwork.register(router, extra_urlpatterns)
