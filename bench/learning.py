"""Speed of the learning app at the issue's scale: a member's "my study" page, the committee's
and a secretary's hours dashboard, a member's ledger page and the learning API over a large
ledger, and the copy check over thousands of reflections.

    .venv/bin/python bench/learning.py                       # SQLite, 100,000 members, 5M entries
    .venv/bin/python bench/learning.py --postgres NAME       # the same in PostgreSQL database NAME
    .venv/bin/python bench/learning.py --members 20000 --entries 500000   # a quicker run
    .venv/bin/python bench/learning.py --rebuild             # build the data again

Builds once, then reuses (the member and entry counts are checked on each run): `migrate`,
`seed --members N` (the demo prefecture: its courses, plans, quizzes and classes too), then the
ledger entries by bulk load — PostgreSQL `COPY … FROM STDIN`, SQLite `executemany` in large
transactions — then every yearly total in one `INSERT … SELECT … GROUP BY` and the progress
job's table (services.refresh_study_progress). SQLite: var/bench/learning-<members>-<entries>
.sqlite3. PostgreSQL on 127.0.0.1:5432, user postgres; `VACUUM ANALYZE` after a build.

It then renders each page in process (Django test client, DEBUG off) and prints the number of
queries and the server time (median of 20 after a warm-up) against DESIGN §7 (a fixed number of
queries, ≤ 100 ms), and times the copy check over 5,000 synthetic reflections (≤ 60 s)."""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEAR = 2026
CHUNK = 100_000


def _manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _entry_rows(rng: random.Random, members: list[tuple[int, int]], start: int, n: int):
    """(member, organisation, year, on, hours, source_id) of `n` entries: a random member, a
    day in this year or (one in four) last year, 1–3 hours."""
    first = date(YEAR, 1, 1)
    for i in range(start, start + n):
        pk, org = members[rng.randrange(len(members))]
        on = first.replace(year=YEAR - (rng.randrange(4) == 0)) + timedelta(
            days=rng.randrange(0, 330)
        )
        yield pk, org, on.year, on.isoformat(), rng.choice((1, 2, 3)), i


def build(url: str, members: int, entries: int, *, postgres: bool) -> None:
    """Bring the database to `members` members and `entries` ledger entries."""
    _manage(url, "migrate", "-v0")
    os.environ["DATABASE_URL"] = url
    setup()
    from django.db import connection, transaction

    from learning.models import StudyRecord
    from organisations.models import Member

    if Member.objects.count() != members:
        _manage(url, "seed", "--members", str(members))
    made = StudyRecord.objects.count()
    if made >= entries:
        return
    rng = random.Random(11 + made)
    people = list(Member.objects.values_list("pk", "organisation_id"))
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    started = time.perf_counter()
    columns = (
        'member_id, organisation_id, year, "on", hours, source_kind, source_type, source_id, '
        "description, created_by_name, created_at"
    )
    while made < entries:
        n = min(CHUNK, entries - made)
        rows = _entry_rows(rng, people, made, n)
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                buffer = io.StringIO()
                for pk, org, year, on, hours, source in rows:
                    buffer.write(
                        f"{pk}\t{org}\t{year}\t{on}\t{hours}\tmeeting\tbench.activity\t"
                        f"{source}\t组织生活学习\toperator:bench\t{now}\n"
                    )
                with cursor.cursor.copy(
                    f"COPY learning_studyrecord ({columns}) FROM STDIN"
                ) as copy:
                    copy.write(buffer.getvalue())
            else:
                cursor.executemany(
                    f"INSERT INTO learning_studyrecord ({columns}) "
                    "VALUES (%s, %s, %s, %s, %s, 'meeting', 'bench.activity', %s, "
                    "'组织生活学习', 'operator:bench', %s)",
                    [(pk, org, y, on, h, str(src), now) for pk, org, y, on, h, src in rows],
                )
        made += n
        rate = made / (time.perf_counter() - started)
        print(f"\r{made:,} entries ({rate:,.0f}/s)", end="", flush=True)
    print()
    # Every yearly total from the ledger, in one statement (what the ledger's services keep).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM learning_studyyeartotal")
        cursor.execute(
            "INSERT INTO learning_studyyeartotal (member_id, year, hours, updated_at) "
            "SELECT member_id, year, SUM(hours), %s FROM learning_studyrecord "
            "GROUP BY member_id, year",
            [now],
        )
    from core.actors import operator
    from learning import services

    for year in (YEAR - 1, YEAR):
        services.refresh_study_progress(actor=operator("bench"), year=year)
    if postgres:
        connection.cursor().execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s")


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    # Plain HTTP in process: no redirect to HTTPS, no Secure-only cookies.
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SECURE_COOKIES"] = "0"
    import django

    django.setup()


def measure(client, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        client.get(url)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--essays", type=int, default=5000)
    parser.add_argument("--postgres", metavar="NAME", help="a PostgreSQL database name")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-copy-check", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        url = f"postgres://postgres@127.0.0.1:5432/{args.postgres}"
        if args.rebuild:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.postgres],
                check=True,
            )
        exists = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{args.postgres}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", args.postgres], check=True
            )
    else:
        db = ROOT / "var" / "bench" / f"learning-{args.members}-{args.entries}.sqlite3"
        db.parent.mkdir(parents=True, exist_ok=True)
        if args.rebuild and db.exists():
            db.unlink()
        url = f"sqlite:///{db}"
    build(url, args.members, args.entries, postgres=bool(args.postgres))
    os.environ["DATABASE_URL"] = url
    setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from accounts.models import User
    from learning.models import StudyRecord
    from organisations.models import Member, Organisation

    settings.ALLOWED_HOSTS = ["*"]
    # Static URLs without `collectstatic`'s manifest (`make bench` collects them; this need not).
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    print(
        f"{connection.vendor} {connection.settings_dict['NAME']}: "
        f"{Member.objects.count():,} members, {StudyRecord.objects.count():,} entries"
    )
    member = User.objects.get(username="member").member
    busiest = (
        StudyRecord.objects.filter(year=YEAR)
        .values("member_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("member_id", flat=True)[:1]
    )
    busiest_id = busiest[0]
    root = Organisation.objects.filter(depth=1).order_by("path").first()
    for username, url in (
        ("member", "/learning/"),
        ("admin", "/learning/hours/"),
        ("secretary_a", "/learning/hours/"),
        ("admin", f"/learning/members/{busiest_id}/hours/"),
        ("admin", f"/api/v1/learning/members/{member.pk}/hours/"),
        ("admin", f"/api/v1/learning/members/{busiest_id}/records/"),
        ("admin", f"/api/v1/learning/organisations/{root.pk}/progress/"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")
        queries, ms = measure(client, url)
        verdict = "PASS" if ms <= 100 else "FAIL"
        print(f"{username:12} {url:42} {queries:3} queries  {ms:7.1f} ms  {verdict}")
    if args.skip_copy_check:
        return

    from learning.similarity import Document, find_matches

    rng = random.Random(5)
    chars = (
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
        "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
        "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
        "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
        "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
        "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
        "几九区强放决西被干做必战先回则任取据处理府研"
    )
    docs = [
        Document(
            ("reflection", i),
            "\n".join(
                "".join(rng.choice(chars) for _ in range(rng.randrange(40, 120))) + "。"
                for _ in range(6)
            ),
        )
        for i in range(args.essays)
    ]
    docs.append(Document(("reflection", args.essays), docs[1].text.replace("的", "地", 3)))
    started = time.perf_counter()
    matches = find_matches(docs)
    seconds = time.perf_counter() - started
    print(
        f"copy check   {args.essays:,} essays  {seconds:5.1f} s  {len(matches)} flags  "
        f"{'PASS' if seconds <= 60 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
