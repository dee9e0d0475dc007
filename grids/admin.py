from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Area, PoliceZone


@admin.register(Area)
class AreaAdmin(TreeAdmin):
    form = movenodeform_factory(Area)
    list_display = ("name", "code", "level", "households", "residents", "police_zone")
    list_filter = ("level",)
    search_fields = ("name", "code")
    autocomplete_fields = ("police_zone",)
    filter_horizontal = ("covers",)


@admin.register(PoliceZone)
class PoliceZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area", "station")
    list_filter = ("station",)
    search_fields = ("code", "name")
    autocomplete_fields = ("area",)
