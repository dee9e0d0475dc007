from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import Assignment, Person, Station, Unit, VolunteerTeam


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area")
    search_fields = ("code", "name")
    autocomplete_fields = ("area",)
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "station", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "station__name")


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "area")
    search_fields = ("name",)
    autocomplete_fields = ("area",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "phone", "police_number", "station", "active")
    list_filter = ("role", "active", "party_member", "station")
    search_fields = ("name", "police_number", "phone")
    autocomplete_fields = ("area",)
    raw_id_fields = ("user",)


class AssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = [
            "person",
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

    def _post_clean(self) -> None:
        # The instance carries the submitted values only after this step.
        super()._post_clean()
        candidate = self.instance
        if self.errors or not candidate.start_date or not candidate.person_id:
            return
        clash = candidate.clashes().first()
        if clash is not None:
            self.add_error(None, ValidationError(candidate.clash_message(clash)))


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """New rows are checked like the pages check them; a saved row keeps its
    history: only a planned end date can change here (handovers go through the
    handover page or API)."""

    form = AssignmentAdminForm
    list_display = (
        "person",
        "grid",
        "zone",
        "role",
        "start_date",
        "end_date",
        "is_primary",
        "concurrent_post",
    )
    list_filter = ("role", "is_primary")
    search_fields = ("person__name", "grid__name", "grid__code")
    raw_id_fields = ("person", "grid", "zone", "predecessor")
    date_hierarchy = "start_date"

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return ("predecessor",)
        return (
            "person",
            "grid",
            "zone",
            "role",
            "start_date",
            "is_primary",
            "predecessor",
        )

    raw_id_fields = ("person", "grid", "zone")


# Field work registers its own admins (issue 8).
from . import admin_fieldwork  # noqa: E402, F401
