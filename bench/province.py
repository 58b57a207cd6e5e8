"""The province run (issue 13): the member list and the pages around it on a province-shaped
database, against the reference page. Opt-in (`make bench-province`): it seeds big databases.

    .venv/bin/python bench/province.py                      # 100,000 members, SQLite + PostgreSQL
    .venv/bin/python bench/province.py --members 2000000 --postgres
    BENCH_PG_PREFIX=dj_mine bench/province.py               # PostgreSQL database names

Each database is seeded once with `manage.py seed --members N --tree province` (the demo
province: about one organisation per 13 members) and reused by later runs; SQLite lives in
var/bench/province-N.sqlite3, PostgreSQL in the database `<prefix>_N` (prefix
`dangjian_province` unless BENCH_PG_PREFIX says otherwise). The server, sign-in, load and
report are bench/member_list.py's: gunicorn with 2 sync workers and production settings,
2 connections, interleaved rounds, every response checked for its page's marker.

Targets: every page ≥ 0.5× the reference's req/s and p95 ≤ 50 ms at 100,000 members; at
2,000,000 (PostgreSQL) p95 ≤ 100 ms. Query counts are reported per page (a cold request).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402 — the shared load loop, beside this file
import member_list as ml  # noqa: E402 — the shared machinery, beside this file

ROOT = ml.ROOT
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "dangjian_province")


def sqlite_path(members: int) -> Path:
    return ml.BENCH_DIR / f"province-{members}.sqlite3"


def pg_name(members: int) -> str:
    return f"{PG_PREFIX}_{members}"


def targets(args) -> list[ml.Target]:
    chosen = []
    if not args.postgres:
        chosen.append(ml.Target("sqlite", f"sqlite:///{sqlite_path(args.members)}"))
    if not args.sqlite:
        if ml.postgres_answers():
            url = f"postgres://{ml.PG_USER}@{ml.PG_HOST}:{ml.PG_PORT}/{pg_name(args.members)}"
            chosen.append(ml.Target("postgres", url))
        else:
            print(f"PostgreSQL does not answer on {ml.PG_HOST}:{ml.PG_PORT}: SQLite only")
    return chosen


def _pg(sql: str, dbname: str = "postgres") -> list:
    import psycopg

    with psycopg.connect(
        host=ml.PG_HOST, port=ml.PG_PORT, user=ml.PG_USER, dbname=dbname, autocommit=True
    ) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def inspect(target: ml.Target, *, pages: bool) -> dict:
    import subprocess

    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--inspect" + ("-pages" if pages else "")],
        cwd=ROOT,
        env=target.env(),
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def prepare(target: ml.Target, members: int, rebuild: bool) -> dict:
    ml.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    name = pg_name(members)
    if target.name == "postgres":
        exists = _pg(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if rebuild and exists:
            _pg(f'DROP DATABASE "{name}" WITH (FORCE)')
        if rebuild or not exists:
            _pg(f'CREATE DATABASE "{name}"')
    elif rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(members)}{suffix}").unlink(missing_ok=True)
    ml.manage(target, "migrate", "--noinput", "--verbosity", "0")
    info = inspect(target, pages=False)
    seconds = None
    if info["members"] and info["members"] != members:
        raise SystemExit(f"[{target.name}] holds {info['members']:,} members: use --rebuild")
    if not info["members"]:
        print(f"  [{target.name}] seeding a province of {members:,} members (once)", flush=True)
        started = time.perf_counter()
        ml.manage(target, "seed", "--members", str(members), "--tree", "province")
        seconds = round(time.perf_counter() - started, 1)
        print(f"  [{target.name}] seeded in {seconds:.0f} s")
    else:
        print(f"  [{target.name}] reusing {info['members']:,} members")
    if target.name == "postgres":
        _pg("VACUUM ANALYZE", name)  # autovacuum's work: statistics and the visibility map
    info = inspect(target, pages=True)
    info["seed_seconds"] = seconds
    return info


def variants(info: dict) -> list[ml.Variant]:
    members = "/members/"
    table = 'id="member-table"'
    deep_cursor = info["deep_cursor"]
    return [
        ml.Variant("reference", "reference (50 rows, no joins)", "admin", "/bench/reference/",
                   "Benchmark reference", reference=True),
        ml.Variant("first", "admin: member list, first page", "admin", members, table),
        ml.Variant(
            "filtered",
            "admin: organisation + sex filter",
            "admin",
            f"{members}?{urlencode({'organisation': info['filter_org'], 'sex': 'female'})}",
            table,
        ),
        ml.Variant("deep", f"admin: deep page ({info['deep_page']})", "admin",
                   f"{members}?page={info['deep_page']}", f"第 {info['deep_page']} /"),
        ml.Variant("deep_cursor", f"admin: deep page ({info['deep_page']}) by 下一页's cursor",
                   "admin",
                   f"{members}?{urlencode({'page': info['deep_page'], 'after': deep_cursor})}",
                   f"第 {info['deep_page']} /"),
        ml.Variant("pinyin", f"admin: pinyin search '{info['pinyin_q']}'", "admin",
                   f"{members}?{urlencode({'q': info['pinyin_q']})}", table),
        ml.Variant("name", f"admin: name search '{info['name_q']}'", "admin",
                   f"{members}?{urlencode({'q': info['name_q']})}", table),
        ml.Variant("secretary_first", "secretary_a: first page", "secretary_a", members, table),
        ml.Variant("secretary_pinyin", f"secretary_a: pinyin search '{info['pinyin_q']}'",
                   "secretary_a", f"{members}?{urlencode({'q': info['pinyin_q']})}", table),
        ml.Variant("member_detail", "admin: member detail", "admin",
                   f"/members/{info['member_id']}/", info["member_marker"]),
        ml.Variant("organisation_detail", "admin: organisation detail (a 机关工委)", "admin",
                   f"/organisations/{info['filter_org']}/", info["filter_org_marker"]),
        ml.Variant("tree", "secretary_a: organisation tree", "secretary_a", "/organisations/",
                   info["secretary_org_marker"]),
        ml.Variant("org_search", f"admin: organisation search '{info['org_q']}'", "admin",
                   f"/organisations/search/?{urlencode({'q': info['org_q']})}", '"results"'),
    ]  # fmt: skip


PINYIN_Q = "zx"
NAME_Q = "卓玛"
ORG_Q = "公安"
DEEP_PAGE = 1000
ADMIN_TREE_UP_TO = 20_000


def run_inspect(pages: bool) -> None:
    """Inside Django (a subprocess with the target's environment): one JSON line of facts."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from organisations.models import Member, Organisation, OrganisationKind

    info: dict = {
        "vendor": connection.vendor,
        "server_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else "{}.{}".format(*divmod(connection.cursor().connection.info.server_version, 10000)),
        "members": Member.objects.count(),
        "organisations": Organisation.objects.count(),
        "pinyin_q": PINYIN_Q,
        "name_q": NAME_Q,
        "org_q": ORG_Q,
        "deep_page": DEEP_PAGE,
    }
    if not info["members"] or not pages:
        print(json.dumps(info))
        return
    # The filter and the organisation page: the second 机关工委 (a prefecture's), whose
    # subtree holds a few per cent of the province.
    committee = Organisation.objects.filter(kind=OrganisationKind.COMMITTEE).order_by("path")[1]
    info["filter_org"] = committee.pk
    info["filter_org_marker"] = committee.name
    secretary = User.objects.select_related("organisation").get(username="secretary_a")
    info["secretary_org_marker"] = secretary.organisation.name
    member = Member.objects.order_by("pk")[len(str(info["members"])) * 1000]
    info["member_id"] = member.pk
    info["member_marker"] = member.id_number_masked
    # 下一页's cursor on page DEEP_PAGE - 1 of the admin's roster: its last row's sort key.
    from django.http import QueryDict

    from organisations.selectors import filtered_members
    from organisations.views import PAGE_SIZE

    admin = User.objects.get(username="admin")
    _filter, roster = filtered_members(admin, QueryDict(""))
    row = roster.values_list("name_pinyin", "pk")[(DEEP_PAGE - 1) * PAGE_SIZE - 1]
    info["deep_cursor"] = f"{row[0]}~{row[1]}"
    info["kinds"] = dict(
        Organisation.objects.values_list("kind").annotate(n=Count("pk")).order_by()
    )
    queries = {}
    clients: dict[str, Client] = {}
    for variant in variants(info):
        client = clients.get(variant.persona)
        if client is None:
            client = clients[variant.persona] = Client()
            client.force_login(User.objects.get(username=variant.persona))
            client.get("/")  # the first request stamps the session
        cold_times = []
        for _ in range(3):
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(variant.path)
                cold_times.append(time.perf_counter() - started)
            sql = [q["sql"] for q in ctx.captured_queries]
        warm = []
        for _ in range(5):
            started = time.perf_counter()
            client.get(variant.path)
            warm.append(time.perf_counter() - started)
        body = response.content.decode()
        queries[variant.key] = {
            "status": response.status_code,
            "queries": len(sql),
            "marker": variant.marker in body,
            "cold_ms": round(sorted(cold_times)[1] * 1000, 1),
            "warm_ms": round(sorted(warm)[len(warm) // 2] * 1000, 1),
            "sql": sql,
        }
    # The admin's whole tree: one page of every organisation until the tree loads its levels
    # on demand; measured once, not under load, and not at all past ADMIN_TREE_UP_TO.
    info["admin_tree"] = None
    if info["organisations"] <= ADMIN_TREE_UP_TO:
        client = clients["admin"]
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/organisations/")
        info["admin_tree"] = {
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000),
            "bytes": len(response.content),
            "queries": len(ctx.captured_queries),
        }
    info["queries"] = queries
    print(json.dumps(info, ensure_ascii=False))


def bench_target(target: ml.Target, args) -> dict:
    print(f"\n== {target.name}: {target.url}", flush=True)
    info = prepare(target, args.members, args.rebuild)
    busy = ml.wait_for_quiet(args.wait_quiet)
    for key, q in info["queries"].items():
        if q["status"] != 200 or not q["marker"]:
            raise RuntimeError(f"[{target.name}] {key} answered {q['status']} without its content")
    chosen = [v for v in variants(info) if v.reference or not args.only or v.key in args.only]
    runs, others = load.measure(target, chosen, args)
    results = [ml.summarise(v, **runs[v.key]) for v in chosen]
    reference = results[0]
    max_p95 = args.max_p95 or (ml.MAX_P95_MS if args.members <= 100_000 else 100.0)
    min_ratio = ml.MIN_RATIO if args.members <= 100_000 else None
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
            and figures.p95_ms <= max_p95
            and (min_ratio is None or (figures.ratio or 0) >= min_ratio)
        )
    return {
        "database": target.name,
        "cpu_busy_before": None if busy is None else round(busy, 3),
        "other_work_cpus": None if others is None else round(others, 2),
        "load_average": os.getloadavg(),
        "server_version": info["server_version"],
        "members": info["members"],
        "organisations": info["organisations"],
        "kinds": info["kinds"],
        "planner_statistics": True,
        "missing_indexes": [],
        "seed_seconds": info.get("seed_seconds"),
        "admin_tree": info["admin_tree"],
        "targets": {"max_p95_ms": max_p95, "min_ratio": min_ratio},
        "results": [asdict(f) for f in results],
        "sql": {k: v["sql"] for k, v in info["queries"].items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inspect-pages", action="store_true", help=argparse.SUPPRESS)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--postgres", action="store_true", help="PostgreSQL only")
    which.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true", help="drop and re-seed the databases")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--max-requests", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wait-quiet", type=float, default=60)
    parser.add_argument("--max-p95", type=float, default=None, help="ms (50, or 100 above 100k)")
    parser.add_argument("--only", type=lambda v: set(v.split(",")), default=None)
    args = parser.parse_args(argv)
    if args.inspect or args.inspect_pages:
        run_inspect(pages=args.inspect_pages)
        return 0
    chosen = targets(args)
    load = os.getloadavg()[0]
    print(
        f"province benchmark: {args.members:,} members, gunicorn {args.workers} sync workers, "
        f"{args.concurrency} connections, {args.seconds:g} s per page in {args.rounds} rounds, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    ml.manage(chosen[0], "collectstatic", "--noinput", "--verbosity", "0")
    runs = [bench_target(target, args) for target in chosen]
    print()
    for run in runs:
        print(ml.table(run))
        tree = run["admin_tree"]
        if tree:
            print(
                f"admin: the whole organisation tree, once: {tree['ms']:,} ms, "
                f"{tree['bytes']:,} bytes, {tree['queries']} queries"
            )
        else:
            print(f"admin: the whole tree not measured (over {ADMIN_TREE_UP_TO:,} organisations)")
        print(
            f"targets: p95 ≤ {run['targets']['max_p95_ms']:.0f} ms"
            + (f", ratio ≥ {run['targets']['min_ratio']}" if run["targets"]["min_ratio"] else "")
        )
        print()
    ml.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ml.RESULTS_DIR / f"province-{args.members}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "load_average_at_start": load,
                "runs": runs,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
