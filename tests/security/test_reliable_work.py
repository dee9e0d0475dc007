"""Background work: a worker killed in the middle of a task loses nothing, and
domain code enqueues tasks only after its transaction commits."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from core.models import Heartbeat
from tests.core.test_worker import database_url, wait_for

BASE_DIR = Path(settings.BASE_DIR)


def redis_broker() -> str | None:
    """A Redis database of its own, so the short visibility timeout of this
    test's workers cannot touch other workers' tasks."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return None
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/15"


def start_worker(tmp_path: Path, broker: str, queue: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "4",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hongsibu",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
            "-Q",
            queue,
        ],
        cwd=BASE_DIR,
        env=env,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_is_finished_by_the_next_one(tmp_path, monkeypatch):
    broker = redis_broker()
    if broker is None:
        pytest.skip(
            "needs Redis: kombu's filesystem transport (the no-server demo) "
            "removes a message when it is fetched, so it cannot redeliver"
        )
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    # Celery lets the environment's broker URL win over the one given.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    # Not the current app: later tests in this process must keep ours.
    publisher = Celery("publisher", broker=broker, set_as_current=False)
    key = uuid.uuid4().hex
    first = start_worker(tmp_path, broker, queue)
    second = None
    try:
        publisher.send_task(
            "core.tasks.ping_task", args=[key], kwargs={"hold_seconds": 6}, queue=queue
        )
        assert wait_for(
            lambda: Heartbeat.objects.filter(name=f"started:{key}").exists(), 60
        ), "the first worker did not start the task"
        os.kill(first.pid, signal.SIGKILL)  # in the middle of the task
        first.wait(timeout=20)
        assert not Heartbeat.objects.filter(name=f"ping:{key}").exists()
        Heartbeat.objects.filter(name=f"started:{key}").delete()

        second = start_worker(tmp_path, broker, queue)
        assert wait_for(
            lambda: Heartbeat.objects.filter(name=f"ping:{key}").exists(), 90
        ), "the task of the killed worker was lost"
        assert Heartbeat.objects.filter(name=f"started:{key}").exists()
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        publisher.close()


# --- enqueue only after commit ---------------------------------------------------------

PROJECT_APPS = (
    "core",
    "grids",
    "policing",
    "disputes",
    "dashboards",
    "integrations",
    "audit",
)


def _enqueue_calls_outside_on_commit(path: Path) -> list[str]:
    """``x.delay(...)`` / ``x.apply_async(...)`` calls neither inside a
    ``transaction.on_commit(...)`` call nor in a function of the module that is
    handed to on_commit (``on_commit(partial(_enqueue, pk))``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    callbacks = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "on_commit"
        ):
            for arg in node.args:
                callbacks |= {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
    bad = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"delay", "apply_async"}
        ):
            continue
        inside = False
        cur: ast.AST | None = node
        while cur in parents:
            cur = parents[cur]
            if (
                isinstance(cur, ast.Call)
                and isinstance(cur.func, ast.Attribute)
                and cur.func.attr == "on_commit"
            ) or (
                isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef)
                and cur.name in callbacks
            ):
                inside = True
                break
        if not inside:
            bad.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")
    return bad


def test_domain_code_enqueues_tasks_only_on_commit():
    """Tasks started inside a transaction could run before (or without) the
    data they need: every enqueue in domain code goes through on_commit.
    Tasks enqueuing further tasks (outside any request transaction) and beat
    are exempt: they live in tasks.py."""
    offenders = []
    # The admin's replay action runs outside any transaction (changelist
    # actions are not atomic) after its rows are written.
    allowed = {"integrations/admin.py"}
    for app in PROJECT_APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if path.name == "tasks.py" or "migrations" in path.parts:
                continue
            if str(path.relative_to(BASE_DIR)) in allowed:
                continue
            offenders += _enqueue_calls_outside_on_commit(path)
    assert not offenders, "enqueued outside transaction.on_commit: " + ", ".join(
        offenders
    )


def test_the_enqueue_check_sees_a_bare_delay(tmp_path):
    sample = BASE_DIR / "var" / f"sample_{uuid.uuid4().hex}.py"
    sample.write_text(
        "from django.db import transaction\n"
        "def ok(t):\n    transaction.on_commit(lambda: t.delay(1))\n"
        "def bad(t):\n    t.delay(2)\n"
        "def _later(pk):\n    t.delay(pk)\n"
        "def ok2():\n    transaction.on_commit(partial(_later, 1))\n",
        encoding="utf-8",
    )
    try:
        found = _enqueue_calls_outside_on_commit(sample)
    finally:
        sample.unlink()
    assert [f.rsplit(":", 1)[1] for f in found] == ["5"]


def test_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
