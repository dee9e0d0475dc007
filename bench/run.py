"""The benchmark suite: ``make bench DATASET=S`` (or ``python bench/run.py``).

1. Generates the dataset into ``hongsibu_bench_<size>`` when it is missing
   (``bench/generate.py``, which also migrates).
2. Starts gunicorn on 127.0.0.1 with production settings (DEBUG off, Redis
   cache and broker, keys set) through ``bench.settings``: the platform's URLs
   plus the floor views, and ``X-Query-Count`` on every response.
3. For each operation and each concurrency (1, 8, 32) sends a fixed number of
   requests over keep-alive connections from a small threaded client
   (``http.client``) after a warm-up, and records requests/s, p50, p99 and SQL
   queries per request. The same is done, in the same run, for the floors: a
   bare view returning a constant, and the same data by hand-written SQL and
   ``json.dumps``; the SQL alone is timed inside PostgreSQL with
   ``EXPLAIN (ANALYZE, BUFFERS)``.
4. Times the overdue sweep in-process against the single UPDATE that marks the
   same rows, and reads the server's memory (RSS) after the run.
5. Prints the table and writes ``var/bench/results_<size>.json`` and ``.md``.

Operations whose endpoint does not exist (yet) are reported "not available".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import itertools
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.config import (  # noqa: E402
    REDIS,
    REDIS_BROKER_DB,
    REDIS_CACHE_DB,
    bench_database_url,
    bench_env,
)

OUT = ROOT / "var" / "bench"
CONCURRENCY = (1, 8, 32)
# Requests per operation and concurrency: (reads, writes, heavy).
REQUESTS = {
    "T": (60, 30, 10),
    "S": (300, 120, 60),
    "M": (300, 120, 30),
    "L": (300, 120, 20),
}
# No operation runs longer than this per concurrency, and the load phase as a
# whole stays within a budget (so that S finishes in minutes even on a busy
# machine); fewer requests are then reported (the n column).
TIME_CAP_S = 20.0
LOAD_BUDGET_S = {"T": 120.0, "S": 330.0, "M": 900.0, "L": 1500.0}

Request = tuple[str, str, bytes | None, dict[str, str]]


# --- the load client ---------------------------------------------------------------


@dataclass
class Sample:
    latency: float
    status: int
    queries: int | None
    size: int


@dataclass
class Result:
    op: str
    concurrency: int
    n: int
    seconds: float
    samples: list[Sample]
    client_cpu_s: float
    server_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        lat = sorted(s.latency for s in self.samples)
        if not lat:
            return float("nan")
        k = max(0, min(len(lat) - 1, int(round(p / 100 * len(lat) + 0.5)) - 1))
        return lat[k] * 1000

    @property
    def queries(self) -> float | None:
        qs = [s.queries for s in self.samples if s.queries is not None]
        return statistics.mean(qs) if qs else None

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.status >= 400)

    @property
    def statuses(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for s in self.samples:
            out[s.status] = out.get(s.status, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "concurrency": self.concurrency,
            "n": self.n,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.pct(50), 2),
            "p99_ms": round(self.pct(99), 2),
            "queries": None if self.queries is None else round(self.queries, 1),
            "statuses": self.statuses,
            "bytes_per_response": int(statistics.mean(s.size for s in self.samples))
            if self.samples
            else 0,
            "server_cpu_ms_per_request": round(self.server_cpu_s / self.n * 1000, 2)
            if self.n
            else None,
            "client_cpu_us_per_request": round(self.client_cpu_s / self.n * 1e6, 1)
            if self.n
            else None,
        }


def _connect(port: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def drive(
    port: int,
    op: str,
    make: Callable[[int], Request | list[Request]],
    n: int,
    concurrency: int,
    time_cap: float = TIME_CAP_S,
) -> Result:
    """Send ``n`` requests from ``concurrency`` threads, each on its own
    keep-alive connection; stop early after ``time_cap`` seconds."""
    counter = itertools.count()
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + time_cap

    def worker() -> None:
        conn = _connect(port)
        mine: list[Sample] = []
        while time.perf_counter() < deadline:
            i = next(counter)
            if i >= n:
                break
            planned = make(i)
            steps = planned if isinstance(planned, list) else [planned]
            total, status, queries, size = 0.0, 0, None, 0
            for method, path, body, headers in steps:
                for attempt in range(2):
                    try:
                        t0 = time.perf_counter()
                        conn.request(method, path, body=body, headers=headers)
                        resp = conn.getresponse()
                        data = resp.read()
                        t1 = time.perf_counter()
                        break
                    except (http.client.HTTPException, OSError):
                        # The server closed an idle keep-alive connection.
                        conn.close()
                        conn = _connect(port)
                        if attempt:
                            raise
                total += t1 - t0
                status = max(status, resp.status)
                q = resp.getheader("X-Query-Count")
                if q:
                    queries = (queries or 0) + int(q)
                size += len(data)
                if resp.will_close:
                    conn.close()
                    conn = _connect(port)
            mine.append(Sample(total, status, queries, size))
        conn.close()
        with lock:
            samples.extend(mine)

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    return Result(
        op, concurrency, len(samples), seconds, samples, time.process_time() - cpu0
    )


# --- the server ------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict[str, str], workers: int, threads: int) -> None:
        self.env = {**os.environ, **env, "BENCH_COUNT_QUERIES": "1"}
        self.workers = workers
        self.threads = threads
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        cmd = [
            str(gunicorn),
            "hongsibu.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--keep-alive",
            "30",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ]
        self.log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
        )
        for _ in range(300):
            try:
                conn = _connect(self.port)
                conn.request("GET", "/bench/floor/constant/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start; see {OUT / 'gunicorn.log'}")

    def pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = Path(
                f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
            ).read_text()
        except OSError:
            children = ""
        return [self.proc.pid, *map(int, children.split())]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the workers have used so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids()[1:]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / tick

    def rss_mb(self) -> dict[str, float]:
        out = {}
        for i, pid in enumerate(self.pids()):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    kb = int(line.split()[1])
                    out["master" if i == 0 else f"worker {i}"] = round(kb / 1024, 1)
        return out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "log", None):
            self.log.close()


# --- the fixture: accounts, tokens, sessions and the cases to act on ------------------


@dataclass
class Fixture:
    township: Any
    root: Any
    grid: Any
    category_id: int
    category_code: str
    token_township: str
    token_root: str
    token_grid: str
    session_township: str
    session_root: str
    list_ids: list[int] = field(default_factory=list)
    export_area: Any = None
    export_rows: int = 0


def _user(username: str, role: str, area: Any, superuser: bool = False) -> Any:
    from core.models import User

    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "area": area,
            "is_active": True,
            "is_staff": superuser,
            "is_superuser": superuser,
            "full_name": username,
        },
    )
    return user


def _token(user: Any) -> str:
    from knox.models import AuthToken

    _instance, token = AuthToken.objects.create(user, expiry=dt.timedelta(days=1))
    return token


def _session(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(6 * 3600)
    store.create()
    return store.session_key


def prepare() -> Fixture:
    from django.db.models import Count

    from disputes.models import Dispute, DisputeCategory
    from grids.models import Area

    root = Area.objects.filter(depth=1).order_by("id").first()
    # The busiest township and, in it, the busiest grid: the worst case of a
    # township's list, and where a grid worker records new cases.
    townships = list(Area.objects.filter(level="township").order_by("path"))
    counts = dict(
        Dispute.objects.values_list("grid__path").annotate(n=Count("id"))
    )  # by grid path
    # Cases under every area: each grid's count added to each of its ancestors.
    steplen = Area.steplen
    under: dict[str, int] = {}
    for p, n in counts.items():
        for end in range(steplen, len(p) + 1, steplen):
            under[p[:end]] = under.get(p[:end], 0) + n
    township = max(townships, key=lambda t: under.get(t.path, 0))
    grid_path = max(
        (p for p in counts if p.startswith(township.path)), key=counts.__getitem__
    )
    grid = Area.objects.get(path=grid_path)
    # The export's area: the largest subtree with at most 100,000 cases.
    export_path = max(
        (p for p, n in under.items() if n <= 100_000), key=under.__getitem__
    )
    export_area = Area.objects.get(path=export_path)
    export_rows = under[export_path]
    u_township = _user("bench-township", "township_staff", township)
    u_root = _user("bench-root", "admin", root)
    u_grid = _user("bench-grid", "grid_worker", grid)
    category = DisputeCategory.objects.order_by("sort_order", "id").first()
    return Fixture(
        township=township,
        root=root,
        grid=grid,
        category_id=category.pk,
        category_code=category.code,
        token_township=_token(u_township),
        token_root=_token(u_root),
        token_grid=_token(u_grid),
        session_township=_session(u_township),
        session_root=_session(u_root),
        export_area=export_area,
        export_rows=export_rows,
        # Until the list API exists (it then supplies them): the township's
        # newest cases, 40 pages' worth.
        list_ids=list(
            Dispute.objects.filter(grid__path__startswith=township.path)
            .order_by("-id")
            .values_list("id", flat=True)[:2000]
        ),
    )


def escalatable(limit: int, exclude: set[int]) -> list[int]:
    from disputes.models import Dispute

    ids = Dispute.objects.filter(
        stage__in=["grid", "village_review", "township_coordination"]
    ).order_by("-id")
    return [
        i
        for i in ids.values_list("id", flat=True)[: limit + len(exclude)]
        if i not in exclude
    ][:limit]


SNAPSHOT_COLUMNS = (
    "stage, stage_entered_at, due_at, early_warning_at, warned_at, "
    "warning_handled_at, overdue_at, overdue_handled_at, ever_overdue, "
    "handler_id, reached_level, version"
)


def high_water() -> dict[str, int]:
    """The last id of every table the operations append to."""
    from django.db import connection

    out = {}
    with connection.cursor() as c:
        for table in APPENDED:
            c.execute("SELECT to_regclass(%s)", [table])
            if c.fetchone()[0] is None:
                continue
            c.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
            out[table] = c.fetchone()[0]
    return out


# Children first: what the create and escalate requests append (not the audit
# trail, whose hash chain must stay whole).
APPENDED = (
    "disputes_party",
    "disputes_disputeevent",
    "disputes_attachment",
    "disputes_whistlesummons",
    "disputes_whistle",
    "disputes_notification",
    "integrations_outboxevent",
    "disputes_dispute",
)


def remove_appended(marks: dict[str, int]) -> None:
    """Delete what the run appended, so that every run sees the same data."""
    from django.db import DatabaseError, connection

    with connection.cursor() as c:
        for table, last in marks.items():
            # An append-only trigger may refuse; those rows then stay.
            with contextlib.suppress(DatabaseError):
                c.execute(f'DELETE FROM "{table}" WHERE id > %s', [last])


def snapshot(ids: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_snapshot")
        c.execute(
            f"CREATE TABLE bench_snapshot AS SELECT id, {SNAPSHOT_COLUMNS} "
            "FROM disputes_dispute WHERE id = ANY(%s)",
            [ids],
        )


def restore() -> None:
    """Put back the snapshotted cases (escalations and the sweep change
    stages; the next run must find the same data)."""
    from django.db import connection

    cols = [c.strip() for c in SNAPSHOT_COLUMNS.split(",")]
    sets = ", ".join(f"{c} = s.{c}" for c in cols)
    with connection.cursor() as c:
        c.execute("SELECT to_regclass('bench_snapshot')")
        if c.fetchone()[0] is None:
            return
        c.execute(
            f"UPDATE disputes_dispute d SET {sets} FROM bench_snapshot s "
            "WHERE d.id = s.id"
        )
        c.execute("DROP TABLE bench_snapshot")


# --- operations ---------------------------------------------------------------------


@dataclass
class Op:
    name: str
    probe: str  # a path that must resolve for the operation to exist
    make: Callable[[int], Request | list[Request]] | None
    kind: str  # read, write, heavy
    floor: str | None = None  # the name of its SQL floor
    note: str = ""
    concurrency: tuple[int, ...] = CONCURRENCY


def summary_tables() -> bool:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT to_regclass('dashboards_disputedailystat')")
        return c.fetchone()[0] is not None


def available(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def api(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Accept": "application/json"}


def page(session: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={session}", "Accept": "text/html"}


def get(path: str, headers: dict[str, str]) -> Callable[[int], Request]:
    return lambda i: ("GET", path, None, headers)


def deep_page(
    port: int, first: str, headers: dict[str, str], pages: int
) -> tuple[str, list[int]]:
    """Follow ``next`` links ``pages`` deep; returns the deepest URL reached
    and the ids seen on the way (cases to open one by one)."""
    url, ids = first, []
    conn = _connect(port)
    for _ in range(pages):
        conn.request("GET", url, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            break
        data = json.loads(body)
        ids += [r["id"] for r in data.get("results", []) if "id" in r]
        nxt = data.get("next")
        if not nxt:
            break
        url = nxt.split("://", 1)[-1]
        url = url[url.index("/") :]
    conn.close()
    return url, ids


def create_payload(fx: Fixture, i: int) -> dict[str, Any]:
    """A new case as the disputes API takes it (see disputes/serializers.py)."""
    return {
        "grid": fx.grid.code,
        "category": fx.category_code,
        "title": f"压测纠纷 {i}",
        "description": "benchmark",
        "risk": "blue",
        "source": "grid_visit",
        "parties": [
            {
                "name": "张三",
                "role": "applicant",
                "phone": f"139{i % 100000000:08d}",
            }
        ],
    }


def operations(fx: Fixture, port: int, writes: int) -> tuple[list[Op], dict[str, Op]]:
    t_code, r_code = fx.township.code, fx.root.code
    tp, rp = fx.township.path, fx.root.path
    ops: list[Op] = []
    floors: dict[str, Op] = {}

    # The township account sees its township: its scope is the filter.
    list_url = "/api/v1/disputes/"
    headers_t = api(fx.token_township)
    deep_url, deep_before, ids = list_url, 2**62, []
    if available(list_url):
        deep_url, ids = deep_page(port, list_url, headers_t, pages=40)
        fx.list_ids = ids or fx.list_ids
        if ids:
            deep_before = ids[-1] if deep_url != list_url else 2**62
    ops.append(
        Op(
            "dispute list, first page (township)",
            list_url,
            get(list_url, headers_t),
            "read",
            "list",
        )
    )
    ops.append(
        Op(
            "dispute list, deep page (township)",
            deep_url,
            get(deep_url, headers_t),
            "read",
            "list deep",
            note=f"{len(ids) // 50 if ids else 0} pages deep",
        )
    )
    ids = ids or fx.list_ids
    if deep_url == list_url and ids:
        deep_before = ids[-1]
    detail_ids = ids or [0]
    ops.append(
        Op(
            "one dispute with parties, then its events (2 requests)",
            "/api/v1/disputes/1/",
            lambda i: [
                (
                    "GET",
                    f"/api/v1/disputes/{detail_ids[i % len(detail_ids)]}/",
                    None,
                    headers_t,
                ),
                (
                    "GET",
                    f"/api/v1/disputes/{detail_ids[i % len(detail_ids)]}/events/",
                    None,
                    headers_t,
                ),
            ],
            "read",
            "detail",
        )
    )
    headers_g = {**api(fx.token_grid), "Content-Type": "application/json"}
    ops.append(
        Op(
            "create a dispute (Idempotency-Key)",
            "/api/v1/disputes/",
            lambda i: (
                "POST",
                "/api/v1/disputes/",
                json.dumps(create_payload(fx, i)).encode(),
                {**headers_g, "Idempotency-Key": uuid.uuid4().hex},
            ),
            "write",
            "create",
        )
    )
    # One case per request (warm-up included): an escalation moves it on.
    need = writes * len(CONCURRENCY) + 40
    pool = escalatable(need, set())
    floor_pool = escalatable(need, set(pool))
    fx.escalate_pool = pool  # type: ignore[attr-defined]
    fx.floor_pool = floor_pool  # type: ignore[attr-defined]
    headers_r = {**api(fx.token_root), "Content-Type": "application/json"}
    esc_counter = itertools.count()
    ops.append(
        Op(
            "escalate (action)",
            "/api/v1/disputes/1/escalate/",
            lambda i: (
                "POST",
                f"/api/v1/disputes/{pool[next(esc_counter) % len(pool)]}/escalate/",
                json.dumps({"reason": "压测升级"}).encode(),
                {**headers_r, "Idempotency-Key": uuid.uuid4().hex},
            ),
            "write",
            "escalate",
        )
    )
    ops.append(
        Op(
            "township dashboard (page)",
            f"/dashboards/{t_code}/",
            get(f"/dashboards/{t_code}/", page(fx.session_township)),
            "read",
            "dashboard township",
        )
    )
    ops.append(
        Op(
            "top-level dashboard (page)",
            f"/dashboards/{r_code}/",
            get(f"/dashboards/{r_code}/", page(fx.session_root)),
            "heavy",
            "dashboard root",
        )
    )
    ops.append(
        Op(
            "stats API (township)",
            "/api/v1/stats/",
            get(f"/api/v1/stats/?area={t_code}", headers_t),
            "read",
            "dashboard township",
        )
    )
    ops.append(
        Op(
            "stats API (top level)",
            "/api/v1/stats/",
            get(f"/api/v1/stats/?area={r_code}", api(fx.token_root)),
            "heavy",
            "dashboard root",
        )
    )
    export_url = f"/api/v1/exports/disputes/?format=ndjson&within={fx.export_area.code}"
    ops.append(
        Op(
            f"export NDJSON ({fx.export_rows:,} cases)",
            export_url,
            get(export_url, api(fx.token_root)),
            "export",
            "export",
            concurrency=(1,),
        )
    )

    # The floors.
    floors["constant"] = Op(
        "floor: bare view (constant)",
        "/bench/floor/constant/",
        get("/bench/floor/constant/", headers_t),
        "read",
    )
    floors["list"] = Op(
        "floor: SQL list",
        "/bench/floor/disputes/",
        get(f"/bench/floor/disputes/?path={tp}", {}),
        "read",
    )
    floors["list deep"] = Op(
        "floor: SQL list deep",
        "/bench/floor/disputes/",
        get(f"/bench/floor/disputes/?path={tp}&before={deep_before}", {}),
        "read",
    )
    floors["detail"] = Op(
        "floor: SQL detail",
        "/bench/floor/disputes/1/",
        lambda i: (
            "GET",
            f"/bench/floor/disputes/{detail_ids[i % len(detail_ids)]}/?path={tp}",
            None,
            {},
        ),
        "read",
    )
    floors["create"] = Op(
        "floor: SQL create",
        "/bench/floor/create/",
        lambda i: (
            "POST",
            "/bench/floor/create/",
            json.dumps(
                {"grid": fx.grid.pk, "category": fx.category_id, "title": f"floor {i}"}
            ).encode(),
            {"Content-Type": "application/json"},
        ),
        "write",
    )
    fcounter = itertools.count()
    floors["escalate"] = Op(
        "floor: SQL escalate",
        "/bench/floor/disputes/1/escalate/",
        lambda i: (
            "POST",
            f"/bench/floor/disputes/{floor_pool[next(fcounter) % len(floor_pool)]}/escalate/?path={rp}",
            b"",
            {},
        ),
        "write",
    )
    # The dashboards read summary tables: their floor is the same figures by
    # hand from those tables. The figures computed from the cases themselves
    # are timed once (c=1) for reference: what the summary tables save.
    summary = summary_tables()
    for key, path, kind in (
        ("dashboard township", tp, "read"),
        ("dashboard root", rp, "heavy"),
    ):
        label = "township" if key.endswith("township") else "top-level"
        if summary:
            floors[key] = Op(
                f"floor: SQL {label} figures (summary tables)",
                "/bench/floor/summary/",
                get(f"/bench/floor/summary/?path={path}", {}),
                kind,
            )
        floors[f"{key} (from the cases)"] = Op(
            f"floor: SQL {label} figures from the cases",
            "/bench/floor/dashboard/",
            get(f"/bench/floor/dashboard/?path={path}", {}),
            "heavy",
            concurrency=(1,),
        )
        if not summary:
            floors[key] = floors.pop(f"{key} (from the cases)")
    floors["export"] = Op(
        "floor: SQL export",
        "/bench/floor/export/",
        get(f"/bench/floor/export/?path={fx.export_area.path}&limit=100000", {}),
        "export",
        concurrency=(1,),
    )
    return ops, floors


# --- SQL alone, inside PostgreSQL --------------------------------------------------


def explain_ms(
    sql: str, params: dict[str, Any], repeat: int = 5, rollback: bool = False
) -> tuple[float, str]:
    """Median planning + execution time of ``sql`` as PostgreSQL reports it,
    and the plan of the last run (text)."""
    from django.db import connection, transaction

    times = []
    for _ in range(repeat):
        with transaction.atomic(), connection.cursor() as c:
            c.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            data = c.fetchone()[0]
            if isinstance(data, str):
                data = json.loads(data)
            top = data[0]
            times.append(top.get("Planning Time", 0) + top["Execution Time"])
            if rollback:
                transaction.set_rollback(True)
    with transaction.atomic(), connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in c.fetchall())
        if rollback:
            transaction.set_rollback(True)
    return statistics.median(times), plan


def sql_alone(fx: Fixture) -> dict[str, dict[str, Any]]:
    from django.utils import timezone

    from bench import floor_sql as q

    tp, rp = fx.township.path + "%", fx.root.path + "%"
    out: dict[str, dict[str, Any]] = {}
    ms0, plan0 = explain_ms(q.SCOPE_GRIDS, {"path": tp})
    grids = list(
        fx.township.__class__.objects.filter(
            path__startswith=fx.township.path, level="grid"
        ).values_list("id", flat=True)
    )
    before = fx.list_ids[-1] if fx.list_ids else 2**62
    for name, bound in (("list", 2**62), ("list deep", before)):
        ms, plan = explain_ms(q.LIST, {"grids": grids, "before": bound, "limit": 51})
        out[name] = {"ms": ms0 + ms, "plan": plan0 + "\n\n" + plan}
        ms, plan = explain_ms(q.LIST_JOIN, {"path": tp, "before": bound, "limit": 51})
        out[f"{name} (join form)"] = {"ms": ms, "plan": plan}
    if fx.list_ids:
        pk = fx.list_ids[0]
        total = 0.0
        plans = []
        for sql in (q.DETAIL, q.DETAIL_PARTIES, q.DETAIL_EVENTS):
            ms, plan = explain_ms(sql, {"id": pk, "path": tp})
            total += ms
            plans.append(plan)
        out["detail"] = {"ms": total, "plan": "\n\n".join(plans)}
    summary = summary_tables()
    today = timezone.localdate()
    for name, path in (("dashboard township", tp), ("dashboard root", rp)):
        params = {
            "path": path,
            "open": q.OPEN_STAGES,
            "child_len": len(path) - 1 + 4,
            "since": today.replace(day=1),
            "until": today,
        }
        variants = [
            (
                f"{name} (from the cases)" if summary else name,
                (q.DASHBOARD_STAGES, q.DASHBOARD_CATEGORIES, q.DASHBOARD_CHILDREN),
            )
        ]
        if summary:
            variants.append(
                (name, (q.SUMMARY_CHILDREN, q.SUMMARY_CATEGORIES, q.SUMMARY_OPEN))
            )
        for key, statements in variants:
            total, plans = 0.0, []
            for sql in statements:
                ms, plan = explain_ms(sql, params, repeat=3)
                total += ms
                plans.append(plan)
            out[key] = {"ms": total, "plan": "\n\n".join(plans)}
    ms, plan = explain_ms(
        q.EXPORT, {"path": fx.export_area.path + "%", "limit": 100_000}, repeat=1
    )
    out["export"] = {"ms": ms, "plan": plan}
    now = timezone.now()
    pool = getattr(fx, "floor_pool", [])
    if pool:
        ms, plan = explain_ms(
            q.ESCALATE,
            {"id": pool[-1], "path": rp, "now": now, "due": now, "warn": now},
            rollback=True,
        )
        out["escalate"] = {"ms": ms, "plan": plan, "note": "the UPDATE only"}
    ms, plan = explain_ms(
        q.INSERT_DISPUTE,
        {
            "number": f"BENCH-{uuid.uuid4().hex[:12]}",
            "grid": fx.grid.pk,
            "category": fx.category_id,
            "title": "x",
            "now": now,
            "user": None,
            "due": now,
            "warn": now,
        },
        rollback=True,
    )
    out["create"] = {"ms": ms, "plan": plan, "note": "the case INSERT only"}
    out["commit"] = {"ms": commit_ms(), "note": "one-row INSERT + COMMIT, loopback"}
    return out


# Tables whose statements are the operation's own work (not sessions, tokens,
# throttles or the audit trail).
DATA_TABLES = ("disputes_", "dashboards_", "grids_area")


def orm_statements(path: str, user: Any) -> list[str]:
    """The SELECTs the platform's ORM runs on the data tables for one GET of
    ``path`` in-process, as PostgreSQL receives them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    client.get(path, HTTP_HOST="127.0.0.1")  # warm: scope ids, caches
    client.force_authenticate(user.__class__.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and any(t in q["sql"] for t in DATA_TABLES)
        and "knox_" not in q["sql"]
    ]


def orm_alone(fx: Fixture, alone: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each hot path's ORM statements timed inside PostgreSQL against the
    hand-written SQL of the same figures (the target: within 2×, the same
    plan)."""
    from core.models import User

    township = User.objects.get(username="bench-township")
    root = User.objects.get(username="bench-root")
    paths = {
        "list": ("/api/v1/disputes/", township),
        "dashboard township": (f"/api/v1/stats/?area={fx.township.code}", township),
        "dashboard root": (f"/api/v1/stats/?area={fx.root.code}", root),
    }
    if fx.list_ids:
        pk = fx.list_ids[0]
        paths["detail"] = (f"/api/v1/disputes/{pk}/", township)
    out: dict[str, Any] = {}
    for name, (path, user) in paths.items():
        if name not in alone:
            continue
        try:
            statements = orm_statements(path, user)
        except Exception as exc:  # a missing endpoint is reported, not fatal
            out[name] = {"error": str(exc)}
            continue
        total, plans = 0.0, []
        for sql in statements:
            ms, plan = explain_ms(sql.replace("%", "%%"), {}, repeat=3)
            total += ms
            plans.append(sql + "\n" + plan)
        sql_ms = alone[name]["ms"]
        out[name] = {
            "orm_ms": total,
            "sql_ms": sql_ms,
            "ratio": total / sql_ms if sql_ms else None,
            "statements": len(statements),
            "plans": plans,
        }
    return out


def commit_ms(n: int = 200) -> float:
    """Median time of a one-row INSERT and its COMMIT (the WAL flush every
    write request pays once at least)."""
    from django.db import connection

    times = []
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_commit (id serial, at timestamptz)")
    for _ in range(n):
        t = time.perf_counter()
        with transaction_atomic(), connection.cursor() as c:
            c.execute("INSERT INTO bench_commit (at) VALUES (now())")
        times.append((time.perf_counter() - t) * 1000)
    with connection.cursor() as c:
        c.execute("DROP TABLE bench_commit")
    return statistics.median(times)


def transaction_atomic() -> Any:
    from django.db import transaction

    return transaction.atomic()


# --- the overdue sweep, in-process ----------------------------------------------


def bench_sweep(newly_due: int, handle: int) -> dict[str, Any]:
    """The sweep's marking against the one UPDATE that marks the same rows,
    both over every open case with ``newly_due`` of them just past due; then,
    if ``full``, a whole real run (mark, events, notifications, outbox,
    escalations by policy), after which the cases are restored."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import floor_sql as q
    from core.sweep import registered
    from disputes.models import Dispute

    sweep = next((s for s in registered() if s.name == "disputes.overdue"), None)
    if sweep is None:
        return {"available": False}
    now = timezone.now()
    ids = list(
        Dispute.objects.open()
        .filter(overdue_at__isnull=True, due_at__gt=now)
        .order_by("?")
        .values_list("id", flat=True)[:newly_due]
    )
    open_ids = list(Dispute.objects.open().values_list("id", flat=True))
    open_count = len(open_ids)
    # Every open case: the handlers escalate and the early-warning sweep marks.
    snapshot(open_ids)
    marks = high_water()
    with connection.cursor() as c:
        c.execute(
            "UPDATE disputes_dispute SET due_at = %s WHERE id = ANY(%s)",
            [now - dt.timedelta(minutes=1), ids],
        )
    due_before = (
        Dispute.objects.open().filter(overdue_at__isnull=True, due_at__lte=now).count()
    )

    def timed(fn: Callable[[], int]) -> tuple[float, int]:
        with transaction.atomic():
            t = time.perf_counter()
            n = fn()
            elapsed = time.perf_counter() - t
            transaction.set_rollback(True)
        return elapsed, n

    def single() -> int:
        with connection.cursor() as c:
            c.execute(q.SWEEP_MARK, {"now": now, "open": q.OPEN_STAGES})
            return c.rowcount

    engine_runs = [timed(lambda: sweep.mark(now)) for _ in range(3)]
    sql_runs = [timed(single) for _ in range(3)]
    _ms, plan = explain_ms(
        q.SWEEP_MARK, {"now": now, "open": q.OPEN_STAGES}, repeat=1, rollback=True
    )
    result: dict[str, Any] = {
        "available": True,
        "open_cases": open_count,
        "newly_due": due_before,
        "engine_mark_s": statistics.median(r[0] for r in engine_runs),
        "engine_marked": engine_runs[0][1],
        "single_update_s": statistics.median(r[0] for r in sql_runs),
        "single_marked": sql_runs[0][1],
        "single_update_plan": plan,
        "batch_limit": getattr(sys.modules.get("core.sweep"), "BATCH_SIZE", 0) * 20,
    }
    if handle:
        # For real (committed): the marking, then the handling (event,
        # notifications, outbox, escalation by policy) of up to ``handle``
        # rows, in the engine's batches (``Sweep.handle_pks``).
        t = time.perf_counter()
        result["committed_mark_rows"] = sweep.mark(now)
        result["committed_mark_s"] = time.perf_counter() - t
        pks = list(
            sweep.unhandled(now)
            .order_by(sweep.mark_field, "pk")
            .values_list("pk", flat=True)[:handle]
        )
        t = time.perf_counter()
        handled = sweep.handle_pks(pks, now)
        result["handle_s"] = time.perf_counter() - t
        result["handled"] = handled
    # Put everything back for the next run.
    restore()
    remove_appended(marks)
    return result


# --- the run ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    from django.db import connection

    def sh(cmd: str) -> str:
        try:
            return subprocess.run(
                cmd, shell=True, capture_output=True, text=True, timeout=20
            ).stdout.strip()  # noqa: S602
        except Exception:  # noqa: BLE001
            return ""

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
        c.execute("SHOW shared_buffers")
        sb = c.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "memory": sh("free -h | awk '/Mem:/{print $2}'"),
        "load_before": sh("cat /proc/loadavg"),
        "python": platform.python_version(),
        "postgresql": pg,
        "shared_buffers": sb,
        "redis": sh("redis-cli info server | grep redis_version | cut -d: -f2"),
        "gunicorn": sh(f"{Path(sys.executable).parent / 'gunicorn'} --version"),
    }


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    info = report["dataset_info"]
    secs = info.get("seconds", {})
    lines = [
        f"### Dataset {report['dataset']} — run of {report['started_at'][:16]} UTC",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} RAM; PostgreSQL "
        f"{m['postgresql']} (shared_buffers {m['shared_buffers']}), Redis "
        f"{m['redis']}, {m['gunicorn']} ({report['gunicorn']['workers']} gthread "
        f"workers × {report['gunicorn']['threads']} threads), Python {m['python']}. "
        f"Load average before / after the run: {m['load_before']} / "
        f"{report.get('load_after', '?')}.",
        "",
        f"Data: {info.get('counts', {})}. Loaded in "
        f"{secs.get('total (in transaction)', '?')} s (generator CPU "
        f"{secs.get('generator CPU (this process)', '?')} s; one AES-GCM "
        f"encryption + keyed hash {info.get('encrypt_us', '?')} µs, "
        f"{info.get('distinct_people', '?')} distinct people); "
        f"post-load: {info.get('post_load', {})}.",
        "",
        "| operation | c | n | req/s | p50 ms | p99 ms | SQL/req | app CPU ms/req | × bare view p50 | × SQL floor p50 | SQL alone ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        if not row.get("available", True):
            lines.append(f"| {row['op']} | – | – | not available | | | | | | | |")
            continue
        lines.append(
            "| {op} | {c} | {n} | {rps} | {p50} | {p99} | {q} | {cpu} | {rc} | {rs} | {sa} |".format(
                cpu=fmt(row.get("server_cpu_ms_per_request"), 1),
                op=row["op"],
                c=row["concurrency"],
                n=row["n"],
                rps=fmt(row["rps"]),
                p50=fmt(row["p50_ms"], 2),
                p99=fmt(row["p99_ms"], 2),
                q=fmt(row.get("queries"), 1),
                rc=fmt(row.get("x_bare"), 1),
                rs=fmt(row.get("x_sql_floor"), 1),
                sa=fmt(row.get("sql_alone_ms"), 2),
            )
        )
    sw = report.get("sweep", {})
    if sw.get("available"):
        lines += [
            "",
            f"Overdue sweep over {sw['open_cases']:,} open cases, {sw['newly_due']:,} newly due: "
            f"engine mark {sw['engine_mark_s'] * 1000:,.1f} ms ({sw['engine_marked']:,} rows) vs one UPDATE "
            f"{sw['single_update_s'] * 1000:,.1f} ms ({sw['single_marked']:,} rows), "
            f"ratio {sw['engine_mark_s'] / max(sw['single_update_s'], 1e-9):.2f}"
            + (
                f"; committed: mark {sw['committed_mark_s'] * 1000:,.1f} ms, then handling "
                f"{sw['handled']:,} rows (event, notifications, outbox, escalation) "
                f"{sw['handle_s']:,.2f} s = {sw['handle_s'] / max(sw['handled'], 1) * 1000:,.1f} ms/row"
                if "handle_s" in sw
                else ""
            ),
        ]
    else:
        lines += ["", "Overdue sweep: not available"]
    orm = report.get("orm_vs_sql") or {}
    if orm:
        lines += [
            "",
            "The platform's own SELECTs on the data tables (captured in-process, "
            "timed in PostgreSQL) against the hand-written SQL of the same data:",
            "",
            "| hot path | ORM statements | ORM ms | hand-written ms | ratio |",
            "|---|---|---|---|---|",
        ]
        for name, r in orm.items():
            if "error" in r:
                lines.append(f"| {name} | – | {r['error']} | | |")
                continue
            lines.append(
                f"| {name} | {r['statements']} | {fmt(r['orm_ms'], 2)} | "
                f"{fmt(r['sql_ms'], 2)} | {fmt(r['ratio'], 2)} |"
            )
    lines += ["", f"Server memory after the run (RSS MB): {report.get('rss_mb')}"]
    floors = report.get("floors", [])
    if floors:
        lines += [
            "",
            "Floors:",
            "",
            "| floor | c | n | req/s | p50 ms | p99 ms | app CPU ms/req |",
        ]
        lines.append("|---|---|---|---|---|---|---|")
        for f in floors:
            lines.append(
                f"| {f['op']} | {f['concurrency']} | {f['n']} | {fmt(f['rps'])} | "
                f"{fmt(f['p50_ms'], 2)} | {fmt(f['p99_ms'], 2)} | "
                f"{fmt(f.get('server_cpu_ms_per_request'), 1)} |"
            )
    client = [r.get("client_cpu_us_per_request") for r in report["rows"] if r.get("n")]
    if client:
        lines += [
            "",
            f"Client cost: {min(client):,.0f}–{max(client):,.0f} µs of client CPU "
            "per request (on the same 2 cores as the server).",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hongsibu benchmark suite")
    parser.add_argument("--dataset", choices=["T", "S", "M", "L"], default="S")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--requests", type=int, default=0, help="reads per level")
    parser.add_argument("--only", default="", help="comma-separated name fragments")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--budget", type=float, default=0, help="seconds of load")
    parser.add_argument("--sweep-due", type=int, default=0)
    parser.add_argument(
        "--sweep-handle", type=int, default=1000, help="rows handled for real"
    )
    args = parser.parse_args(argv)
    # Stopped from outside: still stop the server and restore the data.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    size = args.dataset
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url or bench_database_url(size)
    env = bench_env(url)
    started = time.perf_counter()

    gen = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--size",
            size,
            "--database-url",
            url,
        ],
        cwd=ROOT,
    )
    if gen.returncode:
        return gen.returncode
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import dataset_info

    call_command("collectstatic", interactive=False, verbosity=0)
    info = dataset_info(connection) or {}
    reads, writes, heavy = REQUESTS[size]
    budget = args.budget or LOAD_BUDGET_S[size]
    if args.requests:
        reads = args.requests
    fx = prepare()
    report: dict[str, Any] = {
        "dataset": size,
        "dataset_info": info,
        "machine": machine(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "gunicorn": {
            "workers": args.workers,
            "threads": args.threads,
            "class": "gthread",
        },
        "rows": [],
    }
    # Redis: only the benchmark's own databases.
    subprocess.run(
        f"redis-cli -u {REDIS}/{REDIS_CACHE_DB} flushdb",
        shell=True,
        capture_output=True,
    )  # noqa: S602
    server = Server(env, args.workers, args.threads)
    marks = high_water()
    server.start()
    try:
        ops, floors = operations(fx, server.port, writes)
        snapshot([*fx.escalate_pool, *fx.floor_pool])  # type: ignore[attr-defined]
        n_for = {
            "read": reads,
            "write": writes,
            "heavy": heavy,
            "export": 3 if size in "TS" else 1,
        }
        floor_results: dict[tuple[str, int], Result] = {}

        load_started = time.perf_counter()
        levels_left = [
            sum(len(o.concurrency) for o in floors.values())
            + sum(len(o.concurrency) for o in ops if available(o.probe))
        ]

        def cap() -> float:
            remaining = budget - (time.perf_counter() - load_started)
            levels_left[0] -= 1
            return max(3.0, min(TIME_CAP_S, remaining / max(1, levels_left[0] + 1)))

        def measure(op: Op) -> list[Result]:
            n = n_for[op.kind]
            # Warm-up: every worker process imports, connects and fills caches.
            drive(
                server.port,
                op.name,
                op.make,
                min(n, 2 * args.workers * 2) if op.kind != "export" else 1,
                min(4, max(op.concurrency)),
                60,
            )
            out = []
            for c in op.concurrency:
                cpu = server.cpu_seconds()
                r = drive(server.port, op.name, op.make, n, c, cap())
                r.server_cpu_s = server.cpu_seconds() - cpu
                out.append(r)
                print(
                    f"  {op.name:45s} c={c:<3d} n={r.n:<5d} {r.rps:8.1f}/s p50 {r.pct(50):8.2f} ms p99 {r.pct(99):8.2f} ms q={fmt(r.queries)} {r.statuses}",
                    flush=True,
                )
            return out

        only = [s for s in args.only.split(",") if s]
        print("floors:")
        for key, op in floors.items():
            if (
                only
                and key != "constant"
                and not any(s in key or s in op.name for s in only)
            ):
                continue
            for r in measure(op):
                floor_results[(key, r.concurrency)] = r
        print("operations:")
        for op in ops:
            if only and not any(s in op.name or s in (op.floor or "") for s in only):
                continue
            if not available(op.probe):
                report["rows"].append({"op": op.name, "available": False})
                print(f"  {op.name:45s} not available")
                continue
            for r in measure(op):
                row = r.as_dict()
                bare = floor_results.get(("constant", r.concurrency))
                sqlf = floor_results.get((op.floor or "", r.concurrency))
                row["x_bare"] = r.pct(50) / bare.pct(50) if bare else None
                row["x_sql_floor"] = r.pct(50) / sqlf.pct(50) if sqlf else None
                row["floor_p50_ms"] = round(sqlf.pct(50), 2) if sqlf else None
                row["floor_rps"] = round(sqlf.rps, 1) if sqlf else None
                row["note"] = op.note
                row["floor"] = op.floor
                report["rows"].append(row)
        for (key, _c), r in floor_results.items():
            report.setdefault("floors", []).append({**r.as_dict(), "floor": key})
        report["rss_mb"] = server.rss_mb()
        report["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        server.stop()
        restore()
        remove_appended(marks)
    alone = sql_alone(fx)
    report["sql_alone"] = alone
    for row in report["rows"]:
        if row.get("floor") in alone:
            row["sql_alone_ms"] = alone[row["floor"]]["ms"]
    report["orm_vs_sql"] = orm_alone(fx, alone)
    if not args.no_sweep:
        due = args.sweep_due or {"T": 20, "S": 200, "M": 10_000, "L": 10_000}[size]
        report["sweep"] = bench_sweep(due, handle=min(due, args.sweep_handle))
    subprocess.run(
        f"redis-cli -u {REDIS}/{REDIS_BROKER_DB} flushdb",
        shell=True,
        capture_output=True,
    )  # noqa: S602
    report["seconds"] = time.perf_counter() - started
    text = render(report)
    print()
    print(text)
    print(f"\n(total {report['seconds']:.0f} s)")
    (OUT / f"results_{size}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=str)
    )
    (OUT / f"results_{size}.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
