"""Start-up checks run in a fresh interpreter with a given environment."""

import os
import subprocess
import sys

from django.conf import settings


def run_check(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_debug_a_missing_secret_key_stops_the_start():
    result = run_check(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_without_debug_missing_allowed_hosts_stops_the_start():
    result = run_check(DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_defaults_need_no_server():
    result = run_check(VAR_DIR=str(settings.VAR_DIR))
    assert result.returncode == 0, result.stderr


def test_environment_switches_to_postgresql_and_redis():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.CELERY_BROKER_URL);"
        "print(s.CACHES['default']['BACKEND'])"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://u@db:5432/hsb",
        "REDIS_URL": "redis://cache:6379/0",
        "CELERY_BROKER_URL": "redis://cache:6379/1",
        "DJANGO_SETTINGS_MODULE": "hongsibu.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();" + code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert out == [
        "django.db.backends.postgresql",
        "redis://cache:6379/1",
        "django.core.cache.backends.redis.RedisCache",
    ]
