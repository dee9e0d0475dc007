"""Floor views of the benchmark, mounted under ``/bench/`` by ``bench.urls``
(only in ``bench.settings``): what an operation costs with the framework
reduced to a bare view, and with the data fetched by hand-written SQL and
``json.dumps``. They pass through the same middleware as the platform's views
but skip DRF, serializers, authentication classes and the ORM. They take the
scope as a path prefix in the query string and check nothing: they are floors,
not endpoints."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    StreamingHttpResponse,
)
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from core.crypto import blind_index, decrypt, encrypt, mask_id_number, mask_phone

from . import floor_sql as q

OPEN = q.OPEN_STAGES


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=_default, ensure_ascii=False),
        content_type="application/json",
        status=status,
    )


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value))


def _path(request: HttpRequest) -> str:
    return request.GET.get("path", "") + "%"


@login_not_required
def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok":true}', content_type="application/json")


LIST_KEYS = (
    "id",
    "number",
    "title",
    "stage",
    "risk",
    "source",
    "created_at",
    "due_at",
    "overdue_at",
    "reached_level",
    "version",
)


@login_not_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    limit = int(request.GET.get("limit", 50))
    before = int(request.GET.get("before", 2**62))
    with connection.cursor() as cursor:
        cursor.execute(q.SCOPE_GRIDS, {"path": _path(request)})
        grids = [r[0] for r in cursor.fetchall()]
        cursor.execute(q.LIST, {"grids": grids, "before": before, "limit": limit + 1})
        rows = cursor.fetchall()
    results = []
    for r in rows[:limit]:
        item = dict(zip(LIST_KEYS, r[:11], strict=True))
        item["grid"] = {"id": r[11], "code": r[12], "name": r[13]}
        item["category"] = {"id": r[14], "code": r[15], "name": r[16]}
        results.append(item)
    nxt = results[-1]["id"] if len(rows) > limit else None
    return _json({"next": nxt, "previous": None, "results": results})


@login_not_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    params = {"id": pk, "path": _path(request)}
    with connection.cursor() as cursor:
        cursor.execute(q.DETAIL, params)
        row = cursor.fetchone()
        if row is None:
            return HttpResponseNotFound()
        cursor.execute(q.DETAIL_PARTIES, params)
        parties = [
            {
                "id": p[0],
                "name": p[1],
                "role": p[2],
                "phone": mask_phone(decrypt(p[3]) if p[3] else ""),
                "id_number": mask_id_number(decrypt(p[4]) if p[4] else ""),
                "address": p[5],
            }
            for p in cursor.fetchall()
        ]
        cursor.execute(q.DETAIL_EVENTS, params)
        events = [
            dict(
                zip(
                    (
                        "id",
                        "action",
                        "from_stage",
                        "to_stage",
                        "reason",
                        "data",
                        "created_at",
                        "actor",
                    ),
                    e,
                    strict=True,
                )
            )
            for e in cursor.fetchall()
        ]
    keys = [
        "id",
        "number",
        "title",
        "description",
        "stage",
        "risk",
        "source",
        "created_at",
        "occurred_at",
        "due_at",
        "overdue_at",
        "reached_level",
        "resolved_level",
        "resolved_at",
        "outcome",
        "closed_at",
        "version",
        "grid_code",
        "grid_name",
        "category_code",
        "category_name",
    ]
    data = dict(zip(keys, row, strict=True))
    data["parties"] = parties
    data["events"] = events
    return _json(data)


def dashboard_figures(path_prefix: str, child_len: int) -> dict[str, Any]:
    params = {"path": path_prefix + "%", "open": OPEN, "child_len": child_len}
    with connection.cursor() as cursor:
        cursor.execute(q.DASHBOARD_STAGES, params)
        stages = dict(cursor.fetchall())
        cursor.execute(q.DASHBOARD_CATEGORIES, params)
        categories = [
            {"category": c, "open": n, "overdue": o} for c, n, o in cursor.fetchall()
        ]
        cursor.execute(q.DASHBOARD_CHILDREN, params)
        children = [
            {"path": p, "total": t, "open": o, "overdue": od}
            for p, t, o, od in cursor.fetchall()
        ]
    return {"stages": stages, "categories": categories, "children": children}


@login_not_required
def dashboard(request: HttpRequest) -> HttpResponse:
    prefix = request.GET.get("path", "")
    return _json(dashboard_figures(prefix, len(prefix) + 4))


def summary_figures(path_prefix: str, child_len: int) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    params = {
        "path": path_prefix + "%",
        "child_len": child_len,
        "since": today.replace(day=1),
        "until": today,
    }
    with connection.cursor() as cursor:
        cursor.execute(q.SUMMARY_CHILDREN, params)
        children = cursor.fetchall()
        cursor.execute(q.SUMMARY_CATEGORIES, params)
        categories = cursor.fetchall()
        cursor.execute(q.SUMMARY_OPEN, params)
        open_now = cursor.fetchall()
    return {"children": children, "categories": categories, "open": open_now}


@login_not_required
def summary(request: HttpRequest) -> HttpResponse:
    prefix = request.GET.get("path", "")
    return _json(summary_figures(prefix, len(prefix) + 4))


@csrf_exempt
@login_not_required
def create(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body or b"{}")
    now = dt.datetime.now(dt.UTC)
    phone = body.get("phone", "+8613900000000")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(q.ALLOCATE_NUMBER, {"year": now.year})
        number = f"HSB-{now.year}-{cursor.fetchone()[0]:06d}"
        params = {
            "number": number,
            "grid": body["grid"],
            "category": body["category"],
            "title": body.get("title", ""),
            "now": now,
            "user": body.get("user"),
            "due": now + dt.timedelta(days=1),
            "warn": now + dt.timedelta(hours=18),
        }
        cursor.execute(q.INSERT_DISPUTE, params)
        pk = cursor.fetchone()[0]
        cursor.execute(
            q.INSERT_PARTY,
            {
                "dispute": pk,
                "name": body.get("party", "张三"),
                "phone": encrypt(phone),
                "phone_hash": blind_index(phone),
            },
        )
        cursor.execute(
            q.INSERT_EVENT,
            {
                "dispute": pk,
                "user": body.get("user"),
                "action": "created",
                "from": "",
                "to": "grid",
                "reason": "",
                "now": now,
            },
        )
        payload = {"id": pk, "number": number, "stage": "grid"}
        cursor.execute(
            q.INSERT_OUTBOX,
            {
                "type": "dispute.created",
                "grid": body["grid"],
                "payload": json.dumps(payload),
                "now": now,
            },
        )
    return _json({"id": pk, "number": number, "stage": "grid"}, status=201)


PREVIOUS = {
    "village_review": "grid",
    "township_coordination": "village_review",
    "district_analysis": "township_coordination",
}


@csrf_exempt
@login_not_required
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            q.ESCALATE,
            {
                "id": pk,
                "path": _path(request),
                "now": now,
                "due": now + dt.timedelta(days=4),
                "warn": now + dt.timedelta(days=3),
            },
        )
        row = cursor.fetchone()
        if row is None:
            return _json({"detail": "not possible"}, status=409)
        _id, stage, grid, number, version = row
        cursor.execute(
            q.INSERT_EVENT,
            {
                "dispute": pk,
                "user": None,
                "action": "escalate",
                "from": PREVIOUS[stage],
                "to": stage,
                "reason": "bench",
                "now": now,
            },
        )
        payload = {"id": pk, "number": number, "stage": stage, "version": version}
        cursor.execute(
            q.INSERT_OUTBOX,
            {
                "type": "dispute.stage_changed",
                "grid": grid,
                "payload": json.dumps(payload),
                "now": now,
            },
        )
    return _json({"id": pk, "stage": stage, "version": version})


EVENT_KEYS = ("id", "action", "from_stage", "to_stage", "actor", "at", "reason", "data")


@login_not_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    limit = int(request.GET.get("limit", 100_000))
    prefix = _path(request)
    keys = [
        "id",
        "number",
        "grid",
        "category",
        "risk",
        "source",
        "title",
        "description",
        "created_at",
        "stage",
        "due_at",
        "overdue_at",
        "reached_level",
        "resolved_level",
        "resolved_at",
        "resolution_method",
        "closed_at",
        "satisfied",
    ]

    def lines() -> Iterator[bytes]:
        # A server-side cursor inside a transaction: rows stream in batches;
        # each batch's events come with one more query (as the export does).
        connection.ensure_connection()
        with transaction.atomic():
            raw = connection.connection.cursor(name=f"floor_{uuid.uuid4().hex}")
            raw.itersize = 2000
            raw.execute(q.EXPORT, {"path": prefix, "limit": limit})
            while True:
                rows = raw.fetchmany(500)
                if not rows:
                    break
                events: dict[int, list[dict[str, Any]]] = {}
                with connection.cursor() as cursor:
                    cursor.execute(q.EXPORT_EVENTS, {"ids": [r[0] for r in rows]})
                    for e in cursor.fetchall():
                        events.setdefault(e[0], []).append(
                            dict(zip(EVENT_KEYS, e[1:], strict=True))
                        )
                chunk = []
                for row in rows:
                    record = dict(zip(keys, row, strict=True))
                    grid = record["grid"]
                    record["division"] = {
                        "grid": grid,
                        "village": grid[:12],
                        "township": grid[:9],
                        "district": grid[:6],
                    }
                    record["events"] = events.get(row[0], [])
                    chunk.append(
                        json.dumps(record, default=_default, ensure_ascii=False)
                    )
                yield ("\n".join(chunk) + "\n").encode()
            raw.close()

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


urlpatterns = [
    path("floor/constant/", constant),
    path("floor/disputes/", dispute_list),
    path("floor/disputes/<int:pk>/", dispute_detail),
    path("floor/disputes/<int:pk>/escalate/", escalate),
    path("floor/create/", create),
    path("floor/dashboard/", dashboard),
    path("floor/summary/", summary),
    path("floor/export/", export),
]
