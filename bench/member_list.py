"""Speed of the member list (党员名册) on a 100,000-member database, against a reference page.

    .venv/bin/python bench/member_list.py            # SQLite, and PostgreSQL if it answers
    BENCH_DB=sqlite|postgres|both bench/member_list.py
    bench/member_list.py --postgres                   # PostgreSQL only
    bench/member_list.py --rebuild                    # drop and re-seed the bench databases

For each database it builds (once, then reuses) a database seeded with `manage.py seed
--members 100000`, serves the app with gunicorn (2 sync workers, DEBUG off, production
settings but plain-HTTP cookies) on a free port of 127.0.0.1, logs in once per persona and
replays the session cookie from a small pure-Python load generator (threads + http.client).
Every variant gets a warm-up, then requests at a fixed concurrency for a bounded time.

It prints, per database, req/s, p50 and p95 latency, the ratio to the reference page and
PASS/FAIL against DESIGN §7's targets (≥ 0.5× the reference's req/s, p95 ≤ 50 ms), and writes
the same figures to bench/results/ as JSON. It exits 0 even when a target fails: the figures
are the output; `--strict` makes a FAIL exit 1.

The reference page (bench/reference_page.py, routed only with BENCH_REFERENCE_PAGE=1) renders 50
members of the same table through the same base template and middleware, with no join, no
scoping and no count: the ceiling the member list is compared with.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_PATH = BENCH_DIR / "bench.sqlite3"
PG_HOST, PG_PORT, PG_USER, PG_NAME = "127.0.0.1", 5432, "postgres", "dangjian_bench"
HOST = "127.0.0.1"

# DESIGN §7: list pages reach at least half the reference's throughput; p95 within 50 ms.
MIN_RATIO = 0.5
MAX_P95_MS = 50.0
# Below this share of busy CPU (other processes), the machine counts as quiet enough to measure.
QUIET = 0.25


# --------------------------------------------------------------------------------------------
# Databases


@dataclass
class Target:
    name: str  # "sqlite" | "postgres"
    url: str

    def env(self) -> dict[str, str]:
        """The environment of every process that touches this database: production settings."""
        env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
        env.update(
            DATABASE_URL=self.url,
            DEBUG="0",
            # Plain HTTP on 127.0.0.1: cookies must not be Secure-only, or the client drops them.
            SECURE_COOKIES="0",
            SECURE_SSL_REDIRECT="0",
            BENCH_REFERENCE_PAGE="1",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        return env


def postgres_answers() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            pass
    except OSError:
        return False
    try:
        import psycopg

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3
        ):
            return True
    except Exception as exc:  # noqa: BLE001 — any failure means "no PostgreSQL for us"
        print(f"PostgreSQL on {PG_HOST}:{PG_PORT} refuses user {PG_USER}: {exc}")
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres") as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        return row is not None


def drop(target: Target) -> None:
    if target.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')


def manage(target: Target, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=target.env(),
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def inspect(target: Target, *, pages: bool) -> dict:
    """Facts about the bench database; with `pages`, each variant's queries and server time."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--inspect" + ("-pages" if pages else "")],
        cwd=ROOT,
        env=target.env(),
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _fresh(target: Target) -> None:
    drop(target)
    if target.name == "postgres":
        _pg_admin(f'CREATE DATABASE "{PG_NAME}"')
    manage(target, "migrate", "--noinput", "--verbosity", "0")


def _vacuum_analyze() -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_NAME, autocommit=True
    ) as conn:
        conn.execute("VACUUM ANALYZE")


def prepare(target: Target, members: int, rebuild: bool) -> dict:
    """Create, migrate and seed the bench database unless it already holds the demo data."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if rebuild or (target.name == "postgres" and not _pg_exists()):
        _fresh(target)
    else:
        try:
            manage(target, "migrate", "--noinput", "--verbosity", "0")
        except subprocess.CalledProcessError:
            print(f"  [{target.name}] migrate failed on the bench database: rebuilding it")
            _fresh(target)
    info = inspect(target, pages=False)
    if info["members"] and info["members"] != members:
        print(f"  [{target.name}] holds {info['members']:,} members, not {members:,}: rebuilding")
        _fresh(target)
        info = inspect(target, pages=False)
    seconds = None
    if not info["members"]:
        print(f"  [{target.name}] seeding {members:,} members (once; later runs reuse it)")
        started = time.perf_counter()
        manage(target, "seed", "--members", str(members))
        seconds = round(time.perf_counter() - started, 1)
        print(f"  [{target.name}] seeded in {seconds:.0f} s")
    else:
        print(f"  [{target.name}] reusing {info['members']:,} members")
    if target.name == "postgres":
        # Production relies on autovacuum for planner statistics and the visibility map
        # (index-only scans); it may be off on a test server, so do its work here.
        _vacuum_analyze()
    info = inspect(target, pages=True)
    info["seed_seconds"] = seconds
    return info


# --------------------------------------------------------------------------------------------
# What is measured


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    persona: str
    path: str
    marker: str  # must be in the body, so a login page or an empty list cannot pass for it
    reference: bool = False


def variants(info: dict) -> list[Variant]:
    members = "/members/"
    table = 'id="member-table"'
    return [
        Variant(
            "reference",
            "reference (50 rows, no joins)",
            "admin",
            "/bench/reference/",
            "Benchmark reference",
            reference=True,
        ),
        Variant("first", "admin: first page", "admin", members, table),
        Variant(
            "filtered",
            "admin: organisation + sex filter",
            "admin",
            f"{members}?{urlencode({'organisation': info['filter_org'], 'sex': 'female'})}",
            table,
        ),
        Variant(
            "deep",
            f"admin: deep page ({info['deep_page']})",
            "admin",
            f"{members}?page={info['deep_page']}",
            f"第 {info['deep_page']} /",
        ),
        Variant(
            "pinyin",
            f"admin: pinyin search '{info['pinyin_q']}'",
            "admin",
            f"{members}?{urlencode({'q': info['pinyin_q']})}",
            table,
        ),
        Variant(
            "name",
            f"admin: name search '{info['name_q']}'",
            "admin",
            f"{members}?{urlencode({'q': info['name_q']})}",
            table,
        ),
        Variant("secretary_first", "secretary_a: first page", "secretary_a", members, table),
        Variant(
            "secretary_pinyin",
            f"secretary_a: pinyin search '{info['pinyin_q']}'",
            "secretary_a",
            f"{members}?{urlencode({'q': info['pinyin_q']})}",
            table,
        ),
    ]


# Values the inspect step chooses the variants' parameters from.
PINYIN_Q = "zx"  # initials of 扎西…, the commonest Tibetan name element: several pages of hits
NAME_Q = "卓玛"  # a substring of many names: the `name contains` search
DEEP_PAGE = 1000


def run_inspect(pages: bool) -> None:
    """Runs inside Django (a subprocess with the target's environment); prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from organisations.models import Member, Organisation

    info: dict = {
        "vendor": connection.vendor,
        "server_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else "{}.{}".format(*divmod(connection.cursor().connection.info.server_version, 10000)),
        "members": Member.objects.count(),
        "organisations": Organisation.objects.count(),
        "pinyin_q": PINYIN_Q,
        "name_q": NAME_Q,
        "deep_page": DEEP_PAGE,
    }
    if not info["members"] or not pages:
        print(json.dumps(info))
        return
    secretary = User.objects.select_related("organisation").get(username="secretary_a")
    info["filter_org"] = secretary.organisation_id
    info["filter_org_name"] = secretary.organisation.name
    with connection.cursor() as cursor:
        present = {
            name
            for name, c in connection.introspection.get_constraints(
                cursor, Member._meta.db_table
            ).items()
            if c["index"]
        }
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            analysed = (
                cursor.fetchone()[0]
                and cursor.execute(
                    "SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [Member._meta.db_table]
                ).fetchone()[0]
            )
        else:
            cursor.execute(
                "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname = %s",
                [Member._meta.db_table],
            )
            analysed = cursor.fetchone()[0]
    info["planner_statistics"] = bool(analysed)
    info["missing_indexes"] = sorted(i.name for i in Member._meta.indexes if i.name not in present)
    queries = {}
    clients = {}
    for variant in variants(info):
        client = clients.get(variant.persona)
        if client is None:
            client = clients[variant.persona] = Client()
            client.force_login(User.objects.get(username=variant.persona))
            client.get(variant.path)  # the first request stamps the session
        cold_times = []
        for _ in range(3):
            cache.clear()  # a cold start: nothing remembered, as for the first visitor
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(variant.path)
                cold_times.append(time.perf_counter() - started)
            # Read now: the next request (request_started) empties the query log.
            sql = [q["sql"] for q in ctx.captured_queries]
        cold = sorted(cold_times)[1]
        warm = []
        for _ in range(7):
            started = time.perf_counter()
            client.get(variant.path)
            warm.append(time.perf_counter() - started)
        body = response.content.decode()
        queries[variant.key] = {
            "status": response.status_code,
            "queries": len(sql),
            "marker": variant.marker in body,
            "cold_ms": round(cold * 1000, 1),
            "warm_ms": round(sorted(warm)[len(warm) // 2] * 1000, 1),
            "sql": sql,
        }
        if variant.key != "reference":
            found = re.search(r"共 ([\d,]+) 人", body)
            queries[variant.key]["count_shown"] = found.group(1) if found else None
    info["queries"] = queries
    print(json.dumps(info, ensure_ascii=False))


# --------------------------------------------------------------------------------------------
# Server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, target: Target, workers: int):
        self.target = target
        self.workers = workers
        self.port = free_port()
        self.log = BENCH_DIR / f"gunicorn-{target.name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = shutil.which("gunicorn", path=str(VENV_BIN)) or "gunicorn"
        self.process = subprocess.Popen(
            [
                gunicorn,
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--backlog",
                "256",
                "--log-level",
                "warning",
                "--error-logfile",
                str(self.log),
            ],
            cwd=ROOT,
            env=self.target.env(),
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                status, _, _ = request(self.port, "GET", "/healthz/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 30 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # only the arbiter we started
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(port: int, method: str, path: str, headers: dict | None = None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {k: m.value for k, m in jar.items()}


def login(port: int, username: str, password: str) -> str:
    """Signs in through the real login form once; returns the Cookie header to replay."""
    status, headers, body = request(port, "GET", "/login/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token or "csrftoken" not in cookies:
        raise RuntimeError(f"login page answered {status} without a CSRF token")
    form = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
    )
    status, headers, _ = request(
        port,
        "POST",
        "/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
        body=form,
    )
    cookies.update(_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login of {username} failed ({status}); locked out? see django-axes")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --------------------------------------------------------------------------------------------
# Load


@dataclass
class Figures:
    key: str
    label: str
    path: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bytes: int
    queries: int | None = None
    cold_ms: float | None = None  # server time with an empty cache, in-process (median of 3)
    warm_ms: float | None = None  # median server time once cached, in-process
    ratio: float | None = None
    passed: bool | None = None
    notes: list[str] = field(default_factory=list)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def hammer(
    port: int,
    path: str,
    cookie: str,
    marker: bytes,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
) -> tuple[list[float], int, float, int]:
    """`concurrency` threads, each on its own connection, until the time or the count runs out."""
    latencies: list[float] = []
    errors = 0
    size = 0
    lock = threading.Lock()
    issued = 0
    headers = {"Cookie": cookie, "Accept-Language": "zh-hans", "Accept-Encoding": "identity"}
    started = time.perf_counter()
    deadline = started + seconds

    def worker() -> None:
        nonlocal errors, size, issued
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        bad = 0
        length = 0
        while True:
            with lock:
                if issued >= max_requests or time.perf_counter() >= deadline:
                    break
                issued += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and marker in body
                if response.will_close:
                    conn.close()  # gunicorn's sync workers close after each response
            except (OSError, http.client.HTTPException):
                conn.close()
                ok, body = False, b""
            mine.append(time.perf_counter() - t0)
            length = len(body)
            if not ok:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad
            size = max(size, length)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return sorted(latencies), errors, elapsed, size


def summarise(variant: Variant, latencies: list[float], errors: int, elapsed: float, size: int):
    ms = sorted(x * 1000 for x in latencies)
    return Figures(
        key=variant.key,
        label=variant.label,
        path=variant.path,
        requests=len(ms),
        errors=errors,
        seconds=round(elapsed, 2),
        rps=round(len(ms) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(percentile(ms, 0.50), 2),
        p95_ms=round(percentile(ms, 0.95), 2),
        p99_ms=round(percentile(ms, 0.99), 2),
        max_ms=round(ms[-1] if ms else float("nan"), 2),
        bytes=size,
    )


def cpu_busy(seconds: float = 2.0) -> float | None:
    """The share of all CPUs busy over `seconds`, from /proc/stat (None off Linux)."""

    def sample():
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return idle, sum(fields)

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except OSError:
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


class CpuMeter:
    """How much CPU other work took while we measured: the machine's busy time less that of
    this process, our gunicorn (arbiter and workers) and, with PostgreSQL, its server."""

    def __init__(self, server_pid: int, postgres: bool):
        self.server_pid = server_pid
        self.postgres = postgres
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.ours = 0.0
        self.total = 0.0
        self.wall = 0.0

    def _processes(self) -> dict[int, tuple[int, str, float]]:
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    raw = stat.read()
            except OSError:
                continue
            name = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2 :].split()
            found[int(entry)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])))
        return found

    def _ours(self) -> float:
        processes = self._processes()
        ours = {os.getpid(), self.server_pid}
        ours |= {pid for pid, (ppid, _, _) in processes.items() if ppid == self.server_pid}
        ticks = sum(
            cpu
            for pid, (_, name, cpu) in processes.items()
            if pid in ours or (self.postgres and name.startswith("postgres"))
        )
        return ticks / self.tick

    @staticmethod
    def _machine() -> float:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        # user + nice + system: what processes run. Interrupt time is left out, as it is in a
        # process's own figures; with PostgreSQL much of it is our own loopback traffic.
        return sum(fields[:3]) / (os.sysconf("SC_CLK_TCK") or 100)

    def __enter__(self):
        try:
            self._start = (time.monotonic(), self._machine(), self._ours())
        except (OSError, ValueError):
            self._start = None
        return self

    def __exit__(self, *exc):
        if self._start is None:
            return
        wall, machine, ours = self._start
        self.wall += time.monotonic() - wall
        self.total += self._machine() - machine
        self.ours += self._ours() - ours

    @property
    def others(self) -> float | None:
        """CPUs' worth of other work on average (0.5 = half a CPU)."""
        return max(0.0, self.total - self.ours) / self.wall if self.wall else None


def wait_for_quiet(limit: float) -> float | None:
    """Wait (at most `limit` seconds) until other work leaves the CPUs mostly idle."""
    deadline = time.monotonic() + limit
    busy = cpu_busy()
    while busy is not None and busy > QUIET and time.monotonic() < deadline:
        print(f"  CPUs {busy:.0%} busy with other work: waiting for quiet", flush=True)
        busy = cpu_busy(5.0)
    return busy


def bench_target(target: Target, args) -> dict:
    print(f"\n== {target.name}: {target.url}")
    info = prepare(target, args.members, args.rebuild)
    busy = wait_for_quiet(args.wait_quiet)
    if busy is not None and busy > QUIET:
        print(f"  WARNING: CPUs {busy:.0%} busy with other work: figures will be low and noisy")
    for key, q in info["queries"].items():
        if q["status"] != 200 or not q["marker"]:
            raise RuntimeError(f"[{target.name}] {key} answered {q['status']} without its content")
    for name in info["missing_indexes"]:
        print(f"  WARNING: the bench database lacks the model's index {name} (migration not made?)")
    chosen = [v for v in variants(info) if v.reference or not args.only or v.key in args.only]
    from load import measure  # noqa: PLC0415 — load imports this module

    runs, others = measure(target, chosen, args)
    if others is not None and others > QUIET * (os.cpu_count() or 1):
        print(f"  WARNING: other work took {others:.1f} CPUs during the measurement")
    results = [summarise(v, **runs[v.key]) for v in chosen]
    reference = results[0]
    for figures in results:
        measured = info["queries"][figures.key]
        figures.queries = measured["queries"]
        figures.cold_ms = measured["cold_ms"]
        figures.warm_ms = measured["warm_ms"]
        if figures.errors:
            figures.notes.append(f"{figures.errors} bad responses")
        if figures is reference:
            continue
        figures.ratio = round(figures.rps / reference.rps, 3) if reference.rps else None
        figures.passed = (
            figures.errors == 0
            and figures.ratio is not None
            and figures.ratio >= MIN_RATIO
            and figures.p95_ms <= MAX_P95_MS
        )
    return {
        "database": target.name,
        "cpu_busy_before": None if busy is None else round(busy, 3),
        "other_work_cpus": None if others is None else round(others, 2),
        "server_version": info["server_version"],
        "members": info["members"],
        "organisations": info["organisations"],
        "planner_statistics": info["planner_statistics"],
        "missing_indexes": info["missing_indexes"],
        "seed_seconds": info.get("seed_seconds"),
        "filter_organisation": info["filter_org_name"],
        "results": [asdict(f) for f in results],
        "counts_shown": {k: v.get("count_shown") for k, v in info["queries"].items()},
        "sql": {k: v["sql"] for k, v in info["queries"].items()},
    }


def _demo_password() -> str:
    # Read the constant without importing Django settings into this process.
    source = (ROOT / "demo" / "seeding.py").read_text(encoding="utf-8")
    return re.search(r'^DEMO_PASSWORD = "([^"]+)"', source, re.M).group(1)


# --------------------------------------------------------------------------------------------
# Report


def _pad(text: str, width: int) -> str:
    """Left-align in a fixed-width column; Chinese characters take two columns."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return text + " " * max(0, width - len(text) - wide)


def table(run: dict) -> str:
    lines = [
        f"{run['database']} {run['server_version']}: {run['members']:,} members, "
        f"{run['organisations']} organisations, planner statistics "
        f"{'present' if run['planner_statistics'] else 'absent'}"
        + (
            ""
            if run["other_work_cpus"] is None
            else f", other work took {run['other_work_cpus']:.2f} CPUs meanwhile"
        ),
        f"{'variant':<44}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'ratio':>7}{'queries':>8}"
        f"{'cold ms':>9}  result",
        "-" * 104,
    ]
    for f in run["results"]:
        ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}"
        verdict = "reference" if f["passed"] is None else ("PASS" if f["passed"] else "FAIL")
        if f["passed"] is False:
            why = []
            if f["ratio"] is not None and f["ratio"] < MIN_RATIO:
                why.append(f"ratio < {MIN_RATIO}")
            if f["p95_ms"] > MAX_P95_MS:
                why.append(f"p95 > {MAX_P95_MS:.0f} ms")
            why += f["notes"]
            verdict += f" ({', '.join(why)})"
        lines.append(
            f"{_pad(f['label'], 44)}{f['rps']:>8.1f}{f['p50_ms']:>8.1f}{f['p95_ms']:>8.1f}"
            f"{ratio:>7}{f['queries']!s:>8}{f['cold_ms']:>9.1f}  {verdict}"
        )
    for name in run["missing_indexes"]:
        lines.append(f"WARNING: measured without the model's index {name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inspect-pages", action="store_true", help=argparse.SUPPRESS)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--postgres", action="store_true", help="PostgreSQL only")
    which.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--members", type=int, default=int(os.environ.get("BENCH_MEMBERS", 100000)))
    parser.add_argument("--rebuild", action="store_true", help="drop and re-seed the databases")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--concurrency", type=int, default=2, help="client connections (2)")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds of warm-up per variant")
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds measured per variant")
    parser.add_argument("--max-requests", type=int, default=6000, help="cap per variant")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="seconds to wait for other work to leave the CPUs idle before measuring (120)",
    )
    parser.add_argument(
        "--only",
        type=lambda v: set(v.split(",")),
        default=None,
        help="comma-separated variant keys (the reference always runs)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.inspect or args.inspect_pages:
        run_inspect(pages=args.inspect_pages)
        return 0

    choice = os.environ.get("BENCH_DB", "auto")
    if args.postgres or args.sqlite:
        choice = "postgres" if args.postgres else "sqlite"
    if choice not in {"auto", "sqlite", "postgres", "both"}:
        parser.error("BENCH_DB is one of auto, sqlite, postgres, both")
    targets: list[Target] = []
    if choice in {"auto", "sqlite", "both"}:
        targets.append(Target("sqlite", f"sqlite:///{SQLITE_PATH}"))
    skipped = None
    if choice in {"auto", "postgres", "both"}:
        if postgres_answers():
            targets.append(
                Target("postgres", f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_NAME}")
            )
        elif choice == "auto":
            skipped = f"PostgreSQL does not answer on {PG_HOST}:{PG_PORT}: SQLite only"
        else:
            print(f"PostgreSQL does not answer on {PG_HOST}:{PG_PORT}", file=sys.stderr)
            return 2

    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(
            f"NOTE: load average {load:.1f} on {os.cpu_count()} CPUs before starting: other work "
            "is running, so absolute figures will be low; ratios are measured in interleaved "
            "rounds to limit the drift."
        )
    print(
        f"member list benchmark: {args.members:,} members, gunicorn {args.workers} sync workers, "
        f"{args.concurrency} connections, {args.warmup:g} s warm-up + {args.seconds:g} s "
        f"(≤ {args.max_requests} requests) per variant in {args.rounds} interleaved rounds, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    if skipped:
        print(f"NOTE: {skipped}")
    # The production static storage (hashed names, manifest) needs collectstatic under DEBUG=0;
    # `make static` may have run with a developer's DEBUG=1.
    manage(targets[0], "collectstatic", "--noinput", "--verbosity", "0")
    runs = [bench_target(target, args) for target in targets]

    print()
    for run in runs:
        print(table(run))
        print()
    if skipped:
        print(f"NOTE: {skipped}")
    failed = [
        f"{run['database']}: {f['label']}"
        for run in runs
        for f in run["results"]
        if f["passed"] is False
    ]
    print(
        f"targets: every member-list variant ≥ {MIN_RATIO}× the reference's req/s "
        f"and p95 ≤ {MAX_P95_MS:.0f} ms"
    )
    print("ALL PASS" if not failed else f"FAIL: {len(failed)} — " + "; ".join(failed))

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"member_list-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "settings": {
                    k: getattr(args, k)
                    for k in (
                        "members",
                        "workers",
                        "concurrency",
                        "warmup",
                        "seconds",
                        "max_requests",
                        "rounds",
                    )
                },
                "load_average_at_start": load,
                "targets": {"min_ratio": MIN_RATIO, "max_p95_ms": MAX_P95_MS},
                "skipped": skipped,
                "runs": runs,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written {out.relative_to(ROOT)}")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
