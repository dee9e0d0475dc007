"""API representations. ``stage`` and everything the workflow owns are
read-only: stages change only through the action endpoints."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from core.validators import normalise_phone, validate_id_number
from grids.models import Area
from policing.models import Person

from .masking import masked
from .models import (
    Dispute,
    DisputeCategory,
    DisputeEvent,
    Notification,
    Party,
    Whistle,
    WhistleSummons,
)


@extend_schema_field(serializers.CharField(read_only=True))
class MaskedField(serializers.Field):
    """The one serializer field that shows personal data: masked."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return masked(value, self.kind)


class DisputeCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeCategory
        fields = ["code", "name", "active", "sort_order"]


class PartySerializer(serializers.ModelSerializer):
    phone = MaskedField("phone")
    id_number = MaskedField("id_number")

    class Meta:
        model = Party
        fields = ["id", "name", "role", "phone", "id_number", "address"]


class PartyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    role = serializers.ChoiceField(
        choices=Party.Role.choices, default=Party.Role.APPLICANT
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate_phone(self, value: str) -> str:
        return normalise_phone(value) if value.strip() else ""

    def validate_id_number(self, value: str) -> str:
        value = "".join(value.split()).upper()
        if value:
            validate_id_number(value)
        return value


class UserBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "role"]


def _render_datetime(value: Any, tz: Any) -> Any:
    """What DRF's ISO 8601 ``DateTimeField.to_representation`` returns."""
    if isinstance(value, str):
        return value
    if tz is not None and timezone.is_aware(value):
        value = value.astimezone(tz)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class DisputeListSerializer(serializers.ListSerializer):
    """A page of cases, each exactly as ``DisputeSerializer`` shows it, without
    DRF's per-field machinery and with the parties of the whole page read in
    one query as plain rows (a list page is the platform's hottest read: see
    docs/benchmarks.md). ``tests/disputes/test_api.py`` checks that every case
    renders the same as through the serializer."""

    _plan: list[tuple[str, list[str], str, Any]] | None = None

    @classmethod
    def plan(cls) -> list[tuple[str, list[str], str, Any]]:
        """How to render each field, built once per process: the fields do
        not depend on the request."""
        if cls._plan is None:
            plan = []
            for field in DisputeSerializer()._readable_fields:
                name = field.field_name
                if name in ("parties", "handler"):
                    plan.append((name, [], name, field))
                elif (
                    isinstance(field, serializers.DateTimeField)
                    and (
                        getattr(field, "format", api_settings.DATETIME_FORMAT) or ""
                    ).lower()
                    == ISO_8601
                    and not hasattr(field, "timezone")
                ):
                    plan.append((name, field.source_attrs, "datetime", None))
                else:
                    plan.append((name, field.source_attrs, "field", field))
            cls._plan = plan
        return cls._plan

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        cases = list(data.all() if hasattr(data, "all") else data)
        if not cases:
            return []
        parties: dict[int, list[dict[str, Any]]] = {case.pk: [] for case in cases}
        rows = (
            Party.objects.filter(dispute_id__in=list(parties))
            .order_by("pk")
            .values("id", "dispute_id", "name", "role", "phone", "id_number", "address")
        )
        for row in rows:
            parties[row.pop("dispute_id")].append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "role": row["role"],
                    "phone": masked(row["phone"], "phone"),
                    "id_number": masked(row["id_number"], "id_number"),
                    "address": row["address"],
                }
            )
        tz = timezone.get_current_timezone() if settings.USE_TZ else None
        plan = self.plan()
        out = []
        for case in cases:
            item: dict[str, Any] = {}
            for name, attrs, kind, field in plan:
                if kind == "parties":
                    item[name] = parties[case.pk]
                    continue
                if kind == "handler":
                    item[name] = (
                        field.to_representation(case.handler)
                        if case.handler_id is not None
                        else None
                    )
                    continue
                value: Any = case
                for attr in attrs:
                    value = getattr(value, attr)
                    if value is None:
                        break
                if value is None:
                    item[name] = None
                elif kind == "datetime":
                    item[name] = _render_datetime(value, tz)
                else:
                    item[name] = field.to_representation(value)
            out.append(item)
        return out


class DisputeSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    handler = UserBriefSerializer(read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "grid",
            "grid_name",
            "category",
            "risk",
            "source",
            "title",
            "description",
            "occurred_at",
            "created_at",
            "stage",
            "stage_entered_at",
            "due_at",
            "is_overdue",
            "overdue_at",
            "ever_overdue",
            "handler",
            "reached_level",
            "resolved_level",
            "resolved_at",
            "resolution_method",
            "outcome",
            "feedback_level",
            "satisfied",
            "followed_up_at",
            "closed_at",
            "external_system",
            "external_id",
            "version",
            "parties",
        ]
        read_only_fields = fields
        list_serializer_class = DisputeListSerializer


class DisputeCreateSerializer(serializers.Serializer):
    grid = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Area.objects.filter(level=Area.Level.GRID),
        help_text=_("The grid's code."),
    )
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=DisputeCategory.objects.filter(active=True),
        help_text=_("A code from /api/v1/dispute-categories/."),
    )
    risk = serializers.ChoiceField(
        choices=Dispute.Risk.choices, default=Dispute.Risk.BLUE
    )
    source = serializers.ChoiceField(
        choices=Dispute.Source.choices, default=Dispute.Source.OTHER_SYSTEM
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    parties = PartyInputSerializer(many=True, required=False, default=list)
    external_system = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Sending the same (external_system, external_id) again returns the existing case."
        ),
    )


class DisputeEventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True)

    class Meta:
        model = DisputeEvent
        fields = [
            "id",
            "action",
            "from_stage",
            "to_stage",
            "actor",
            "reason",
            "data",
            "created_at",
        ]
        read_only_fields = fields


# --- action inputs ----------------------------------------------------------------


class VersionMixin(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you saw; a different current version answers 409."),
    )


class ReasonSerializer(VersionMixin):
    reason = serializers.CharField(max_length=2000)


class ResolveSerializer(VersionMixin):
    outcome = serializers.CharField(max_length=4000)
    method = serializers.ChoiceField(choices=Dispute.ResolutionMethod.choices)


class AcknowledgeSerializer(VersionMixin):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class FollowUpSerializer(VersionMixin):
    satisfied = serializers.BooleanField()
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class RejectSerializer(ReasonSerializer):
    duplicate_of = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Dispute.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Case number of the case this one duplicates."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["duplicate_of"].queryset = Dispute.objects.visible_to(
                request.user
            )


class TransferSerializer(ReasonSerializer):
    to = serializers.CharField(
        max_length=100, help_text=_("Court, arbitration, authority.")
    )


class AssignSerializer(VersionMixin):
    person = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text=_("Account id of the person handling the case."),
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class WhistleInputSerializer(ReasonSerializer):
    departments = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )
    people = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        default=list,
        queryset=Person.objects.all(),
        help_text=_("Ids of people to summon besides the grid's officer."),
    )
    report_in_deadline = serializers.DateTimeField(required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["people"].child_relation.queryset = Person.objects.visible_to(
                request.user
            )


class ReportInSerializer(serializers.Serializer):
    summons = serializers.IntegerField(
        required=False, help_text=_("Summons id; default: your own pending summons.")
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ConsultSerializer(VersionMixin):
    departments = serializers.ListField(child=serializers.CharField(max_length=60))
    conclusions = serializers.CharField(max_length=4000)


ACTION_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "escalate": ReasonSerializer,
    "return": ReasonSerializer,
    "resolve": ResolveSerializer,
    "acknowledge-feedback": AcknowledgeSerializer,
    "follow-up": FollowUpSerializer,
    "reject": RejectSerializer,
    "transfer": TransferSerializer,
    "withdraw": ReasonSerializer,
    "assign": AssignSerializer,
    "whistle": WhistleInputSerializer,
    "report-in": ReportInSerializer,
    "consult": ConsultSerializer,
}


class WhistleSummonsSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person.name", read_only=True, default=None)

    class Meta:
        model = WhistleSummons
        fields = ["id", "person", "department", "reported_in_at", "overdue_at", "note"]
        read_only_fields = fields


class WhistleSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    dispute = serializers.SlugRelatedField(slug_field="number", read_only=True)
    summonses = WhistleSummonsSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = [
            "id",
            "grid",
            "dispute",
            "reason",
            "report_in_deadline",
            "created_at",
            "summonses",
        ]
        read_only_fields = fields


class WhistleCreateSerializer(serializers.Serializer):
    grid = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.filter(level=Area.Level.GRID)
    )
    reason = serializers.CharField(max_length=2000)
    departments = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )
    report_in_deadline = serializers.DateTimeField(required=False, allow_null=True)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields
