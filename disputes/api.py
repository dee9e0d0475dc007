"""REST API of the dispute workflow (mounted under /api/v1/ by the router).

- ``/disputes/``: list (filters, cursor pagination), create, retrieve;
  ``POST /disputes/{id}/<action>/`` for each workflow action;
  ``GET /disputes/{id}/events/`` the timeline;
- ``/dispute-categories/``, ``/whistles/``, ``/notifications/``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import CursorPagination
from core.exceptions import NotInScope
from core.scope import in_scope

from .actions import ACTIONS, run_action
from .filters import DisputeFilter
from .models import Dispute, DisputeCategory, DisputeEvent, Notification, Party, Whistle
from .serializers import (
    ACTION_SERIALIZERS,
    DisputeCategorySerializer,
    DisputeCreateSerializer,
    DisputeEventSerializer,
    DisputeSerializer,
    NotificationSerializer,
    ReportInSerializer,
    WhistleCreateSerializer,
    WhistleSerializer,
)
from .transitions import blow_whistle, intake, report_in

ERRORS = {
    400: OpenApiResponse(description="Invalid input ({detail, errors})."),
    404: OpenApiResponse(description="No such case in your area."),
    409: OpenApiResponse(
        description="Not possible in the case's current stage, or the case changed."
    ),
}


PARTIES = Prefetch("parties", queryset=Party.objects.order_by("pk"))


class EventPagination(CursorPagination):
    ordering = "id"  # a timeline reads oldest first


def _action_view(slug: str):  # type: ignore[no-untyped-def]
    serializer_class = ACTION_SERIALIZERS[slug]
    code = ACTIONS[slug].code

    @extend_schema(
        request=serializer_class,
        responses={200: DisputeSerializer, **ERRORS},
        summary=f"{code}: {DisputeEvent.Action(code).label}",
        description=(
            "Workflow action on the case. 409 when the action is not allowed in the "
            "case's current stage or when another action changed the case first."
        ),
    )
    def view(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        version = case.version
        run_action(case, slug, request.user, dict(serializer.validated_data))
        if case.version == version:
            # Not a transition of the case itself (a report-in): read it again.
            case = self.get_queryset().get(pk=case.pk)
        # Otherwise the transition set every field it wrote on ``case``
        # (``transitions.perform``), and its parties did not change.
        return Response(DisputeSerializer(case, context={"request": request}).data)

    view.__name__ = slug.replace("-", "_") + ("_" if slug == "return" else "")
    return action(detail=True, methods=["post"], url_path=slug, url_name=slug)(view)


@extend_schema_view(
    list=extend_schema(summary="Cases in your area, newest first"),
    retrieve=extend_schema(
        summary="One case", responses={200: DisputeSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="Record a case",
        request=DisputeCreateSerializer,
        responses={
            201: DisputeSerializer,
            200: OpenApiResponse(
                DisputeSerializer,
                description="The same external reference was sent before: the existing case.",
            ),
            **ERRORS,
        },
    ),
)
class DisputeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter
    queryset = Dispute.objects.none()

    def get_queryset(self) -> QuerySet:
        cases = Dispute.objects.visible_to(self.request.user).select_related(
            "grid", "category", "handler"
        )
        if self.action == "list":
            return cases  # DisputeListSerializer reads the page's parties itself
        return cases.prefetch_related(PARTIES)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DisputeCreateSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not in_scope(request.user, data["grid"]):
            raise NotInScope()
        case, created = intake(
            by=request.user,
            grid=data["grid"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            risk=data["risk"],
            source=data["source"],
            occurred_at=data.get("occurred_at"),
            parties=[dict(p) for p in data["parties"]],
            external_system=data["external_system"],
            external_id=data["external_id"],
        )
        if not in_scope(request.user, case.grid):
            raise NotInScope()
        if created:
            # The case as intake wrote it (grid and category are the objects
            # given); only its parties are read back, for their ids.
            prefetch_related_objects([case], PARTIES)
        else:
            case = self.get_queryset().get(pk=case.pk)
        return Response(
            DisputeSerializer(case, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="The case's timeline (oldest first)",
        responses={200: DisputeEventSerializer(many=True), 404: ERRORS[404]},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        events = DisputeEvent.objects.filter(dispute=case).select_related("actor")
        paginator = EventPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        data = DisputeEventSerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    escalate = _action_view("escalate")
    return_ = _action_view("return")
    resolve = _action_view("resolve")
    acknowledge_feedback = _action_view("acknowledge-feedback")
    follow_up = _action_view("follow-up")
    reject = _action_view("reject")
    transfer = _action_view("transfer")
    withdraw = _action_view("withdraw")
    assign = _action_view("assign")
    whistle = _action_view("whistle")
    report_in = _action_view("report-in")
    consult = _action_view("consult")


@extend_schema_view(
    list=extend_schema(summary="Dispute categories"),
    retrieve=extend_schema(summary="One category"),
)
class DisputeCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DisputeCategorySerializer
    queryset = DisputeCategory.objects.all()
    lookup_field = "code"
    pagination_class = None
    filterset_fields = ["active"]

    def get_queryset(self) -> QuerySet:
        return DisputeCategory.objects.order_by("sort_order", "code")


@extend_schema_view(
    list=extend_schema(summary="Whistles in your area"),
    retrieve=extend_schema(summary="One whistle"),
    create=extend_schema(
        summary="Blow a whistle in a grid (no case)",
        request=WhistleCreateSerializer,
        responses={201: WhistleSerializer, **ERRORS},
    ),
)
class WhistleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WhistleSerializer
    queryset = Whistle.objects.none()
    filterset_fields = ["dispute"]

    def get_queryset(self) -> QuerySet:
        return (
            Whistle.objects.visible_to(self.request.user)
            .select_related("grid", "dispute")
            .prefetch_related("summonses__person")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from core.exceptions import NotAllowed

        from .transitions import acting_level

        serializer = WhistleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not in_scope(request.user, data["grid"]):
            raise NotInScope()
        if acting_level(request.user) is None:
            raise NotAllowed()
        with transaction.atomic():
            w = blow_whistle(
                grid=data["grid"],
                by=request.user,
                reason=data["reason"],
                departments=data["departments"],
                report_in_deadline=data.get("report_in_deadline"),
            )
        fresh = self.get_queryset().get(pk=w.pk)
        return Response(WhistleSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Report in to a whistle",
        request=ReportInSerializer,
        responses={200: WhistleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="report-in", url_name="report-in")
    def report_in(self, request: Request, pk: str | None = None) -> Response:
        from core.exceptions import InvalidTransition

        from .transitions import may_report_in

        w = self.get_object()
        serializer = ReportInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pending = w.summonses.select_related("whistle__grid", "person")
        summons_id = serializer.validated_data.get("summons")
        if summons_id:
            target = get_object_or_404(pending, pk=summons_id)
        else:
            target = next(
                (
                    s
                    for s in pending.filter(reported_in_at__isnull=True).order_by("pk")
                    if may_report_in(request.user, s)
                ),
                None,
            )
            if target is None:
                raise InvalidTransition()
        report_in(
            target, by=request.user, note=serializer.validated_data.get("note", "")
        )
        return Response(WhistleSerializer(self.get_queryset().get(pk=w.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first"),
    retrieve=extend_schema(summary="One notification"),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    filterset_fields = ["kind"]

    def get_queryset(self) -> QuerySet:
        qs = Notification.objects.for_user(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        summary="Mark as read", request=None, responses={200: NotificationSerializer}
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        note = self.get_object()
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        note.refresh_from_db()
        return Response(NotificationSerializer(note).data)

    @extend_schema(
        summary="Mark all as read",
        request=None,
        responses={200: OpenApiResponse(description='{"marked": n}')},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = Notification.objects.unread_for(request.user).update(
            read_at=timezone.now()
        )
        return Response({"marked": marked})


def register(router: Any, extra_urlpatterns: list) -> None:
    router.register("disputes", DisputeViewSet, basename="dispute")
    router.register(
        "dispute-categories", DisputeCategoryViewSet, basename="dispute-category"
    )
    router.register("whistles", WhistleViewSet, basename="whistle")
    router.register("notifications", NotificationViewSet, basename="notification")
