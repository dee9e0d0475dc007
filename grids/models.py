"""The administrative tree (district > township > village > group > building),
the grids and the police zones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

if TYPE_CHECKING:
    from core.models import User


class AreaQuerySet(MP_NodeQuerySet):
    # Queries
    def subtree(self, area: Area) -> AreaQuerySet:
        """The area and everything below it: one indexed prefix query."""
        return self.filter(path__startswith=area.path)

    def visible_to(self, user: User) -> AreaQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "path", field_is_path=True))

    def grids(self) -> AreaQuerySet:
        return self.filter(level=Area.Level.GRID)


class AreaManager(MP_NodeManager):
    def get_queryset(self) -> AreaQuerySet:
        return AreaQuerySet(self.model, using=self._db).order_by("path")

    def subtree(self, area: Area) -> AreaQuerySet:
        return self.get_queryset().subtree(area)

    def visible_to(self, user: User) -> AreaQuerySet:
        return self.get_queryset().visible_to(user)

    def grids(self) -> AreaQuerySet:
        return self.get_queryset().grids()


class Area(MP_Node):
    """A node of the administrative tree.

    Official codes (GB/T 2260 and the statistical division codes) identify the
    district (6 digits), townships (9) and villages (12). Groups, buildings and
    grids have no official code: theirs extend the village code. Grids are
    nodes of the tree too (children of their village), so one prefix filter on
    ``path`` scopes every query, whatever level the viewer sits at.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")
        GROUP = "group", _("Group")
        BUILDING = "building", _("Building")
        GRID = "grid", _("Grid")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("GeoJSON geometry (Polygon or MultiPolygon), WGS84."),
    )
    police_zone = models.ForeignKey(
        "grids.PoliceZone",
        verbose_name=_("police zone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids",
    )
    covers = models.ManyToManyField(
        "self",
        verbose_name=_("covers"),
        symmetrical=False,
        blank=True,
        related_name="covering_grids",
        help_text=_("The groups and buildings a grid covers."),
    )

    objects = AreaManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [
            # Scope filters are `path LIKE 'prefix%'`; this opclass lets
            # PostgreSQL use an index for them under any collation.
            models.Index(
                fields=["path"],
                name="grids_area_path_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["level", "path"], name="grids_area_level_path"),
        ]

    def __str__(self) -> str:
        return self.name

    # Properties
    @property
    def short_name(self) -> str:
        """The name without the committee suffix the official list carries."""
        for suffix in ("村民委员会", "居民委员会"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name

    @property
    def is_grid(self) -> bool:
        return self.level == self.Level.GRID


class GridManager(AreaManager):
    def get_queryset(self) -> AreaQuerySet:
        return super().get_queryset().filter(level=Area.Level.GRID)


class Grid(Area):
    """A grid (网格): the smallest governance unit, a child of its village."""

    objects = GridManager()

    class Meta:
        proxy = True
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    # Properties
    @property
    def village_path(self) -> str:
        return self.path[: -self.steplen]


class PoliceZoneQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PoliceZoneQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "area"))


class PoliceZone(models.Model):
    """A police zone (警务区): the grids one community officer covers."""

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="police_zones",
        help_text=_("The township or village the zone lies in."),
    )
    station = models.ForeignKey(
        "policing.Station",
        verbose_name=_("police station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="zones",
    )

    objects = PoliceZoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("police zone")
        verbose_name_plural = _("police zones")

    def __str__(self) -> str:
        return self.name
