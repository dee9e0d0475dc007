"""Generic audit of every write to the project's models, through model signals.

Every model of the project's own apps is covered, whatever app it lives in, so
a model added later is audited without registering it. Set-based writes
(``queryset.update()``, ``bulk_create``) send no signals: domain code uses
``audit.log.audited_update`` and ``audit.log.audited_bulk_create`` for them.

Personal data never enters the trail in clear: encrypted fields and phone
fields are stored masked, secrets not at all.
"""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from core.crypto import EncryptedTextField, mask_id_number, mask_phone

from .log import append, current_request
from .models import AuditRecord

logger = logging.getLogger(__name__)

# Not audited: written every 30 s by beat (heartbeat), bookkeeping of the trail
# itself, and bookkeeping of a request or a change that is audited in its own
# right: the Idempotency-Key of an API request (the write it guards is audited)
# and the dashboards' "recompute this grid-day" marker (written with every
# dispute event, which is audited). Each cost every API write an audit record.
EXCLUDED_MODELS = {
    "core.heartbeat",
    "audit.auditrecord",
    "audit.auditchainhead",
    "integrations.idempotencykey",
    "dashboards.dirtyday",
}
REDACTED_NAMES = ("password", "secret", "token", "digest", "salt")


@lru_cache(maxsize=1)
def audited_labels() -> frozenset[str]:
    """The app labels of the project's own apps (not Django's, not packages')."""
    base = str(settings.BASE_DIR)
    labels = set()
    for config in apps.get_app_configs():
        path = str(config.path)
        if path.startswith(base) and "site-packages" not in path:
            labels.add(config.label)
    labels.discard("audit")
    return frozenset(labels)


def is_audited(sender: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in audited_labels():
        return False
    if meta.label_lower in EXCLUDED_MODELS or getattr(sender, "audit_exclude", False):
        return False
    # Historical models of data migrations are not the registered class.
    try:
        return apps.get_model(meta.label) is sender or meta.proxy
    except LookupError:
        return False


def field_value(field: models.Field, instance: models.Model) -> Any:
    value = field.value_from_object(instance)
    name = field.name.lower()
    if value in (None, "") or name.endswith("_hash"):
        return value
    if any(part in name for part in REDACTED_NAMES):
        return "[redacted]"
    if isinstance(field, EncryptedTextField) or "phone" in name or "id_number" in name:
        text = str(value)
        if "phone" in name or "mobile" in name:
            return mask_phone(text)
        if "id_number" in name or "id_card" in name:
            return mask_id_number(text)
        return "[encrypted]"
    return value


def _kept_as_is(field: models.Field) -> bool:
    """Whether ``field_value`` returns the field's value unchanged, whatever
    the value: decided by the field alone."""
    name = field.name.lower()
    if name.endswith("_hash"):
        return True
    return not (
        any(part in name for part in REDACTED_NAMES)
        or isinstance(field, EncryptedTextField)
        or "phone" in name
        or "id_number" in name
    )


@cache
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, Any], ...]:
    # (attname, None) for a value taken as is, (attname, field) for one that
    # field_value masks: a bulk write snapshots hundreds of rows of one model.
    return tuple(
        (f.attname, None if _kept_as_is(f) else f)
        for f in model._meta.concrete_fields
        if not f.primary_key or f.name != "id"
    )


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {
        attname: getattr(instance, attname)
        if field is None
        else field_value(field, instance)
        for attname, field in _snapshot_fields(type(instance))
    }


@receiver(pre_save, dispatch_uid="audit_pre_save")
def _remember_before(sender: Any, instance: models.Model, raw: bool, **kw: Any) -> None:
    if not is_audited(sender) or instance._state.adding or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None


@receiver(post_save, dispatch_uid="audit_post_save")
def _record_save(sender: Any, instance: models.Model, created: bool, **kw: Any) -> None:
    if not is_audited(sender):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        append(
            AuditRecord.Action.CREATE,
            model=sender._meta.label_lower,
            object_pk=instance.pk,
            object_repr=str(instance),
            after=after,
        )
        return
    changed = [k for k in after if before.get(k) != after[k]]
    if not changed:
        return  # a save that changed nothing is not worth a record
    append(
        AuditRecord.Action.UPDATE,
        model=sender._meta.label_lower,
        object_pk=instance.pk,
        object_repr=str(instance),
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
    )


@receiver(post_delete, dispatch_uid="audit_post_delete")
def _record_delete(sender: Any, instance: models.Model, **kw: Any) -> None:
    if not is_audited(sender):
        return
    append(
        AuditRecord.Action.DELETE,
        model=sender._meta.label_lower,
        object_pk=instance.pk,
        object_repr=str(instance),
        before=snapshot(instance),
    )


@receiver(m2m_changed, dispatch_uid="audit_m2m_changed")
def _record_relation(
    sender: Any,
    instance: models.Model,
    action: str,
    model: Any,
    pk_set: set | None,
    **kw: Any,
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not is_audited(type(instance)):
        return
    append(
        AuditRecord.Action.RELATION,
        model=instance._meta.label_lower,
        object_pk=instance.pk,
        object_repr=str(instance),
        detail={
            "relation": sender._meta.label_lower,
            "change": action.removeprefix("post_"),
            "related_model": model._meta.label_lower,
            "related_pks": sorted(str(pk) for pk in (pk_set or ())),
        },
    )


@receiver(user_logged_in, dispatch_uid="audit_logged_in")
def _record_login(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    append(
        AuditRecord.Action.LOGIN,
        request=request,
        actor=user,
        model=user._meta.label_lower,
        object_pk=user.pk,
        object_repr=user.get_username(),
        detail={"path": getattr(request, "path", "")},
    )


@receiver(user_logged_out, dispatch_uid="audit_logged_out")
def _record_logout(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    if user is None:
        return
    append(
        AuditRecord.Action.LOGOUT,
        request=request,
        actor=user,
        model=user._meta.label_lower,
        object_pk=user.pk,
        object_repr=user.get_username(),
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _record_login_failure(
    sender: Any, credentials: dict, request: Any = None, **kw: Any
) -> None:
    # Only the username: Django already hides the password, and nothing else
    # of what was typed belongs in the trail.
    username = str(credentials.get("username", ""))[:150]
    append(
        AuditRecord.Action.LOGIN_FAILED,
        request=request or current_request.get(),
        object_repr=username,
        detail={
            "username": username,
            "path": getattr(request, "path", ""),
            "reason": kw.get("reason", ""),
        },
    )


def _record_lockout(
    sender: Any, request: Any = None, username: str = "", **kw: Any
) -> None:
    append(
        AuditRecord.Action.LOCKOUT,
        request=request or current_request.get(),
        object_repr=str(username)[:150],
        detail={"username": str(username)[:150]},
    )


def connect_axes() -> None:
    try:
        from axes.signals import user_locked_out
    except ImportError:  # axes not installed
        return
    user_locked_out.connect(_record_lockout, dispatch_uid="audit_locked_out")
