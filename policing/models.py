"""Police stations and their units, volunteer teams, people and assignments."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.exceptions import Conflict, DomainError, InvalidTransition

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

    def visible_to(self, user: User) -> PersonQuerySet:
        """People kept by an area in the viewer's scope, and people posted to
        a grid or zone there (a village sees its grids' officers, whose record
        the township keeps)."""
        from core.scope import scope_path, scope_q

        if scope_path(user) == "":
            return self.all()
        posted = Assignment.objects.visible_to(user).values("person_id")
        return self.filter(scope_q(user, "area") | Q(pk__in=posted))

    def sworn(self) -> PersonQuerySet:
        """Police officers (community officers and the station's other
        officers), the people who hold police numbers."""
        return self.filter(role__in=Person.SWORN_ROLES)

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
        # Sworn officers of the case team or command office: they count in a
        # station's officers when the share sunk into grids is computed.
        POLICE_OFFICER = "police_officer", _("Police officer")
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

    SWORN_ROLES = ("community_officer", "police_officer")

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
        indexes = [models.Index(fields=["role", "active"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.phone and getattr(self.phone, "country_code", 86) != 86:
            errors["phone"] = _("Enter a mainland China phone number.")
        if self.role in self.SWORN_ROLES and not self.police_number:
            errors["police_number"] = _("A police officer needs a police number.")
        if self.police_number and self.role not in self.SWORN_ROLES:
            errors["police_number"] = _("Only police officers have a police number.")
        if self.unit_id and self.station_id and self.unit.station_id != self.station_id:
            errors["unit"] = _("The unit belongs to another police station.")
        if errors:
            raise ValidationError(errors)

    # Properties
    @property
    def is_sworn(self) -> bool:
        return self.role in self.SWORN_ROLES


class AssignmentQuerySet(models.QuerySet):
    # Queries
    def current(self, on: dt.date) -> AssignmentQuerySet:
        """Assignments in force on the date (end date inclusive)."""
        return self.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
        )

    def overlapping(
        self, start_date: dt.date, end_date: dt.date | None
    ) -> AssignmentQuerySet:
        """Assignments whose date range meets [start_date, end_date] (open
        ends are infinite, both ends inclusive)."""
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        if end_date is not None:
            qs = qs.filter(start_date__lte=end_date)
        return qs

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

    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("took over from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    # The posts each kind of person may hold.
    POSTS_BY_PERSON_ROLE: dict[str, tuple[str, ...]] = {
        "community_officer": ("community_officer",),
        "police_officer": ("community_officer",),
        "police_assistant": ("police_assistant",),
        "grid_worker": ("grid_worker",),
        "volunteer_police": ("volunteer_police",),
    }

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

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.grid_id is None and self.zone_id is None:
            errors["grid"] = _("Choose a grid or a police zone.")
        if self.grid_id is not None and self.grid.level != "grid":
            errors["grid"] = _("%(name)s is not a grid.") % {"name": self.grid}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        if self.person_id is not None and self.role:
            allowed = self.POSTS_BY_PERSON_ROLE.get(self.person.role, ())
            if self.role not in allowed:
                errors["role"] = _(
                    "A %(person_role)s cannot hold the post of %(role)s."
                ) % {
                    "person_role": self.person.get_role_display(),
                    "role": self.get_role_display(),
                }
        if errors:
            raise ValidationError(errors)

    # Queries
    def clashes(self) -> AssignmentQuerySet:
        """Other assignments this one may not coexist with: the same person in
        the same post over meeting dates, and, for a primary community officer,
        another primary community officer of the same grid."""
        if self.start_date is None:
            return Assignment.objects.none()
        window = Assignment.objects.overlapping(self.start_date, self.end_date).exclude(
            pk=self.pk
        )
        same_post = Q(person_id=self.person_id, role=self.role) & (
            Q(grid_id=self.grid_id) if self.grid_id else Q(zone_id=self.zone_id)
        )
        rule = same_post
        if self.is_primary and self.role == self.Role.COMMUNITY_OFFICER:
            if self.grid_id:
                rule |= Q(
                    grid_id=self.grid_id,
                    role=self.Role.COMMUNITY_OFFICER,
                    is_primary=True,
                )
            else:
                rule |= Q(
                    zone_id=self.zone_id,
                    role=self.Role.COMMUNITY_OFFICER,
                    is_primary=True,
                )
        return window.filter(rule).select_related("person", "grid", "zone")

    def clash_message(self, other: Assignment) -> str:
        post = other.grid or other.zone
        end = other.end_date.isoformat() if other.end_date else _("open-ended")
        if other.person_id == self.person_id:
            return str(
                _(
                    "%(person)s already holds this post at %(post)s (%(start)s to %(end)s)."
                )
                % {
                    "person": other.person,
                    "post": post,
                    "start": other.start_date.isoformat(),
                    "end": end,
                }
            )
        return str(
            _(
                "%(post)s already has a primary community officer, %(person)s, "
                "from %(start)s to %(end)s. End that assignment or hand it over "
                "first, or make this one a backup."
            )
            % {
                "post": post,
                "person": other.person,
                "start": other.start_date.isoformat(),
                "end": end,
            }
        )

    # Transitions
    def _lock_post(self) -> None:
        """Lock the grid (or zone) row so two concurrent assignments to the
        same post are checked one after the other."""
        from grids.models import Area, PoliceZone

        if self.grid_id:
            Area.objects.select_for_update().filter(pk=self.grid_id).first()
        elif self.zone_id:
            PoliceZone.objects.select_for_update().filter(pk=self.zone_id).first()

    def save_checked(self) -> Assignment:
        """Validate and insert a new assignment, refusing clashes under a row
        lock on the post. Raises ValidationError or Conflict."""
        if self.pk is not None:
            raise InvalidTransition(
                str(_("An assignment is never overwritten; end it or hand it over."))
            )
        self.full_clean(exclude=["predecessor"])
        with transaction.atomic():
            self._lock_post()
            clash = self.clashes().first()
            if clash is not None:
                raise Conflict(self.clash_message(clash))
            self.save()
        return self

    def end(self, *, on: dt.date) -> Assignment:
        """End the assignment on ``on`` (the last day it is in force)."""
        with transaction.atomic():
            current = Assignment.objects.select_for_update().get(pk=self.pk)
            # A planned end (still ahead) may be moved; a past one is history.
            if current.end_date is not None and (
                current.end_date < timezone.localdate() or current.end_date <= on
            ):
                raise InvalidTransition(
                    str(_("This assignment already ended on %(date)s."))
                    % {"date": current.end_date.isoformat()}
                )
            if on < current.start_date:
                raise DomainError(
                    str(_("An assignment cannot end before it starts (%(date)s)."))
                    % {"date": current.start_date.isoformat()}
                )
            current.end_date = on
            current.save(update_fields=["end_date"])
        self.end_date = on
        return current

    def hand_over(
        self,
        *,
        to: Person,
        on: dt.date,
        note: str = "",
        concurrent_post: str | None = None,
    ) -> Assignment:
        """Hand the post over to ``to`` from ``on``: this assignment ends the
        day before and the successor's starts on ``on``, in one transaction.
        Returns the new assignment."""
        with transaction.atomic():
            current = Assignment.objects.select_for_update().get(pk=self.pk)
            if current.end_date is not None and current.end_date < on:
                raise InvalidTransition(
                    str(
                        _(
                            "This assignment ended on %(date)s; there is nothing to hand over."
                        )
                    )
                    % {"date": current.end_date.isoformat()}
                )
            if on <= current.start_date:
                raise DomainError(
                    str(
                        _(
                            "A handover must come after the assignment started (%(date)s)."
                        )
                    )
                    % {"date": current.start_date.isoformat()}
                )
            if to.pk == current.person_id:
                raise DomainError(str(_("Hand the post over to someone else.")))
            if Assignment.objects.filter(predecessor=current).exists():
                raise InvalidTransition(str(_("This post was already handed over.")))
            successor_end = current.end_date
            current.end_date = on - dt.timedelta(days=1)
            current.save(update_fields=["end_date"])
            successor = Assignment(
                person=to,
                grid_id=current.grid_id,
                zone_id=current.zone_id,
                role=current.role,
                start_date=on,
                end_date=successor_end,
                is_primary=current.is_primary,
                concurrent_post=(
                    current.concurrent_post
                    if concurrent_post is None
                    else concurrent_post
                ),
                predecessor=current,
                note=note,
            )
            successor.full_clean(exclude=["predecessor"])
            self._lock_post()
            clash = successor.clashes().first()
            if clash is not None:
                raise Conflict(successor.clash_message(clash))
            successor.save()
        self.end_date = current.end_date
        return successor

    # Properties
    @property
    def post(self) -> object:
        return self.grid or self.zone

    def in_force(self, on: dt.date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)
