"""Writing to the audit trail.

``append`` is the only way a record is written. The helpers below are what
other apps call: ``record_export`` for every export, ``record_reveal`` for every
reveal of personal data, ``audited_update`` for set-based ``.update()``
writes and ``audited_bulk_create`` for ``bulk_create``, which model signals
cannot see.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.ipv6 import clean_ipv6_address

from . import chain
from .models import AuditRecord

logger = logging.getLogger(__name__)

# The request being served (set by audit.middleware.AuditContextMiddleware):
# signal handlers read who and from where through it.
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_current_request", default=None
)
# The actor when there is no request (management commands, Celery tasks).
current_actor: contextvars.ContextVar[str] = contextvars.ContextVar(
    "audit_current_actor", default=""
)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Attribute writes outside a request to a named system actor."""
    token = current_actor.set(name)
    try:
        yield
    finally:
        current_actor.reset(token)


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def to_json(value: Any) -> Any:
    """A JSON-native copy, so what is hashed is what the database gives back."""
    return json.loads(json.dumps(value, cls=_Encoder))


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies it
    is taken from X-Forwarded-For, counted from the right (the part a client
    cannot forge)."""
    if request is None:
        return None
    ip = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            ip = hops[-proxies]
    if not ip:
        return None
    try:
        return clean_ipv6_address(ip) if ":" in ip else ip
    except Exception:  # a malformed header must not stop the write
        return None


def _actor(request: HttpRequest | None) -> tuple[int | None, str]:
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk, user.get_username()
    return None, current_actor.get()


def append(
    action: str,
    *,
    request: HttpRequest | None = None,
    model: str = "",
    object_pk: Any = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditRecord:
    """Append one record inside the caller's transaction (a rolled-back write
    leaves no record). It is inserted without its place in the chain and
    chained after commit (``audit.chain``), so writers never wait for each
    other here."""
    request = request if request is not None else current_request.get()
    if actor is not None:
        actor_id, actor_username = actor.pk, actor.get_username()
    else:
        actor_id, actor_username = _actor(request)
    record = AuditRecord(
        action=action,
        actor_id=actor_id,
        actor_username=actor_username[:150],
        ip=client_ip(request),
        model=model,
        object_pk=str(object_pk if object_pk is not None else "")[:64],
        object_repr=str(object_repr)[:200],
        before=to_json(before),
        after=to_json(after),
        detail=to_json(detail or {}),
    )
    record.save(force_insert=True)
    chain.schedule()
    return record


def record_export(request: HttpRequest | None, what: str, count: int) -> AuditRecord:
    """Every export calls this once: which export, how many rows, with which
    filters."""
    query = dict(request.GET.lists()) if request is not None else {}
    if request is not None:
        request._export_recorded = True
    return append(
        AuditRecord.Action.EXPORT,
        request=request,
        object_repr=what,
        detail={"what": what, "count": count, "query": query},
    )


def record_reveal(
    request: HttpRequest | None, obj: models.Model, field: str, reason: str
) -> AuditRecord:
    """A clear value of personal data was shown to the requester, for a stated
    reason."""
    return append(
        AuditRecord.Action.REVEAL,
        request=request,
        model=obj._meta.label_lower,
        object_pk=obj.pk,
        object_repr=str(obj),
        detail={"field": field, "reason": reason},
    )


def audited_update(queryset: models.QuerySet, **values: Any) -> int:
    """``queryset.update(**values)`` with one audit record naming every row it
    changed and their values before. Use it wherever domain code writes with
    ``.update()``; the queryset's conditions (a version check, "not yet
    marked") still apply, so the count means what it meant."""
    # No savepoint: an error here ends the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        fields = [_attname(queryset.model, name) for name in values]
        rows = list(queryset.select_for_update().values("pk", *fields))
        if not rows:
            return 0
        pks = [row.pop("pk") for row in rows]
        count = queryset.filter(pk__in=pks).update(**values)
        if count:
            _record_bulk_update(queryset.model, pks, rows, values, count)
    return count


def _record_bulk_update(
    model: type[models.Model],
    pks: list[Any],
    rows: list[dict[str, Any]],
    values: dict[str, Any],
    count: int,
) -> None:
    """The record of a set-based update: each row's values before under its
    key, the values written, the keys."""
    append(
        AuditRecord.Action.BULK_UPDATE,
        model=model._meta.label_lower,
        object_pk=str(pks[0]) if len(pks) == 1 else "",
        object_repr=f"{count} rows",
        before={str(pk): row for pk, row in zip(pks, rows, strict=True)},
        after={k: _describe(v) for k, v in values.items()},
        detail={"pks": [str(pk) for pk in pks]},
    )


def audited_bulk_create(
    model: type[models.Model], objs: Iterable[models.Model], **kwargs: Any
) -> list[models.Model]:
    """``bulk_create`` with the audit record a save would have written:
    ``bulk_create`` sends no ``post_save``, so the signal handlers never see
    these rows. One row gets exactly the record of a save; several get one
    ``create`` record naming every row, with each row's values under its key
    (the shape of ``audited_update``'s records). Rows must come back with
    their keys (PostgreSQL, SQLite 3.35+), so no ``ignore_conflicts``."""
    from .signals import is_audited, snapshot

    objs = list(objs)
    if not objs:
        return objs
    with transaction.atomic():
        created = model._default_manager.bulk_create(objs, **kwargs)
        if is_audited(model):
            label = model._meta.label_lower
            if len(created) == 1:
                obj = created[0]
                append(
                    AuditRecord.Action.CREATE,
                    model=label,
                    object_pk=obj.pk,
                    object_repr=str(obj),
                    after=snapshot(obj),
                )
            else:
                pks = [str(obj.pk) for obj in created]
                append(
                    AuditRecord.Action.CREATE,
                    model=label,
                    object_repr=f"{len(created)} rows",
                    after={
                        pk: snapshot(obj) for pk, obj in zip(pks, created, strict=True)
                    },
                    detail={"pks": pks},
                )
    return created


def audited_update_row(
    queryset: models.QuerySet, row: models.Model, **values: Any
) -> int:
    """``audited_update`` of one row the caller has already locked (select for
    update) and read in this transaction: its values before are taken from
    ``row`` instead of being read again. ``queryset`` carries any condition
    that must still hold (a version check); the record is the one
    ``audited_update`` would write."""
    with transaction.atomic(savepoint=False):
        count = queryset.filter(pk=row.pk).update(**values)
        if count:
            fields = [_attname(queryset.model, name) for name in values]
            before = {f: getattr(row, f) for f in fields}
            _record_bulk_update(queryset.model, [row.pk], [before], values, count)
    return count


def _attname(model: type[models.Model], name: str) -> str:
    try:
        return model._meta.get_field(name).attname
    except Exception:
        return name


def _describe(value: Any) -> Any:
    # F() and other expressions are recorded by their text, rows by their key.
    if hasattr(value, "resolve_expression"):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value
