from __future__ import annotations

from typing import Any

from rest_framework import serializers

from grids.models import Area, PoliceZone

from .models import Assignment, Person


class PersonSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(
        read_only=True, help_text="E.164, e.g. +8613812345678."
    )
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="kind", read_only=True)
    volunteer_team = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "role",
            "phone",
            "police_number",
            "area",
            "station",
            "unit",
            "volunteer_team",
            "department",
            "party_member",
            "active",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    person_name = serializers.CharField(source="person.name", read_only=True)
    grid = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.none(), required=False, allow_null=True
    )
    zone = serializers.SlugRelatedField(
        slug_field="code",
        queryset=PoliceZone.objects.none(),
        required=False,
        allow_null=True,
    )
    predecessor = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "person",
            "person_name",
            "grid",
            "zone",
            "role",
            "start_date",
            "end_date",
            "is_primary",
            "concurrent_post",
            "note",
            "predecessor",
        ]
        read_only_fields = ["id", "person_name", "predecessor"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            self.fields["person"].queryset = Person.objects.visible_to(user)
            self.fields["grid"].queryset = Area.objects.visible_to(user).grids()
            self.fields["zone"].queryset = PoliceZone.objects.visible_to(user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("grid") and not attrs.get("zone"):
            raise serializers.ValidationError({"grid": "Give a grid or a police zone."})
        return attrs


class HandoverSerializer(serializers.Serializer):
    to = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), help_text="The successor (a person ID)."
    )
    on = serializers.DateField(help_text="The successor's first day.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["to"].queryset = Person.objects.visible_to(request.user)


class EndSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The last day the assignment is in force.")


class GapSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField()
    message = serializers.CharField()
    fix_url = serializers.CharField()


class RuleSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    met = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    target = serializers.FloatField()
    gaps = GapSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField())


class CoverageSerializer(serializers.Serializer):
    on = serializers.DateField()
    within = serializers.CharField(allow_null=True)
    rules = serializers.DictField(child=RuleSerializer())
