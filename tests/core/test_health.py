import datetime as dt

import time_machine
from django.utils import timezone

from core.models import Heartbeat
from core.tasks import heartbeat_task


def test_health_is_degraded_before_any_tick(client, db):
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["ok"] is True
    assert body["periodic_tick"]["ok"] is False


def test_health_is_ok_after_a_tick_and_degraded_when_it_gets_old(client, db):
    heartbeat_task.delay()
    body = client.get("/health/").json()
    assert body["status"] == "ok", body
    assert body["broker"]["ok"] is True
    assert body["periodic_tick"]["age_seconds"] < 5

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["periodic_tick"]["ok"] is False


def test_health_needs_no_login(client, db):
    Heartbeat.touch("beat")
    assert client.get("/health/").status_code == 200
