"""Summary tables behind the dashboards, and the assessment weights.

The dashboards never read ``disputes_dispute``: they read

- :class:`DisputeDailyStat`: one row per (grid, day of collection, category,
  risk colour) with the counts of what those cases are *now*;
- :class:`ResolveDurationStat`: a histogram of the time to resolve, per (grid,
  day of collection, level resolved at, bucket);
- :class:`OpenSnapshot`: what is open and overdue right now, per grid and risk.

Each row carries the grid's materialized path (``grid_path``) so that any area,
at any level, is one indexed prefix filter, and its children are one GROUP BY
on a prefix of that path. ``dashboards.rollup`` keeps the tables current.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from core.models import User

# Upper edges (hours) of the time-to-resolve histogram buckets; the last bucket
# is open-ended. Finer where most cases are (the first days), coarser later:
# percentiles read from it are exact to the bucket.
DURATION_EDGES_HOURS: tuple[int, ...] = (
    1,
    2,
    4,
    8,
    12,
    24,
    36,
    48,
    72,
    96,
    120,
    168,
    240,
    336,
    504,
    720,
    1080,
    1440,
    2160,
)


class StatQuerySet(models.QuerySet):
    # Queries
    def within(self, path: str) -> StatQuerySet:
        """Rows of the grids under the area with this path (one prefix filter)."""
        return self.filter(grid_path__startswith=path) if path else self

    def visible_to(self, user: User) -> StatQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "grid_path", field_is_path=True))


class DisputeDailyStat(models.Model):
    """Cases collected in one grid on one day, in one category and colour:
    what they are now. Recomputed whole for a (grid, day) when any of its
    cases changes."""

    grid = models.ForeignKey(
        "grids.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grid_path = models.CharField(max_length=255)
    day = models.DateField(_("day collected"))
    category = models.ForeignKey(
        "disputes.DisputeCategory", on_delete=models.CASCADE, related_name="+"
    )
    risk = models.CharField(_("risk colour"), max_length=10)

    collected = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    transferred = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_grid = models.PositiveIntegerField(default=0)
    resolved_village = models.PositiveIntegerField(default=0)
    resolved_township = models.PositiveIntegerField(default=0)
    resolved_district = models.PositiveIntegerField(default=0)
    reached_district = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    open_ever_overdue = models.PositiveIntegerField(default=0)
    follow_up_due = models.PositiveIntegerField(default=0)
    followed_up = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)

    # Derived rows, rewritten wholesale by dashboards.rollup from the (audited)
    # cases: auditing them appended one chained record per deleted row, with
    # the chain lock held, on every refresh and rebuild.
    audit_exclude = True

    objects = StatQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily dispute figures")
        verbose_name_plural = _("daily dispute figures")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "day", "category", "risk"],
                name="dashboards_daily_one_row",
            )
        ]
        indexes = [
            models.Index(
                fields=["grid_path", "day"],
                name="dashboards_daily_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["day", "grid_path"], name="dashboards_daily_day"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day} {self.category_id} {self.risk}"


class ResolveDurationStat(models.Model):
    """How many cases collected in a grid on a day were resolved at a level
    within each duration bucket (``DURATION_EDGES_HOURS``)."""

    grid = models.ForeignKey(
        "grids.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grid_path = models.CharField(max_length=255)
    day = models.DateField()
    level = models.CharField(max_length=10)
    bucket = models.PositiveSmallIntegerField()
    n = models.PositiveIntegerField(default=0)

    # Derived rows, rewritten wholesale by dashboards.rollup from the (audited)
    # cases: auditing them appended one chained record per deleted row, with
    # the chain lock held, on every refresh and rebuild.
    audit_exclude = True

    objects = StatQuerySet.as_manager()

    class Meta:
        verbose_name = _("time-to-resolve histogram")
        verbose_name_plural = _("time-to-resolve histograms")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "day", "level", "bucket"],
                name="dashboards_duration_one_row",
            )
        ]
        indexes = [
            models.Index(
                fields=["grid_path", "day"],
                name="dashboards_duration_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day} {self.level} #{self.bucket}: {self.n}"


class OpenSnapshot(models.Model):
    """Open and overdue cases right now, per grid and risk colour; rebuilt
    whole by every refresh (only open cases are read to build it)."""

    grid = models.ForeignKey(
        "grids.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grid_path = models.CharField(max_length=255)
    risk = models.CharField(max_length=10)
    open = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    # Derived rows, rewritten wholesale by dashboards.rollup from the (audited)
    # cases: auditing them appended one chained record per deleted row, with
    # the chain lock held, on every refresh and rebuild.
    audit_exclude = True

    objects = StatQuerySet.as_manager()

    class Meta:
        verbose_name = _("open cases now")
        verbose_name_plural = _("open cases now")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "risk"], name="dashboards_open_one_row"
            )
        ]
        indexes = [
            models.Index(
                fields=["grid_path"],
                name="dashboards_open_path",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.risk}: {self.open}/{self.overdue}"


class DirtyDay(models.Model):
    """A (grid, day of collection) whose figures must be recomputed: written
    in the same transaction as the dispute event that changed a case, so a
    change can never be missed, whatever order transactions commit in."""

    grid_id_value = models.BigIntegerField()
    day = models.DateField()

    # A marker consumed within one refresh; the event that wrote it is audited.
    audit_exclude = True

    class Meta:
        verbose_name = _("pending recomputation")
        verbose_name_plural = _("pending recomputations")

    def __str__(self) -> str:
        return f"{self.grid_id_value} {self.day}"


class RollupState(models.Model):
    """When the summary tables were last brought up to date, and how many
    times: ``generation`` grows with every refresh and rebuild, so a figure
    cached under one generation is never served after the tables changed."""

    name = models.CharField(max_length=40, unique=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("summary table state")
        verbose_name_plural = _("summary table state")

    def __str__(self) -> str:
        return f"{self.name} @ {self.refreshed_at}"

    @classmethod
    def current(cls) -> RollupState:
        state, _created = cls.objects.get_or_create(name="disputes")
        return state

    @classmethod
    def current_generation(cls) -> int:
        found = cls.objects.filter(name="disputes").values_list("generation", flat=True)
        return next(iter(found), 0)

    def touch(self, *, rebuilt: bool = False) -> None:
        """Called by refresh and rebuild with the row locked."""
        self.refreshed_at = timezone.now()
        self.generation += 1
        fields = ["refreshed_at", "generation"]
        if rebuilt:
            self.rebuilt_at = self.refreshed_at
            fields.append("rebuilt_at")
        self.save(update_fields=fields)


weight_field = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal(0))],
}


class ScoreWeights(models.Model):
    """The weights of the assessment score (督导考核) that ranks townships and
    villages. The score is the weighted mean of the parts (each a rate from
    0 to 100) over the parts that have a value."""

    name = models.CharField(_("name"), max_length=60, default="默认权重")
    active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("The most recently changed set in use ranks the areas."),
    )
    resolution_rate = models.DecimalField(
        _("resolution rate"), default=Decimal(30), **weight_field
    )
    on_time_rate = models.DecimalField(
        _("on-time rate"), default=Decimal(20), **weight_field
    )
    grid_share = models.DecimalField(
        _("share resolved in the grid"), default=Decimal(10), **weight_field
    )
    village_share = models.DecimalField(
        _("share resolved in the grid or village"), default=Decimal(10), **weight_field
    )
    satisfaction_rate = models.DecimalField(
        _("satisfaction rate"), default=Decimal(15), **weight_field
    )
    officer_coverage = models.DecimalField(
        _("grids with an officer"), default=Decimal(15), **weight_field
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assessment score weights")
        verbose_name_plural = _("assessment score weights")

    def __str__(self) -> str:
        return self.name

    PARTS = (
        "resolution_rate",
        "on_time_rate",
        "grid_share",
        "village_share",
        "satisfaction_rate",
        "officer_coverage",
    )

    @classmethod
    def in_use(cls) -> ScoreWeights:
        found = cls.objects.filter(active=True).order_by("-updated_at", "-pk").first()
        return found or cls()

    def as_dict(self) -> dict[str, float]:
        return {part: float(getattr(self, part)) for part in self.PARTS}
