from django.contrib import admin

from .models import RollupState, ScoreWeights


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "active",
        "resolution_rate",
        "on_time_rate",
        "grid_share",
        "village_share",
        "satisfaction_rate",
        "officer_coverage",
        "updated_at",
    )
    list_editable = ("active",)


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = ("name", "refreshed_at", "rebuilt_at")
    readonly_fields = ("name", "refreshed_at", "rebuilt_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
