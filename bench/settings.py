"""Settings of the benchmark server: the production settings (read from the
environment the runner sets, DEBUG off) plus the floor views and, when
``BENCH_COUNT_QUERIES=1``, a middleware that reports SQL queries per request.
Nothing here is used outside ``bench/``."""

import os

from hongsibu.settings import *  # noqa: F403
from hongsibu.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_COUNT_QUERIES") == "1":
    # First, so that it also counts what the other middleware do (sessions,
    # authentication, audit).
    MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "bench.storage.BenchStaticFilesStorage"},
}
