"""The audit trail: an append-only, hash-chained record of every write, login,
reveal of personal data and export.

Each record stores the hash of the record before it and its own hash over a
canonical JSON of its content, so editing or deleting a record behind the
application's back breaks the chain; ``python manage.py verify_audit`` finds
where.

A record is written in two steps so that no request waits on another: the
writer inserts it inside its own transaction without chain fields (a
rolled-back write leaves nothing), and after commit ``audit.chain`` gives it
its place in the chain (``seq``, ``prev_hash``, ``hash``) in a short
transaction of its own. Commit order is not id order, so the chain follows
``seq``, never the id.

Records name the actor by id and username (no foreign key): deleting an
account must not rewrite the trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AppendOnly(Exception):
    """Raised on any attempt to change or delete audit records through the ORM."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("audit records cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit records cannot be deleted")

    def in_chain_order(self) -> AuditQuerySet:
        """Chained records, first to last."""
        return self.filter(seq__isnull=False).order_by("seq")

    def unchained(self) -> AuditQuerySet:
        """Committed records still waiting for ``audit.chain.chain_pending``."""
        return self.filter(seq__isnull=True)


class AuditRecord(models.Model):
    """One audited event. Never updated, never deleted (except by the
    retention job, which only removes records older than the retention period
    from the start of the chain)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        BULK_UPDATE = "bulk_update", _("Bulk update")
        RELATION = "relation", _("Relation change")
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOGOUT = "logout", _("Logout")
        LOCKOUT = "lockout", _("Account locked out")
        REVEAL = "reveal", _("Reveal personal data")
        EXPORT = "export", _("Export")
        SECURITY = "security", _("Security setting")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True, db_index=True)
    object_pk = models.CharField(_("object"), max_length=64, blank=True)
    object_repr = models.CharField(_("object description"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # Set once, after commit, by audit.chain.chain_pending; empty until then.
    seq = models.BigIntegerField(
        _("chain position"), null=True, blank=True, unique=True
    )
    prev_hash = models.CharField(
        _("previous hash"), max_length=64, null=True, blank=True
    )
    hash = models.CharField(
        _("hash"), max_length=64, null=True, blank=True, unique=True
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["model", "object_pk"]),
            # What audit.chain.chain_pending (after each commit and the
            # chain-audit beat task) polls: the records not yet chained.
            models.Index(
                fields=["id"],
                condition=models.Q(seq__isnull=True),
                name="audit_record_unchained_idx",
            ),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.model} {self.object_pk}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Inserted unchained, once; the chain fields are set by audit.chain.
        if self.pk is not None or self.seq is not None or self.hash:
            raise AppendOnly("audit records are written only through audit.log.append")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("audit records cannot be deleted")

    # Chain
    def content(self) -> dict[str, Any]:
        """What the hash covers: every field but the id, the chain position
        and the hash itself. The position needs no cover: moving a record
        breaks the ``prev_hash`` links around it."""
        created = self.created_at.astimezone(dt.UTC)
        return {
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "ip": self.ip,
            "model": self.model,
            "object_pk": self.object_pk,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.content()).encode()).hexdigest()


class AuditChainHead(models.Model):
    """One row holding the end of the chain. Only the chainer locks it, for
    one short transaction per batch, so the chain never forks while writers
    never wait for it.

    ``count`` is the ``seq`` of the last chained record. ``anchor_hash`` is the
    hash the first remaining record must point to: the genesis value, or the
    last record the retention job removed.
    """

    last_hash = models.CharField(max_length=64, default=GENESIS)
    anchor_hash = models.CharField(max_length=64, default=GENESIS)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return self.last_hash


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
