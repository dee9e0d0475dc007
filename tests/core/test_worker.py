"""A real Celery worker (with embedded beat) against the configured broker:
Redis in CI, the filesystem transport by default."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.models import Heartbeat
from core.tasks import ping_task
from hongsibu.celery import app

BASE_DIR = Path(settings.BASE_DIR)


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def worker(transactional_db, tmp_path):  # type: ignore[no-untyped-def]
    """Starts `celery worker -B` on the test database; yields the process."""
    env = {**os.environ, "DATABASE_URL": database_url(), "VAR_DIR": str(tmp_path)}
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("filesystem://"):
        broker_dir = tmp_path / "broker"
        env["BROKER_DIR"] = str(broker_dir)
        for sub in ("queue", "processed"):
            (broker_dir / sub).mkdir(parents=True)
        app.conf.broker_transport_options = {
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "processed_folder": str(broker_dir / "processed"),
        }
    else:
        # A queue of its own so no other worker on this broker takes the task.
        queue = f"test-{uuid.uuid4().hex[:8]}"
        env["CELERY_TASK_DEFAULT_QUEUE"] = queue
        app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hongsibu",
            "worker",
            "-B",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-s",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        app.conf.task_default_queue = "celery"
        app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS


@pytest.mark.worker
def test_a_real_worker_runs_a_task_and_beat_ticks(worker):
    key = uuid.uuid4().hex
    # An explicit connection: the producer pool may hold one made before the
    # fixture pointed the app at the worker's broker folder or queue.
    with app.connection_for_write() as conn:
        ping_task.apply_async(
            (key,), connection=conn, queue=app.conf.task_default_queue
        )
    assert wait_for(
        lambda: Heartbeat.objects.filter(name=f"ping:{key}").exists(), 150
    ), "the worker did not run the task"
    # The beat schedule's heartbeat runs every 30 s.
    assert wait_for(lambda: Heartbeat.objects.filter(name="beat").exists(), 150), (
        "beat did not tick"
    )
    assert worker.poll() is None
