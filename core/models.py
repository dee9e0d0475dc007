"""Accounts and platform-wide records."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedTextField


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    POLICE_ASSISTANT = "police_assistant", _("Police assistant")
    VOLUNTEER_POLICE = "volunteer_police", _("Volunteer police")
    VILLAGE_STAFF = "village_staff", _("Village center staff")
    TOWNSHIP_STAFF = "township_staff", _("Township center staff")
    DISTRICT_STAFF = "district_staff", _("District center staff")
    LEADER = "leader", _("Leader")
    DEPARTMENT_LIAISON = "department_liaison", _("Department liaison")
    ADMIN = "admin", _("Administrator")
    INTEGRATION = "integration", _("Integration client")


# The area levels each role's scope may sit at (first is the usual one).
ROLE_SCOPE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.GRID_WORKER: ("grid", "village"),
    Role.COMMUNITY_OFFICER: ("grid", "village", "township"),
    Role.POLICE_ASSISTANT: ("grid", "village", "township"),
    Role.VOLUNTEER_POLICE: ("grid", "village", "township"),
    Role.VILLAGE_STAFF: ("village",),
    Role.TOWNSHIP_STAFF: ("township",),
    Role.DISTRICT_STAFF: ("district", "city", "province"),
    Role.LEADER: ("district", "township", "city", "province"),
    Role.DEPARTMENT_LIAISON: ("township", "district"),
    Role.ADMIN: ("district", "city", "province"),
    Role.INTEGRATION: ("district", "township", "village", "city", "province"),
}


class User(AbstractUser):
    """An account: one role and one scope area.

    The scope area (a grid, village, township or the district) bounds everything
    the account sees and changes; see ``core.scope``.
    """

    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("scope area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    full_name = models.CharField(_("full name"), max_length=60, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.full_name or self.username

    # Properties
    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_field_role(self) -> bool:
        return self.role in {
            Role.GRID_WORKER,
            Role.COMMUNITY_OFFICER,
            Role.POLICE_ASSISTANT,
            Role.VOLUNTEER_POLICE,
        }


class Heartbeat(models.Model):
    """The last time a named periodic job ran; /health/ reads it."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def touch(cls, name: str) -> None:
        cls.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


class TOTPDevice(models.Model):
    """An account's second factor: a TOTP secret (RFC 6238) in an
    authenticator app. It counts once confirmed with a first valid code."""

    user = models.OneToOneField(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="totp"
    )
    secret = EncryptedTextField(_("secret"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The last time step accepted: a code is never accepted twice.
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class SecurityPolicy(models.Model):
    """Platform-wide security settings administrators change in the admin
    (one row)."""

    totp_required_roles = models.JSONField(
        _("roles that must use a second factor"),
        default=list,
        blank=True,
        help_text=_(
            "Accounts with these roles must enrol an authenticator app before "
            "they can use the platform."
        ),
    )

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")
        permissions = [
            ("reveal_personal_data", _("Can reveal ID and phone numbers in clear"))
        ]

    def __str__(self) -> str:
        return str(_("Security policy"))

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        from django.core.cache import cache

        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete("core:security_policy")

    @classmethod
    def current(cls) -> SecurityPolicy:
        from django.core.cache import cache

        policy = cache.get("core:security_policy")
        if policy is None:
            policy = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set("core:security_policy", policy, 60)
        return policy

    def requires_totp(self, user: User) -> bool:
        return bool(user.role) and user.role in (self.totp_required_roles or [])
