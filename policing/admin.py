from django.contrib import admin

from .models import Assignment, Person, Station, Unit, VolunteerTeam


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area")
    search_fields = ("code", "name")
    inlines = [UnitInline]


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "area")
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "phone", "police_number", "station", "active")
    list_filter = ("role", "active", "party_member")
    search_fields = ("name", "police_number")
    autocomplete_fields = ("area",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "person",
        "grid",
        "zone",
        "role",
        "start_date",
        "end_date",
        "is_primary",
    )
    list_filter = ("role", "is_primary")
    search_fields = ("person__name", "grid__name", "grid__code")
    raw_id_fields = ("person", "grid", "zone")


# Field work registers its own admins (issue 8).
from . import admin_fieldwork  # noqa: E402, F401
