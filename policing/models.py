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


# Field work
# ---------------------------------------------------------------------------
# Activities logged in the grids, hazards found there and the time people put
# in (issue 8). Officers' share of time in their own grids is computed from
# these rows in ``policing.worktime``. Imports sit here, not at the top, so
# this block stays separate from the people and posts above.

import logging  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from typing import Any  # noqa: E402

logger = logging.getLogger(__name__)


def person_of(user: User | None) -> Person | None:
    """The forces member linked to the account, if any."""
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).first()


def current_grid_of(person: Person | None, on: dt.date) -> Any:
    """The grid the person is posted to on the date, primary post first."""
    if person is None:
        return None
    assignment = (
        Assignment.objects.current(on)
        .filter(person=person, grid__isnull=False)
        .select_related("grid")
        .order_by("-is_primary", "pk")
        .first()
    )
    return assignment.grid if assignment else None


class ActivityQuerySet(models.QuerySet):
    # Queries
    def visible_to(self, user: User) -> ActivityQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "grid"))

    def in_month(self, month: dt.date) -> ActivityQuerySet:
        start, end = month_bounds(month)
        return self.filter(work_date__gte=start, work_date__lt=end)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of ``month`` and the first day of the month after."""
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


class Activity(models.Model):
    """Field work done in a grid: a patrol, an inspection, a publicity session,
    one of the five-governance activities (五治融合)."""

    class Kind(models.TextChoices):
        PATROL = "patrol", _("Patrol")
        HAZARD_INSPECTION = "hazard_inspection", _("Hazard inspection")
        LAW_PUBLICITY = "law_publicity", _("Law publicity")
        MEDIATION = "mediation", _("Mediation session")
        PARTY_BUILDING = "party_building", _("Party-building with grid policing")
        MORAL_EDUCATION = "moral_education", _("Moral education")
        SAFETY_ADVISOR = "safety_advisor", _("Safety-advisor visit")
        VOLUNTEER = "volunteer", _("Volunteer activity")
        SHARP_EYES = "sharp_eyes", _("Sharp Eyes camera check")

    class Topic(models.TextChoices):
        """What a moral-education activity was about."""

        CUSTOMS_REFORM = "customs_reform", _("Reforming customs")
        CIVILITY = "civility", _("Civility campaign")
        MORAL_MODELS = "moral_models", _("Moral model selection")

    class AdviseeKind(models.TextChoices):
        """Whom a safety advisor (平安顾问) visited."""

        VILLAGE = "village", _("Village")
        ENTERPRISE = "enterprise", _("Enterprise")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    grid = models.ForeignKey(
        "grids.Area",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="activities",
        limit_choices_to={"level": "grid"},
    )
    recorded_by = models.ForeignKey(
        Person,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recorded_activities",
    )
    created_by = models.ForeignKey(
        "core.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    participants = models.ManyToManyField(
        Person,
        verbose_name=_("participants"),
        blank=True,
        related_name="activities",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    # Denormalised from started_at/ended_at on save so that month and time
    # figures are plain indexed sums on both databases.
    work_date = models.DateField(_("date"), editable=False)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=0, editable=False
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(
        _("topic"), max_length=20, choices=Topic.choices, blank=True
    )
    advisee_kind = models.CharField(
        _("advised"), max_length=12, choices=AdviseeKind.choices, blank=True
    )
    advisee_name = models.CharField(
        _("village or enterprise advised"), max_length=200, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")),
                name="policing_activity_times_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "work_date"]),
            models.Index(fields=["work_date", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.grid} · {self.work_date}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """Set the local date and the duration from the start and end times
        (bulk_create callers call this themselves)."""
        from django.utils import timezone

        if self.started_at is not None:
            self.work_date = timezone.localdate(self.started_at)
            if self.ended_at is not None and self.ended_at >= self.started_at:
                seconds = (self.ended_at - self.started_at).total_seconds()
                self.duration_minutes = round(seconds / 60)

    # Transitions
    @classmethod
    def record(
        cls,
        *,
        by: User,
        grid: Any,
        kind: str,
        started_at: dt.datetime,
        ended_at: dt.datetime,
        participants: Iterable[Person] = (),
        photos: Iterable[Any] = (),
        **fields: Any,
    ) -> Activity:
        """Record field work in a grid the account may act on. The account's
        own person always takes part; photos are checked by content and size
        before anything is written."""
        from django.db import transaction

        from core.exceptions import DomainError, NotInScope
        from core.scope import in_scope

        from .uploads import validate_photo

        if grid is None or grid.level != "grid" or not in_scope(by, grid):
            raise NotInScope()
        if ended_at < started_at:
            raise DomainError(_("The end time is before the start time."))
        checked = [(photo, validate_photo(photo)) for photo in photos]
        me = person_of(by)
        people = {p.pk: p for p in participants}
        if me is not None:
            people.setdefault(me.pk, me)
        with transaction.atomic():
            activity = cls.objects.create(
                grid=grid,
                kind=kind,
                started_at=started_at,
                ended_at=ended_at,
                recorded_by=me,
                created_by=by,
                **fields,
            )
            activity.participants.set(people.values())
            for photo, content_type in checked:
                ActivityPhoto.objects.create(
                    activity=activity,
                    file=photo,
                    content_type=content_type,
                    size=photo.size,
                )
        logger.info("activity %s recorded in grid %s", activity.pk, grid.pk)
        return activity

    def add_photo(self, *, photo: Any) -> ActivityPhoto:
        """Attach one more photo, checked by content and size."""
        from core.exceptions import DomainError

        from .uploads import MAX_PHOTOS, validate_photo

        content_type = validate_photo(photo)
        if self.photos.count() >= MAX_PHOTOS:
            raise DomainError(
                _("An activity keeps at most %(n)s photos.") % {"n": MAX_PHOTOS}
            )
        return ActivityPhoto.objects.create(
            activity=self, file=photo, content_type=content_type, size=photo.size
        )

    # Properties
    @property
    def hours(self) -> float:
        return round(self.duration_minutes / 60, 2)


def activity_photo_path(instance: ActivityPhoto, filename: str) -> str:
    import uuid

    ext = (instance.content_type or "").rsplit("/", 1)[-1] or "bin"
    return f"activities/{instance.activity_id}/{uuid.uuid4().hex}.{ext}"


class ActivityPhoto(models.Model):
    """A photo taken during an activity; content and size checked on upload."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    file = models.FileField(_("file"), upload_to=activity_photo_path)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.file.name


class HazardQuerySet(models.QuerySet):
    # Queries
    def visible_to(self, user: User) -> HazardQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "grid"))

    def open(self) -> HazardQuerySet:
        """Not yet verified as fixed."""
        return self.exclude(status=Hazard.Status.VERIFIED)

    def overdue(self, now: dt.datetime) -> HazardQuerySet:
        """Awaiting rectification past the deadline (marked or not yet)."""
        return self.filter(status=Hazard.Status.OPEN, due_at__lt=now)

    def due_for_sweep(self, now: dt.datetime) -> HazardQuerySet:
        """Past the deadline and not yet marked: what the overdue sweep takes."""
        return self.overdue(now).filter(overdue_at__isnull=True)


class Hazard(models.Model):
    """A safety hazard (隐患) with its rectification and the verification visit.

    Life: open (awaiting the fix, with a deadline) → rectified (the fix is
    recorded) → verified (a visit confirmed it). A failed verification sends it
    back to open with a new deadline.
    """

    class Kind(models.TextChoices):
        FIRE = "fire", _("Fire")
        TRAFFIC = "traffic", _("Traffic")
        PUBLIC_ORDER = "public_order", _("Public order")
        BUILDING = "building", _("Building")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting rectification")
        RECTIFIED = "rectified", _("Rectified, awaiting verification")
        VERIFIED = "verified", _("Verified")

    grid = models.ForeignKey(
        "grids.Area",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="hazards",
        limit_choices_to={"level": "grid"},
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("found during"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("description"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    responsible_party = models.CharField(
        _("responsible party"),
        max_length=200,
        help_text=_("Who must fix it: an owner, an enterprise, a department."),
    )
    responsible_phone = models.CharField(
        _("responsible party's phone"), max_length=30, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    reported_by = models.ForeignKey(
        Person,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_hazards",
    )
    created_by = models.ForeignKey(
        "core.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    due_at = models.DateTimeField(_("rectification deadline"))
    overdue_at = models.DateTimeField(
        _("marked overdue at"),
        null=True,
        blank=True,
        help_text=_("Set once by the overdue sweep."),
    )
    overdue_handled_at = models.DateTimeField(
        _("overdue handled at"),
        null=True,
        blank=True,
        help_text=_("When the overdue sweep notified and escalated."),
    )
    escalated_at = models.DateTimeField(
        _("escalated to the township at"),
        null=True,
        blank=True,
        help_text=_("Set once when the hazard stays overdue beyond the policy."),
    )
    escalation_handled_at = models.DateTimeField(
        _("escalation handled at"), null=True, blank=True
    )
    fix = models.TextField(_("rectification"), blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        "core.User",
        verbose_name=_("rectification recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "core.User",
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_notes = models.TextField(_("verification notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("reported_at")),
                name="policing_hazard_deadline_after_report",
            ),
        ]
        indexes = [
            # Polled by the hazard overdue sweep.
            models.Index(
                fields=["due_at"],
                condition=Q(status="open", overdue_at__isnull=True),
                name="policing_hazard_sweep",
            ),
            # Polled by the hazard escalation sweep.
            models.Index(
                fields=["overdue_at"],
                condition=Q(
                    status="open", overdue_at__isnull=False, escalated_at__isnull=True
                ),
                name="policing_hazard_escalation",
            ),
            models.Index(fields=["grid", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.grid} · {self.place}"

    # Transitions
    @classmethod
    def report(
        cls,
        *,
        by: User,
        grid: Any,
        due_at: dt.datetime,
        activity: Activity | None = None,
        **fields: Any,
    ) -> Hazard:
        """Record a hazard found in a grid the account may act on, directly or
        during an activity in the same grid."""
        from django.utils import timezone

        from core.exceptions import DomainError, NotInScope
        from core.scope import in_scope

        if grid is None or grid.level != "grid" or not in_scope(by, grid):
            raise NotInScope()
        if activity is not None and activity.grid_id != grid.pk:
            raise DomainError(_("The activity took place in another grid."))
        now = timezone.now()
        if due_at <= now:
            raise DomainError(_("The rectification deadline must be in the future."))
        hazard = cls.objects.create(
            grid=grid,
            activity=activity,
            due_at=due_at,
            reported_at=now,
            reported_by=person_of(by),
            created_by=by,
            **fields,
        )
        logger.info("hazard %s reported in grid %s", hazard.pk, grid.pk)
        return hazard

    def record_fix(self, *, by: User, fix: str) -> None:
        """The responsible party fixed it; a verification visit is next."""
        from django.db import transaction
        from django.utils import timezone

        from core.exceptions import DomainError, InvalidTransition

        if not fix.strip():
            raise DomainError(_("Describe the rectification."))
        with transaction.atomic():
            row = Hazard.objects.select_for_update().get(pk=self.pk)
            if row.status != Hazard.Status.OPEN:
                raise InvalidTransition(_("Only an open hazard can be rectified."))
            row.status = Hazard.Status.RECTIFIED
            row.fix = fix.strip()
            row.rectified_at = timezone.now()
            row.rectified_by = by
            row.save(update_fields=["status", "fix", "rectified_at", "rectified_by"])
        self.refresh_from_db()

    def verify(
        self,
        *,
        by: User,
        accepted: bool,
        notes: str = "",
        new_due_at: dt.datetime | None = None,
    ) -> None:
        """The verification visit: accepted closes the hazard; rejected reopens
        it with a new deadline (the sweep may then mark it again)."""
        from django.db import transaction
        from django.utils import timezone

        from core.exceptions import DomainError, InvalidTransition

        now = timezone.now()
        with transaction.atomic():
            row = Hazard.objects.select_for_update().get(pk=self.pk)
            if row.status != Hazard.Status.RECTIFIED:
                raise InvalidTransition(_("Only a rectified hazard can be verified."))
            row.verification_notes = notes.strip()
            row.verified_by = by
            row.verified_at = now
            if accepted:
                row.status = Hazard.Status.VERIFIED
            else:
                if new_due_at is None or new_due_at <= now:
                    raise DomainError(
                        _("A rejected rectification needs a new, future deadline.")
                    )
                row.status = Hazard.Status.OPEN
                row.due_at = new_due_at
                row.overdue_at = None
                row.overdue_handled_at = None
                row.escalated_at = None
                row.escalation_handled_at = None
            row.save(
                update_fields=[
                    "status",
                    "verification_notes",
                    "verified_by",
                    "verified_at",
                    "due_at",
                    "overdue_at",
                    "overdue_handled_at",
                    "escalated_at",
                    "escalation_handled_at",
                ]
            )
        self.refresh_from_db()

    # Properties
    @property
    def is_open(self) -> bool:
        return self.status != self.Status.VERIFIED

    @property
    def is_overdue(self) -> bool:
        return self.overdue_at is not None and self.status == self.Status.OPEN


class TimeEntryQuerySet(models.QuerySet):
    # Queries
    def visible_to(self, user: User) -> TimeEntryQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "person__area") | scope_q(user, "grid"))

    def in_month(self, month: dt.date) -> TimeEntryQuerySet:
        start, end = month_bounds(month)
        return self.filter(work_date__gte=start, work_date__lt=end)


class TimeEntry(models.Model):
    """Hours a person logged by hand for work that is not a recorded activity:
    duty shifts, case work, meetings, or non-police duties (非警务) that the
    time-in-grid figure must show for what they are."""

    class Duty(models.TextChoices):
        GRID_WORK = "grid_work", _("Work in the grid")
        DUTY_SHIFT = "duty_shift", _("Duty shift at the station")
        CASE_WORK = "case_work", _("Case work")
        MEETING = "meeting", _("Meeting or training")
        ADMINISTRATION = "administration", _("Administration")
        NON_POLICE = "non_police", _("Non-police duty")
        OTHER = "other", _("Other")

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    work_date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    duty = models.CharField(_("duty"), max_length=16, choices=Duty.choices)
    non_police = models.BooleanField(
        _("non-police duty"),
        default=False,
        help_text=_("Work that is not police work (demolition, campaigns, ...)."),
    )
    grid = models.ForeignKey(
        "grids.Area",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_entries",
        limit_choices_to={"level": "grid"},
        help_text=_("The grid the work was done in, if any."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "core.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="policing_timeentry_hours_in_day",
            ),
        ]
        indexes = [models.Index(fields=["person", "work_date"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.work_date} · {self.hours} h"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # A non-police duty is flagged whatever the box said.
        if self.duty == self.Duty.NON_POLICE:
            self.non_police = True
        super().save(*args, **kwargs)
