"""Speed of the learning app at scale: a member's "my study" page and the committee's hours
dashboard over a large ledger, and the copy check over thousands of reflections.

    .venv/bin/python bench/learning.py                          # 100,000 members, 5,000,000 entries
    .venv/bin/python bench/learning.py --members 20000 --entries 500000   # a quicker run

Builds (once, then reuses) var/bench/learning-<members>-<entries>.sqlite3: `seed --members N`,
then the ledger entries and their yearly totals by bulk insert. It then renders each page in
process (Django test client, DEBUG off) and prints the number of queries and the server time
(median of 20 after a warm-up), against DESIGN §7 (a fixed number of queries, ≤ 100 ms), and
times services.check_copies over 5,000 synthetic reflections (target ≤ 60 s)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(db: Path, members: int, entries: int) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "seed", "--members", str(members)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    setup()
    from django.db import transaction
    from django.db.models import Sum

    from learning.models import StudyRecord, StudyYearTotal
    from organisations.models import Member

    rng = random.Random(11)
    rows = list(Member.objects.values_list("pk", "organisation_id"))
    year = 2026
    batch: list[StudyRecord] = []
    made = StudyRecord.objects.count()
    while made < entries:
        pk, org = rows[rng.randrange(len(rows))]
        day = rng.randrange(1, 330)
        from datetime import date, timedelta

        on = date(year - rng.choice((0, 0, 0, 1)), 1, 1) + timedelta(days=day)
        batch.append(
            StudyRecord(
                member_id=pk,
                organisation_id=org,
                year=on.year,
                on=on,
                hours=rng.choice((1, 2, 3)),
                source_kind="meeting",
                source_type="bench.activity",
                source_id=str(made),
                description="组织生活学习",
                created_by_name="operator:bench",
            )
        )
        made += 1
        if len(batch) == 20000:
            with transaction.atomic():
                StudyRecord.objects.bulk_create(batch)
            batch = []
            print(f"\r{made:,} entries", end="", flush=True)
    if batch:
        StudyRecord.objects.bulk_create(batch)
    print()
    StudyYearTotal.objects.all().delete()
    StudyYearTotal.objects.bulk_create(
        [
            StudyYearTotal(member_id=r["member_id"], year=r["year"], hours=r["t"])
            for r in StudyRecord.objects.values("member_id", "year")
            .annotate(t=Sum("hours"))
            .order_by()
        ],
        batch_size=5000,
    )


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
    args = parser.parse_args()
    db = ROOT / "var" / "bench" / f"learning-{args.members}-{args.entries}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        build(db, args.members, args.entries)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    # Static URLs without `collectstatic`'s manifest (`make bench` collects them; this need not).
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    for username, url in (
        ("member", "/learning/"),
        ("admin", "/learning/hours/"),
        ("secretary_a", "/learning/hours/"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")
        queries, ms = measure(client, url)
        verdict = "PASS" if ms <= 100 else "FAIL"
        print(f"{username:12} {url:18} {queries:3} queries  {ms:7.1f} ms  {verdict}")

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
