"""Disputes (矛盾纠纷): cases, parties, events, attachments, the deadline policy
and working-day calendar, whistles (吹哨) and notifications.

The stage of a case changes only through the transition methods on
:class:`Dispute` (``disputes/transitions.py`` holds the one table of allowed
moves and who may make them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, blind_index

if TYPE_CHECKING:
    from core.models import User


class Level(models.TextChoices):
    """The four levels a case can be handled at, bottom up."""

    GRID = "grid", _("Grid")
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    DISTRICT = "district", _("District")


LEVEL_ORDER = [Level.GRID, Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT]


class Risk(models.TextChoices):
    """Four-colour risk management (四色管理)."""

    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class DisputeCategory(models.Model):
    """A kind of dispute (neighbours, land and homesteads, ...); administrators
    keep the list."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("dispute category")
        verbose_name_plural = _("dispute categories")

    def __str__(self) -> str:
        return self.name


class CaseNumberCounter(models.Model):
    """The last case number given out in a year (HSB-2026-000123)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"

    @classmethod
    def allocate(cls, year: int) -> str:
        """The next case number of ``year``; call inside a transaction, as
        late as possible: right before the case is inserted.

        The UPDATE takes the counter row's lock until the transaction ends, so
        concurrent intakes get distinct, gap-free numbers on PostgreSQL (a
        rolled-back intake gives its number back); SQLite serialises writers
        anyway. One statement (``UPDATE ... RETURNING``) in the common case,
        two more the first time a year is used.
        """
        table, year_, last = map(
            connection.ops.quote_name, (cls._meta.db_table, "year", "last")
        )
        sql = f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_} = %s RETURNING {last}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            row = cursor.fetchone()
            if row is None:
                cls.objects.bulk_create([cls(year=year, last=0)], ignore_conflicts=True)
                cursor.execute(sql, [year])
                row = cursor.fetchone()
        return f"HSB-{year}-{row[0]:06d}"


class DisputeQuerySet(models.QuerySet):
    # Queries
    def visible_to(self, user: User) -> DisputeQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "grid"))

    def open(self) -> DisputeQuerySet:
        return self.filter(stage__in=Dispute.OPEN_STAGES)

    def overdue(self, now: dt.datetime | None = None) -> DisputeQuerySet:
        """Open cases whose current stage is past due (marked or not yet)."""
        now = now or timezone.now()
        return self.filter(stage__in=Dispute.DEADLINE_STAGES, due_at__lte=now)

    def awaiting(self, user: User) -> DisputeQuerySet:
        """Cases in the user's scope that wait for the user's level to act."""
        from .transitions import acting_level

        level = acting_level(user)
        if level is None:
            return self.none()
        wanted = Q(handler=user)
        if level == Level.DISTRICT and user.role == "admin":
            wanted |= Q(stage__in=Dispute.OPEN_STAGES)
        else:
            stage = Dispute.LEVEL_STAGE[level]
            wanted |= Q(stage=stage) | Q(
                stage=Dispute.Stage.FEEDBACK, feedback_level=level
            )
            if level == Level.GRID:
                wanted |= Q(stage=Dispute.Stage.FOLLOW_UP)
        return self.visible_to(user).open().filter(wanted)

    def with_related(self) -> DisputeQuerySet:
        return self.select_related("grid", "category", "handler", "created_by")


class Dispute(models.Model):
    """A dispute case (矛盾纠纷), from collection in the grid to the follow-up
    visit that closes it."""

    class Stage(models.TextChoices):
        GRID = "grid", _("Collected in the grid")
        VILLAGE_REVIEW = "village_review", _("Village review")
        TOWNSHIP_COORDINATION = "township_coordination", _("Township coordination")
        DISTRICT_ANALYSIS = "district_analysis", _("District analysis")
        FEEDBACK = "feedback", _("Feedback")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        TRANSFERRED = "transferred", _("Transferred")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        GRID_VISIT = "grid_visit", _("Grid visit")
        WALK_IN = "walk_in", _("Walk-in")
        HOTLINE_12345 = "hotline_12345", _("12345 hotline")
        POLICE = "police", _("Police")
        OTHER_SYSTEM = "other_system", _("Other system")

    class ResolutionMethod(models.TextChoices):
        ON_THE_SPOT = "on_the_spot", _("On-the-spot mediation")
        PEOPLES_MEDIATION = "peoples_mediation", _("People's mediation")
        ADMINISTRATIVE_MEDIATION = (
            "administrative_mediation",
            _("Administrative mediation"),
        )
        JUDICIAL_CONFIRMATION = "judicial_confirmation", _("Judicial confirmation")
        LITIGATION_LINK = "litigation_link", _("Litigation link-up")
        ARBITRATION = "arbitration", _("Arbitration")
        OTHER = "other", _("Other")

    Risk = Risk
    Level = Level

    WORKING_STAGES = (
        Stage.GRID,
        Stage.VILLAGE_REVIEW,
        Stage.TOWNSHIP_COORDINATION,
        Stage.DISTRICT_ANALYSIS,
    )
    OPEN_STAGES = (*WORKING_STAGES, Stage.FEEDBACK, Stage.FOLLOW_UP)
    DEADLINE_STAGES = OPEN_STAGES
    END_STAGES = (Stage.CLOSED, Stage.REJECTED, Stage.TRANSFERRED, Stage.WITHDRAWN)
    STAGE_LEVEL = {
        Stage.GRID: Level.GRID,
        Stage.VILLAGE_REVIEW: Level.VILLAGE,
        Stage.TOWNSHIP_COORDINATION: Level.TOWNSHIP,
        Stage.DISTRICT_ANALYSIS: Level.DISTRICT,
    }
    LEVEL_STAGE = {level: stage for stage, level in STAGE_LEVEL.items()}

    # Unique through Meta.constraints, not unique=True: on PostgreSQL that
    # also builds a varchar_pattern_ops index for LIKE 'prefix%', which no
    # query makes (the search is icontains).
    number = models.CharField(_("case number"), max_length=20)
    # Indexed by disputes_grid_created (grid, created_at).
    grid = models.ForeignKey(
        "grids.Area",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="disputes",
        limit_choices_to={"level": "grid"},
        db_index=False,
    )
    category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    risk = models.CharField(
        _("risk colour"), max_length=10, choices=Risk.choices, default=Risk.BLUE
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.GRID_VISIT
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disputes_created",
    )

    stage = models.CharField(
        _("stage"), max_length=24, choices=Stage.choices, default=Stage.GRID
    )
    stage_entered_at = models.DateTimeField(_("stage entered at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    early_warning_at = models.DateTimeField(
        _("early warning at"),
        null=True,
        blank=True,
        help_text=_(
            "Three quarters of the stage's time: the early warning goes out then."
        ),
    )
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    warning_handled_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(_("overdue at"), null=True, blank=True)
    overdue_handled_at = models.DateTimeField(null=True, blank=True, editable=False)
    ever_overdue = models.BooleanField(_("ever overdue"), default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disputes_handled",
        db_index=False,  # disputes_handler, partial
    )
    reached_level = models.CharField(
        _("highest level reached"),
        max_length=10,
        choices=Level.choices,
        default=Level.GRID,
    )

    resolved_level = models.CharField(
        _("resolved at level"),
        max_length=10,
        choices=Level.choices,
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_method = models.CharField(
        _("resolution method"),
        max_length=30,
        choices=ResolutionMethod.choices,
        blank=True,
    )
    outcome = models.TextField(_("outcome"), blank=True)
    feedback_level = models.CharField(
        _("feedback awaited from"),
        max_length=10,
        choices=Level.choices,
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfied = models.BooleanField(_("parties satisfied"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # disputes_duplicate_of, partial
    )

    external_system = models.CharField(_("external system"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="disputes_number_unique"),
            models.UniqueConstraint(
                fields=["external_system", "external_id"],
                condition=~Q(external_id=""),
                name="disputes_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(resolved_level__isnull=True) | Q(resolved_at__isnull=False),
                name="disputes_resolved_level_has_time",
            ),
        ]
        indexes = [
            # polled by the overdue sweep (disputes.sweeps "disputes.overdue"): mark
            models.Index(
                fields=["due_at"],
                name="disputes_sweep_due",
                condition=Q(overdue_at__isnull=True, due_at__isnull=False),
            ),
            # polled by the overdue sweep: marked but not yet handled
            models.Index(
                fields=["overdue_at"],
                name="disputes_sweep_overdue_unh",
                condition=Q(overdue_at__isnull=False, overdue_handled_at__isnull=True),
            ),
            # polled by the 75% early-warning sweep ("disputes.early_warning")
            models.Index(
                fields=["early_warning_at"],
                name="disputes_sweep_warn",
                condition=Q(warned_at__isnull=True, early_warning_at__isnull=False),
            ),
            models.Index(
                fields=["warned_at"],
                name="disputes_sweep_warn_unh",
                condition=Q(warned_at__isnull=False, warning_handled_at__isnull=True),
            ),
            models.Index(fields=["stage", "due_at"], name="disputes_stage_due"),
            models.Index(fields=["created_at"], name="disputes_created"),
            models.Index(fields=["grid", "created_at"], name="disputes_grid_created"),
            # Every sweep marking and stamp writes a new entry in each index
            # of this table (the indexed overdue_at changes: no HOT update),
            # so foreign keys that are mostly empty are indexed only where
            # set: the lookups (my cases, SET_NULL on delete) are equalities.
            models.Index(
                fields=["handler"],
                name="disputes_handler",
                condition=Q(handler__isnull=False),
            ),
            models.Index(
                fields=["duplicate_of"],
                name="disputes_duplicate_of",
                condition=Q(duplicate_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # Queries
    @classmethod
    def intake(cls, **kwargs: Any) -> tuple[Dispute, bool]:
        """Record a new case; see ``disputes.transitions.intake``."""
        from .transitions import intake

        return intake(**kwargs)

    def current_policy(self) -> DeadlinePolicy | None:
        from .deadlines import policy_for

        return policy_for(self.stage, self.risk, self.category_id)

    # Transitions (each one call into disputes/transitions.py)
    def escalate(self, *, by: User | None, reason: str, **kw: Any) -> DisputeEvent:
        from .transitions import escalate

        return escalate(self, by=by, reason=reason, **kw)

    def return_to_grid(
        self, *, by: User | None, reason: str, **kw: Any
    ) -> DisputeEvent:
        from .transitions import return_to_grid

        return return_to_grid(self, by=by, reason=reason, **kw)

    def resolve(
        self, *, by: User | None, outcome: str, method: str, **kw: Any
    ) -> DisputeEvent:
        from .transitions import resolve

        return resolve(self, by=by, outcome=outcome, method=method, **kw)

    def acknowledge_feedback(self, *, by: User | None, **kw: Any) -> DisputeEvent:
        from .transitions import acknowledge_feedback

        return acknowledge_feedback(self, by=by, **kw)

    def follow_up(
        self, *, by: User | None, satisfied: bool, notes: str = "", **kw: Any
    ) -> DisputeEvent:
        from .transitions import follow_up

        return follow_up(self, by=by, satisfied=satisfied, notes=notes, **kw)

    def reject(self, *, by: User | None, reason: str, **kw: Any) -> DisputeEvent:
        from .transitions import reject

        return reject(self, by=by, reason=reason, **kw)

    def transfer(
        self, *, by: User | None, to: str, reason: str, **kw: Any
    ) -> DisputeEvent:
        from .transitions import transfer

        return transfer(self, by=by, to=to, reason=reason, **kw)

    def withdraw(self, *, by: User | None, reason: str, **kw: Any) -> DisputeEvent:
        from .transitions import withdraw

        return withdraw(self, by=by, reason=reason, **kw)

    def assign(self, *, by: User | None, person: User, **kw: Any) -> DisputeEvent:
        from .transitions import assign

        return assign(self, by=by, person=person, **kw)

    def whistle(self, *, by: User | None, reason: str, **kw: Any) -> Whistle:
        from .transitions import whistle

        return whistle(self, by=by, reason=reason, **kw)

    def report_in(self, *, by: User, **kw: Any) -> WhistleSummons:
        from .transitions import report_in_for_dispute

        return report_in_for_dispute(self, by=by, **kw)

    def consult(
        self, *, by: User | None, departments: list[str], conclusions: str, **kw: Any
    ) -> DisputeEvent:
        from .transitions import consult

        return consult(
            self, by=by, departments=departments, conclusions=conclusions, **kw
        )

    # Properties
    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.is_open and self.due_at <= timezone.now())

    @property
    def acting_level(self) -> str | None:
        """The level that must act now."""
        if self.stage in self.STAGE_LEVEL:
            return self.STAGE_LEVEL[self.stage]
        if self.stage == self.Stage.FEEDBACK:
            return self.feedback_level
        if self.stage == self.Stage.FOLLOW_UP:
            return Level.GRID
        return None


class Party(models.Model):
    """A party to a dispute. Phone and ID number are encrypted at rest; the
    keyed hashes beside them find duplicates without decrypting."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        OTHER = "other", _("Other")

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("dispute"),
        on_delete=models.CASCADE,
        related_name="parties",
    )
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(
        _("role"), max_length=12, choices=Role.choices, default=Role.APPLICANT
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_hash = blind_index(self.phone)
        self.id_number_hash = blind_index(self.id_number)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "phone_hash",
                "id_number_hash",
            }
        super().save(*args, **kwargs)


class AppendOnlyError(Exception):
    """Events are history: they are never edited or deleted."""


class DisputeEventQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DisputeEventQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "dispute__grid"))

    def record(self, events: Iterable[DisputeEvent]) -> list[DisputeEvent]:
        """Insert many events with one statement and one audit record; the
        receivers of ``disputes.signals.events_recorded`` (the dashboards)
        see them as they see each saved one."""
        from audit.log import audited_bulk_create

        from .signals import events_recorded

        with transaction.atomic():
            created = audited_bulk_create(self.model, events)
            if created:
                events_recorded.send(sender=self.model, events=created)
        return created

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("dispute events are append-only")

    def delete(self) -> Any:
        raise AppendOnlyError("dispute events are append-only")


class DisputeEvent(models.Model):
    """One thing that happened to a case: the timeline is its events.

    Append-only: ``save`` refuses to change an existing row and ``delete``
    refuses outright, here, in the queryset and in the admin.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Recorded")
        ESCALATE = "escalate", _("Escalated")
        RETURN = "return", _("Returned to the grid")
        RESOLVE = "resolve", _("Resolved")
        ACKNOWLEDGE_FEEDBACK = "acknowledge_feedback", _("Feedback acknowledged")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        REJECT = "reject", _("Rejected")
        TRANSFER = "transfer", _("Transferred")
        WITHDRAW = "withdraw", _("Withdrawn")
        ASSIGN = "assign", _("Assigned")
        WHISTLE = "whistle", _("Whistle blown")
        REPORT_IN = "report_in", _("Reported in")
        CONSULT = "consult", _("Joint consultation")
        OVERDUE = "overdue", _("Went overdue")
        EARLY_WARNING = "early_warning", _("Early warning")
        REPORT_IN_OVERDUE = "report_in_overdue", _("Report-in overdue")
        ATTACHMENT = "attachment", _("Attachment added")

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("dispute"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # disputes_event_case (dispute, created_at)
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the system (the overdue sweep)."),
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_stage = models.CharField(
        _("from stage"), max_length=24, choices=Dispute.Stage.choices, blank=True
    )
    to_stage = models.CharField(
        _("to stage"), max_length=24, choices=Dispute.Stage.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = DisputeEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        indexes = [
            models.Index(fields=["dispute", "created_at"], name="disputes_event_case"),
            models.Index(fields=["action", "created_at"], name="disputes_event_action"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.action} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("dispute events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("dispute events are append-only")


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a random name: the original name is kept as data only.
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = timezone.localdate()
    return f"attachments/{today:%Y/%m}/{uuid.uuid4().hex}.{ext}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AttachmentQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "dispute__grid"))


class Attachment(models.Model):
    """A photo or PDF of a case, checked by content (``core.uploads``) and
    served only through the scoped download view, never as public media."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("dispute"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name or self.file.name

    # Properties
    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class DeadlinePolicy(models.Model):
    """The response deadline of a stage, per risk colour and optionally per
    category. The most specific matching row wins (category, then risk)."""

    class Unit(models.TextChoices):
        MINUTES = "minutes", _("minutes")
        HOURS = "hours", _("hours")
        WORKING_DAYS = "working_days", _("working days")

    REPORT_IN = "report_in"
    STAGE_CHOICES = [
        *[(s.value, s.label) for s in Dispute.Stage if s in Dispute.OPEN_STAGES],
        (REPORT_IN, _("Whistle report-in")),
    ]

    stage = models.CharField(_("stage"), max_length=24, choices=STAGE_CHOICES)
    risk = models.CharField(
        _("risk colour"),
        max_length=10,
        choices=Risk.choices,
        blank=True,
        help_text=_("Empty: any colour."),
    )
    category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any category."),
    )
    duration = models.PositiveIntegerField(_("duration"))
    unit = models.CharField(_("unit"), max_length=14, choices=Unit.choices)
    auto_escalate = models.BooleanField(
        _("escalate automatically when overdue"), default=False
    )

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gt=0), name="disputes_policy_positive_duration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.risk or '*'} {self.duration} {self.get_unit_display()}"


class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday week: a statutory holiday on a
    weekday, or a make-up working day (调休) on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.note}"


class WhistleQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> WhistleQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "grid"))


class Whistle(models.Model):
    """A whistle (网格吹哨): the grid or a center summons the grid's officer
    and named departments, each to report in (报到) before the deadline."""

    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("dispute"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="whistles",
    )
    grid = models.ForeignKey(
        "grids.Area",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="whistles",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blown by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    report_in_deadline = models.DateTimeField(_("report-in deadline"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = WhistleQuerySet.as_manager()

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        indexes = [
            models.Index(fields=["grid", "created_at"], name="disputes_whistle_grid")
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.created_at:%Y-%m-%d %H:%M}"


class WhistleSummonsQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> WhistleSummonsQuerySet:
        from core.scope import scope_q

        return self.filter(scope_q(user, "whistle__grid"))


class WhistleSummons(models.Model):
    """One party summoned by a whistle: a person (the officer) or a department."""

    whistle = models.ForeignKey(
        Whistle,
        verbose_name=_("whistle"),
        on_delete=models.CASCADE,
        related_name="summonses",
    )
    person = models.ForeignKey(
        "policing.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="summonses",
    )
    department = models.CharField(_("department"), max_length=60, blank=True)
    reported_in_at = models.DateTimeField(_("reported in at"), null=True, blank=True)
    reported_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    overdue_at = models.DateTimeField(_("overdue at"), null=True, blank=True)
    overdue_handled_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = WhistleSummonsQuerySet.as_manager()

    class Meta:
        verbose_name = _("whistle summons")
        verbose_name_plural = _("whistle summonses")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(department=""),
                name="disputes_summons_has_party",
            )
        ]
        indexes = [
            # polled by the report-in sweep ("disputes.report_in_overdue")
            models.Index(
                fields=["whistle"],
                name="disputes_summons_pending",
                condition=Q(reported_in_at__isnull=True, overdue_at__isnull=True),
            ),
            models.Index(
                fields=["overdue_at"],
                name="disputes_summons_overdue_unh",
                condition=Q(overdue_at__isnull=False, overdue_handled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.department)

    # Transitions
    def report_in(self, *, by: User, note: str = "") -> WhistleSummons:
        from .transitions import report_in

        return report_in(self, by=by, note=note)

    # Properties
    @property
    def label(self) -> str:
        return str(self.person) if self.person_id else self.department


class NotificationQuerySet(models.QuerySet):
    def unread_for(self, user: User) -> NotificationQuerySet:
        return self.filter(recipient=user, read_at__isnull=True)

    def for_user(self, user: User) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def visible_to(self, user: User) -> NotificationQuerySet:
        return self.filter(recipient=user)


class Notification(models.Model):
    """A message in someone's inbox. ``dedup_key`` makes every notification
    idempotent: the same key never reaches the same person twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # disputes_notification_inbox (recipient, -id)
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"],
                condition=~Q(dedup_key=""),
                name="disputes_notification_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="disputes_notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "-id"], name="disputes_notification_inbox"
            ),
        ]

    def __str__(self) -> str:
        return self.title
