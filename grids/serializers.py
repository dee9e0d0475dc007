from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from rest_framework import serializers

from .models import Area


def with_parent_code(qs):  # type: ignore[no-untyped-def]
    """Annotate each area with its parent's code in the same query."""
    parent = Area.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Area.steplen)
    ).values("code")[:1]
    return qs.annotate(parent_code=Subquery(parent))


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(
        source="parent_code",
        read_only=True,
        allow_null=True,
        help_text="Code of the parent area (null for the district).",
    )

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "depth", "households", "residents"]
        read_only_fields = fields


class GridSerializer(serializers.ModelSerializer):
    village = serializers.CharField(
        source="parent_code", read_only=True, help_text="Code of the grid's village."
    )
    police_zone = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    covers = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Codes of the groups and buildings the grid covers.",
    )
    boundary = serializers.JSONField(
        read_only=True, allow_null=True, help_text="GeoJSON geometry, WGS84."
    )

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "village",
            "households",
            "residents",
            "police_zone",
            "covers",
            "boundary",
        ]
        read_only_fields = fields
