"""Police stations and their units, volunteer teams, people and assignments."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

if TYPE_CHECKING:
    from core.models import User


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows hang off an area through ``scope_field``."""

    scope_field = "area"

    def visible_to(self, user: User) -> ScopedQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, self.scope_field))


class Station(models.Model):
    """A police station (派出所)."""

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="stations",
        help_text=_("The area the station is responsible for."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit of a station under the two-teams-one-office reform (两队一室)."""

    class Kind(models.TextChoices):
        COMMUNITY_TEAM = "community_team", _("Community-policing team")
        CASE_TEAM = "case_team", _("Case team")
        COMMAND_OFFICE = "command_office", _("Command office")

    station = models.ForeignKey(
        Station,
        verbose_name=_("police station"),
        on_delete=models.CASCADE,
        related_name="units",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind"], name="policing_unit_one_kind_per_station"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.name}"


class VolunteerTeam(models.Model):
    """A volunteer police team, such as 红城守望."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(ScopedQuerySet):
    # Queries
    def active(self) -> PersonQuerySet:
        return self.filter(active=True)

    def officers_of(self, grid_id: int, on: dt.date) -> PersonQuerySet:
        """Community officers assigned to the grid on the given date, primary
        first."""
        return (
            self.filter(
                role=Person.Role.COMMUNITY_OFFICER,
                assignments__in=Assignment.objects.current(on).filter(grid_id=grid_id),
            )
            .order_by("-assignments__is_primary", "pk")
            .distinct()
        )


class Person(models.Model):
    """Someone in the forces: officers, assistants, grid workers, volunteers,
    center staff and department liaisons. May be linked to a login account."""

    class Role(models.TextChoices):
        COMMUNITY_OFFICER = "community_officer", _("Community officer")
        POLICE_ASSISTANT = "police_assistant", _("Police assistant")
        GRID_WORKER = "grid_worker", _("Grid worker")
        VOLUNTEER_POLICE = "volunteer_police", _("Volunteer police")
        CENTER_STAFF = "center_staff", _("Center staff")
        DEPARTMENT_LIAISON = "department_liaison", _("Department liaison")

    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    phone = PhoneNumberField(_("phone"), blank=True)
    police_number = models.CharField(_("police number"), max_length=20, blank=True)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("home area"),
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("The area whose staff keep this person's record."),
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("police station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    volunteer_team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("volunteer team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    department = models.CharField(
        _("department"),
        max_length=60,
        blank=True,
        help_text=_("For department liaisons: judicial office, civil affairs, ..."),
    )
    party_member = models.BooleanField(_("party member"), default=False)
    active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        "core.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["police_number"],
                condition=~Q(police_number=""),
                name="policing_person_unique_police_number",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentQuerySet(models.QuerySet):
    # Queries
    def current(self, on: dt.date) -> AssignmentQuerySet:
        """Assignments in force on the date (end date inclusive)."""
        return self.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
        )

    def visible_to(self, user: User) -> AssignmentQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "grid") | scope_q(user, "zone__area"))


class Assignment(models.Model):
    """A person posted to a grid or a police zone for a date range.

    History is kept: a handover ends one assignment and starts the next; rows
    are never overwritten.
    """

    class Role(models.TextChoices):
        COMMUNITY_OFFICER = "community_officer", _("Community officer")
        POLICE_ASSISTANT = "police_assistant", _("Police assistant")
        GRID_WORKER = "grid_worker", _("Grid worker")
        VOLUNTEER_POLICE = "volunteer_police", _("Volunteer police")

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    grid = models.ForeignKey(
        "grids.Area",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"level": "grid"},
    )
    zone = models.ForeignKey(
        "grids.PoliceZone",
        verbose_name=_("police zone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(_("role held"), max_length=24, choices=Role.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary"), default=True)
    concurrent_post = models.CharField(
        _("concurrent post"),
        max_length=100,
        blank=True,
        help_text=_("For example: deputy party secretary of the village."),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(grid__isnull=False) | Q(zone__isnull=False),
                name="policing_assignment_has_post",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="policing_assignment_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["grid", "role", "start_date"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.grid or self.zone}"
