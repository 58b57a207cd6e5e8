"""Organisational life at province scale: compliance for 10,000 organisations over 12 months.

    .venv/bin/python bench/meetings.py                 # PostgreSQL (BENCH_MEETINGS_DB or
                                                       # postgres://postgres@127.0.0.1:5432/dj_meetings10)
    .venv/bin/python bench/meetings.py --sqlite        # var/bench/meetings.sqlite3
    .venv/bin/python bench/meetings.py --rebuild       # drop the data and build it again

Builds (once) a committee with 100 party committees of 99 branches each (10,001
organisations, written as rows with their tree paths), a year of meetings for them (monthly theme
days and committee meetings, quarterly assemblies: about 280,000 meetings), then measures:

1. `meetings.compliance.recompute` for the whole year (target DESIGN/issue 10: ≤ 60 s on
   PostgreSQL; set-based — one grouped count of the meetings, one read of the committee seats,
   a bulk replace of the cells);
2. the committee admin's compliance dashboard: queries (fixed) and server time (target
   ≤ 100 ms), cold and warm;
3. recording a meeting with 50 attendees: its queries, without and with a study part (the
   latter calls the learning ledger once per member).

Results go to bench/results/meetings-<db>.json."""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTY_COMMITTEES = 100
BRANCHES_EACH = 99
YEAR = 2025
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(n: int) -> str:
    out = ""
    for _ in range(4):
        n, digit = divmod(n, 36)
        out = ALPHABET[digit] + out
    return out


def setup(args) -> str:
    if args.sqlite:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ROOT / 'var' / 'bench' / 'meetings.sqlite3'}"
    else:
        url = os.environ.get(
            "BENCH_MEETINGS_DB", "postgres://postgres@127.0.0.1:5432/dj_meetings10"
        )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return "sqlite" if args.sqlite else "postgres"


def build(rebuild: bool) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from meetings.models import ComplianceResult, Meeting, MeetingOrganisation
    from meetings.rules import ensure_default_rule_set
    from organisations.models import Member, Organisation
    from organisations.tests.factories import MemberFactory

    expected = 1 + PARTY_COMMITTEES * (1 + BRANCHES_EACH)
    if not rebuild and Organisation.objects.count() == expected:
        return
    print("building", expected, "organisations and a year of meetings …", flush=True)
    with transaction.atomic():
        ComplianceResult.objects.all().delete()
        MeetingOrganisation.objects.all().delete()
        Meeting.objects.all().delete()
        User.objects.filter(username__startswith="bench_").delete()
        Member.objects.all().delete()
        Organisation.objects.all().delete()
    ensure_default_rule_set()
    orgs = [
        Organisation(
            path=_step(1),
            depth=1,
            numchild=PARTY_COMMITTEES,
            name="基准工委",
            kind="committee",
            code="B",
            founded_on=date(1990, 1, 1),
        )
    ]
    for p in range(1, PARTY_COMMITTEES + 1):
        orgs.append(
            Organisation(
                path=_step(1) + _step(p),
                depth=2,
                numchild=BRANCHES_EACH,
                name=f"基准第{p}党委",
                kind="party_committee",
                code=f"B{p:03d}",
                founded_on=date(1990, 1, 1),
            )
        )
        for b in range(1, BRANCHES_EACH + 1):
            orgs.append(
                Organisation(
                    path=_step(1) + _step(p) + _step(b),
                    depth=3,
                    numchild=0,
                    name=f"基准第{p}党委第{b}支部",
                    kind="branch",
                    code=f"B{p:03d}-{b:03d}",
                    # one branch in fifty founded mid-year: its early months are not applicable
                    founded_on=date(YEAR, 6, 15) if b % 50 == 0 else date(1990, 1, 1),
                )
            )
    Organisation.objects.bulk_create(orgs, batch_size=5000)
    rng = random.Random(10)
    branches = list(Organisation.objects.filter(kind="branch").values_list("pk", flat=True))
    meetings = []
    owners = []
    for org_id in branches:
        lax = rng.random() < 0.15
        for month in range(1, 13):
            day = rng.randint(1, 25)
            for kind, hour in (("theme_day", 15), ("committee_meeting", 9)):
                if lax and rng.random() < 0.3:
                    continue
                start = timezone.make_aware(datetime(YEAR, month, day, hour))
                meetings.append(
                    Meeting(
                        organisation_id=org_id,
                        kind=kind,
                        status="held",
                        title=kind,
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        due_count=20,
                        present_count=18,
                        voting_due=18,
                        voting_present=16,
                        quorum_met=rng.random() > 0.03,
                    )
                )
                owners.append(org_id)
            if month in (3, 6, 9, 12):
                start = timezone.make_aware(datetime(YEAR, month, day, 14))
                meetings.append(
                    Meeting(
                        organisation_id=org_id,
                        kind="member_assembly",
                        status="held",
                        title="assembly",
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        quorum_met=rng.random() > 0.05,
                    )
                )
                owners.append(org_id)
    for chunk in range(0, len(meetings), 20000):
        with transaction.atomic():
            created = Meeting.objects.bulk_create(meetings[chunk : chunk + 20000])
            MeetingOrganisation.objects.bulk_create(
                MeetingOrganisation(meeting_id=m.pk, organisation_id=m.organisation_id)
                for m in created
            )
    # Committees (3 seats) in every second branch, so committee meetings apply there.
    from organisations.models import Position

    first = Organisation.objects.filter(kind="branch").order_by("path").first()
    seat_holder = MemberFactory(organisation=first, name="基准委员")
    Position.objects.bulk_create(
        Position(
            organisation_id=org_id,
            member=seat_holder,
            title="committee_member",
            term_start=date(2023, 1, 1),
            term_end=date(2026, 1, 1),
        )
        for org_id in branches[::2]
        for _ in range(3)
    )
    User.objects.create_user(
        username="bench_admin", password="x", role=Role.COMMITTEE_ADMIN, must_change_password=False
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"built {len(orgs)} organisations, {len(meetings)} meetings", flush=True)


def measure() -> dict:
    from django.db import connection, reset_queries, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from core.actors import operator
    from meetings import compliance, services
    from meetings.models import ComplianceResult, Meeting, MeetingStatus
    from organisations.models import Organisation
    from organisations.tests.factories import MemberFactory

    results: dict = {}
    start = time.perf_counter()
    written = compliance.recompute(years=[YEAR], today=date(YEAR + 1, 1, 15))
    results["recompute_seconds"] = round(time.perf_counter() - start, 2)
    results["cells"] = written
    results["organisations"] = Organisation.objects.count()
    print(f"recompute {YEAR}: {written} cells in {results['recompute_seconds']} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE meetings_complianceresult")

    client = Client()
    client.force_login(User.objects.get(username="bench_admin"))
    client.get(reverse("core:home"))
    root = Organisation.objects.get(depth=1)
    committee = Organisation.objects.filter(depth=2).order_by("path").first()
    for label, organisation in (("committee", root), ("party_committee", committee)):
        url = (
            reverse("meetings:compliance_dashboard")
            + f"?organisation={organisation.pk}&year={YEAR}"
        )
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200
        times = []
        for _ in range(5):
            begin = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - begin) * 1000)
        results[f"dashboard_{label}"] = {
            "queries": len(executed),
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
        }
        print(f"dashboard ({label}): {results[f'dashboard_{label}']}", flush=True)

    # Recording a meeting with 50 attendees, in a rolled-back transaction.
    branch = Organisation.objects.filter(kind="branch").order_by("-path").first()
    actor = operator("bench")

    class Rollback(Exception):
        pass

    for hours in (0, 2):
        try:
            with transaction.atomic():
                crowd = [
                    MemberFactory(
                        organisation=branch, birth_date=date(1970, 1, 1) + timedelta(days=i)
                    )
                    for i in range(50)
                ]
                meeting = Meeting.objects.create(
                    organisation=branch,
                    kind="theme_day",
                    status=MeetingStatus.PLANNED,
                    title="bench",
                    starts_at=timezone.now() - timedelta(days=1),
                    ends_at=timezone.now() - timedelta(days=1) + timedelta(hours=2),
                    study_hours=hours,
                )
                meeting.participations.create(organisation=branch)
                reset_queries()
                rows = [services.AttendanceRow(member_id=m.pk, status="present") for m in crowd]
                begin = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    services.attendance_record(actor=actor, meeting=meeting, rows=rows)
                results[f"record_50_attendees_study_{hours}"] = {
                    "queries": len(queries.captured_queries),
                    "ms": round((time.perf_counter() - begin) * 1000, 1),
                }
                raise Rollback
        except Rollback:
            pass
        figures = results[f"record_50_attendees_study_{hours}"]
        print(f"record 50 attendees (study {hours} h): {figures}")
    results["cells_by_status"] = dict(
        ComplianceResult.objects.values_list("status")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("pk"))
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    db = setup(args)
    build(args.rebuild)
    results = measure()
    results["database"] = db
    results["passed"] = {
        "recompute_le_60s": results["recompute_seconds"] <= 60,
        "dashboard_le_100ms": results["dashboard_committee"]["median_ms"] <= 100,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"meetings-{db}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results["passed"]))


if __name__ == "__main__":
    main()
