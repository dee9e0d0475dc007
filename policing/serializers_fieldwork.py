"""API shapes of activities, hazards and time entries. Writes go through the
models' domain calls; ``status`` only changes through the hazard actions."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Area

from .forms_fieldwork import people_for
from .models import Activity, Hazard, Person, TimeEntry, person_of


def _request_user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class VisibleGridField(serializers.PrimaryKeyRelatedField):
    """A grid the caller can see; any other id reads as unknown."""

    def get_queryset(self) -> Any:
        user = _request_user(self.root)
        if user is None:
            return Area.objects.none()
        return Area.objects.visible_to(user).grids()


class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        user = _request_user(self.root)
        if user is None:
            return Person.objects.none()
        return people_for(user, timezone.localdate())


class ActivitySerializer(serializers.ModelSerializer):
    grid = VisibleGridField()
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    participants = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        write_only=True,
        help_text=_("Ids of the people who took part; the caller is added."),
    )
    participant_ids = serializers.SerializerMethodField()
    photo_urls = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "grid",
            "grid_name",
            "started_at",
            "ended_at",
            "work_date",
            "duration_minutes",
            "place",
            "topic",
            "advisee_kind",
            "advisee_name",
            "notes",
            "participants",
            "participant_ids",
            "recorded_by",
            "photo_urls",
            "created_at",
        ]
        read_only_fields = ["work_date", "duration_minutes", "recorded_by"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_participant_ids(self, obj: Activity) -> list[int]:
        return sorted(p.pk for p in obj.participants.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_photo_urls(self, obj: Activity) -> list[str]:
        return [
            reverse("policing:activity_photo", args=[p.pk]) for p in obj.photos.all()
        ]

    def validate_participants(self, value: list[int]) -> list[Person]:
        user = _request_user(self)
        allowed = people_for(user, timezone.localdate()).filter(pk__in=value)
        found = {p.pk: p for p in allowed}
        missing = sorted(set(value) - set(found))
        if missing:
            raise serializers.ValidationError(
                _("Unknown people: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
            )
        return list(found.values())

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("started_at"), attrs.get("ended_at")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"ended_at": _("The end time is before the start time.")}
            )
        kind = attrs.get("kind")
        if kind == Activity.Kind.MORAL_EDUCATION and not attrs.get("topic"):
            raise serializers.ValidationError(
                {"topic": _("Choose what the moral education was about.")}
            )
        if kind == Activity.Kind.SAFETY_ADVISOR and not (
            attrs.get("advisee_kind") and attrs.get("advisee_name")
        ):
            raise serializers.ValidationError(
                {"advisee_name": _("Name the village or enterprise you advised.")}
            )
        return attrs

    def create(self, validated_data: dict) -> Activity:
        data = dict(validated_data)
        return Activity.record(
            by=_request_user(self),
            grid=data.pop("grid"),
            kind=data.pop("kind"),
            started_at=data.pop("started_at"),
            ended_at=data.pop("ended_at"),
            participants=data.pop("participants", []),
            **data,
        )


class HazardSerializer(serializers.ModelSerializer):
    grid = VisibleGridField()
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Hazard
        fields = [
            "id",
            "grid",
            "grid_name",
            "activity",
            "kind",
            "description",
            "place",
            "responsible_party",
            "responsible_phone",
            "status",
            "reported_by",
            "reported_at",
            "due_at",
            "overdue_at",
            "is_overdue",
            "fix",
            "rectified_at",
            "verified_at",
            "verification_notes",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "reported_by",
            "reported_at",
            "overdue_at",
            "fix",
            "rectified_at",
            "verified_at",
            "verification_notes",
        ]

    def get_fields(self) -> dict:
        fields = super().get_fields()
        user = _request_user(self)
        if user is not None and "activity" in fields:
            fields["activity"].queryset = Activity.objects.visible_to(user)
        return fields

    def get_is_overdue(self, obj: Hazard) -> bool:
        return obj.status == Hazard.Status.OPEN and obj.due_at < timezone.now()

    def validate(self, attrs: dict) -> dict:
        activity, grid = attrs.get("activity"), attrs.get("grid")
        if activity is not None and grid is not None and activity.grid_id != grid.pk:
            raise serializers.ValidationError(
                {"activity": _("The activity took place in another grid.")}
            )
        due = attrs.get("due_at")
        if due is not None and due <= timezone.now():
            raise serializers.ValidationError(
                {"due_at": _("The rectification deadline must be in the future.")}
            )
        return attrs

    def create(self, validated_data: dict) -> Hazard:
        data = dict(validated_data)
        return Hazard.report(
            by=_request_user(self),
            grid=data.pop("grid"),
            due_at=data.pop("due_at"),
            **data,
        )


class HazardFixSerializer(serializers.Serializer):
    fix = serializers.CharField(help_text=_("What was done to fix the hazard."))


class HazardVerifySerializer(serializers.Serializer):
    accepted = serializers.BooleanField(
        help_text=_("Whether the visit found the hazard fixed.")
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    new_due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A new deadline, required when not accepted."),
    )


class TimeEntrySerializer(serializers.ModelSerializer):
    person = VisiblePersonField(required=False)
    grid = VisibleGridField(required=False, allow_null=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "person",
            "work_date",
            "hours",
            "duty",
            "non_police",
            "grid",
            "description",
            "created_at",
        ]

    def validate_work_date(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError(
                _("Time cannot be logged for a future day.")
            )
        return value

    def validate_hours(self, value: Any) -> Any:
        if value <= 0 or value > 24:
            raise serializers.ValidationError(_("Between 0 and 24 hours."))
        return value

    def validate(self, attrs: dict) -> dict:
        user = _request_user(self)
        me = person_of(user)
        person = attrs.get("person") or me
        if person is None:
            raise serializers.ValidationError(
                {"person": _("This account has no person record; name one.")}
            )
        if user.is_field_role and person != me:
            raise serializers.ValidationError(
                {"person": _("Field staff log their own time only.")}
            )
        attrs["person"] = person
        return attrs

    def create(self, validated_data: dict) -> TimeEntry:
        return TimeEntry.objects.create(
            created_by=_request_user(self), **validated_data
        )


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A JPEG, PNG or WebP photo of at most 5 MB.")
    )
