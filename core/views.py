from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.i18n import set_language as django_set_language

from .models import Heartbeat
from .navigation import items_for

logger = logging.getLogger(__name__)

# The beat tick runs every 30 s; older than this means worker or beat is down.
TICK_STALE_SECONDS = 120


def home(request: HttpRequest) -> HttpResponse:
    """The home page of the user's role: the things that role uses."""
    entries = [e for e in items_for(request.user) if e["item"].url_name != "home"]
    return render(request, "core/home.html", {"entries": entries})


set_language = login_not_required(django_set_language)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # any failure is a red light, not a crash
        logger.warning("health: database check failed: %s", exc)
        return {"ok": False, "engine": connection.vendor, "error": str(exc)}


def _check_broker() -> dict:
    from hongsibu.celery import app

    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        logger.warning("health: broker check failed: %s", exc)
        return {"ok": False, "transport": transport, "error": str(exc)}


def _check_tick() -> dict:
    try:
        beat = Heartbeat.objects.filter(name="beat").first()
    except Exception as exc:
        return {"ok": False, "error": str(exc)}
    if beat is None:
        return {"ok": False, "last_tick_at": None, "age_seconds": None}
    age = (timezone.now() - beat.beat_at).total_seconds()
    return {
        "ok": age <= TICK_STALE_SECONDS,
        "last_tick_at": beat.beat_at.isoformat(),
        "age_seconds": round(age, 1),
    }


@login_not_required
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Whether the database, the broker and the periodic jobs are alive."""
    checks = {
        "database": _check_database(),
        "broker": _check_broker(),
        "periodic_tick": _check_tick(),
    }
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503
    )
