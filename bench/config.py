"""The environment the generator and the benchmark share.

The keys below are bench-only constants (the dataset's encrypted fields must be
readable by the server the benchmark starts); they protect nothing real.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
# Redis databases of the benchmark only (cache and broker), flushed by the run.
REDIS_CACHE_DB = 9
REDIS_BROKER_DB = 10


def bench_database_url(size: str) -> str:
    return f"{DEFAULT_PG}/hongsibu_bench_{size.lower()}"


def _key(label: str) -> str:
    return base64.urlsafe_b64encode(
        hashlib.sha256(f"hongsibu-bench:{label}".encode()).digest()
    ).decode()


def bench_env(database_url: str) -> dict[str, str]:
    """Production-like settings (DEBUG off) for generator, server and probes."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "TESTING": "false",
        "SECRET_KEY": _key("secret"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": _key("fields"),
        "FIELD_HASH_KEY": _key("hash"),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": f"{REDIS}/{REDIS_CACHE_DB}",
        "CELERY_BROKER_URL": f"{REDIS}/{REDIS_BROKER_DB}",
        # The per-account API rate (6000/min by default) would answer 429 to
        # a load test; the throttle's Redis round trip is still paid.
        "API_RATE_LIMIT": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(ROOT / "var" / "bench"),
        "PYTHONPATH": str(ROOT),
    }
