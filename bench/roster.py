"""Speed and memory of the 花名册 round trip: import preview and apply, and the export.

    .venv/bin/python bench/roster.py             # the full run (about three minutes)
    .venv/bin/python bench/roster.py --quick     # 1/10 of the sizes, for a smoke run
    .venv/bin/python bench/roster.py --rebuild   # re-seed the 100,000-member export database

Each measurement runs in its own child process (a fresh interpreter, so its peak RSS is its
own) against SQLite databases under var/bench/roster/, with production settings (DEBUG off):

* preview of a messy 10,000-row .xlsx (title rows, mixed date formats, minority names,
  full-width digits) and its apply (10,000 new members), against DESIGN budgets of 10 s and
  20 s on this machine; then the same file again (all unchanged) and a 10,000-row update;
* preview of a 10,000-row .xls (the old binary format), against the same 10 s;
* peak RSS of previewing 10,000 vs 50,000 rows (openpyxl read-only streaming: flat in rows,
  except for the workbook's shared-strings table, which openpyxl holds in memory);
* the member export (write-only workbook from a streamed queryset) of 20,000 vs 100,000
  members, masked and with clear ID numbers.

It prints the figures and writes them to bench/results/roster-<time>.json. Exit status 0
even when a budget is missed (`--strict` makes that exit 1): the figures are the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "roster"
RESULTS = ROOT / "bench" / "results"
IMPORT_DB = WORK / "import.sqlite3"
EXPORT_DB = WORK / "export.sqlite3"
BRANCHES = 20
BUDGETS = {"preview_10k_s": 10.0, "apply_10k_s": 20.0, "preview_xls_10k_s": 10.0}


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------------
# Child steps (run with Django set up against one bench database)


def _django(database: Path) -> None:
    os.environ.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="0",
        MEDIA_ROOT=str(WORK / "media"),
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _admin():
    from accounts.models import User

    return User.objects.get(username="bench-admin")


def _target():
    from organisations.models import Organisation

    return Organisation.objects.get(code="BENCH-CZ")


def step_setup(rows: list[int]) -> dict:
    """A fresh import database: a committee, one party committee with 20 branches, an admin;
    and the roster files."""
    _django(IMPORT_DB)
    from django.core.management import call_command

    from accounts.models import Role, User
    from organisations.models import Organisation
    from roster.tests import samples

    call_command("migrate", verbosity=0)
    root = Organisation.objects.add_root(
        instance=Organisation(name="中共迪庆州直属机关工作委员会", kind="committee", code="BENCH")
    )
    target = Organisation.objects.add_child(
        root,
        instance=Organisation(
            name="中共迪庆州财政局委员会", kind="party_committee", code="BENCH-CZ"
        ),
    )
    names = []
    for n in range(1, BRANCHES + 1):
        target.refresh_from_db()
        branch = Organisation.objects.add_child(
            target,
            instance=Organisation(
                name=f"中共迪庆州财政局第{n}支部委员会", kind="branch", code=f"BENCH-CZ-{n:02d}"
            ),
        )
        names.append(branch.name.removeprefix("中共").removesuffix("委员会"))
    User.objects.create(username="bench-admin", role=Role.COMMITTEE_ADMIN)
    timings = {}
    for count in rows:
        started = time.perf_counter()
        samples.synthetic_roster(WORK / f"roster-{count}.xlsx", count, branches=names, seed=count)
        timings[f"generate_{count}_s"] = round(time.perf_counter() - started, 2)
    # The same kind of file in the old binary .xls (other people: previewed as new rows).
    samples.synthetic_roster(WORK / f"roster-{rows[0]}.xls", rows[0], branches=names, seed=7)
    _update_file(rows[0], names)
    return timings


def _update_file(count: int, names: list[str]) -> None:
    """The first file again with every phone number changed: 10,000 updates."""
    import random

    from roster.tests import samples

    # The same people as synthetic_roster made for this seed, with other phone numbers.
    rng = random.Random(count)
    used: set[str] = set()
    people = [samples.person(rng, branch=rng.choice(names), used=used) for _ in range(count)]
    rows = [samples.row_for(rng, i, p) for i, p in enumerate(people, start=1)]
    for row in rows:
        row[12] = f"137{rng.randrange(10**8):08d}"
    samples.write_workbook(WORK / f"roster-{count}-update.xlsx", rows, write_only=True)


def _upload(path: Path):
    from django.core.files import File

    from roster import services

    with path.open("rb") as handle:
        return services.batch_upload(
            actor=_admin(), organisation=_target(), upload=File(handle, name=path.name)
        )


def step_preview(path: str, apply: bool) -> dict:
    _django(IMPORT_DB)
    from roster import services

    baseline = rss_mb()
    started = time.perf_counter()
    batch = _upload(Path(path))
    uploaded = time.perf_counter()
    batch = services.batch_preview(batch=batch, actor=_admin())
    previewed = time.perf_counter()
    result = {
        "file": Path(path).name,
        "upload_s": round(uploaded - started, 2),
        "preview_s": round(previewed - uploaded, 2),
        "outcomes": {k: v for k, v in batch.summary.items() if v},
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(rss_mb("VmHWM"), 1),
    }
    if apply:
        batch = services.batch_apply(batch=batch, actor=_admin())
        result["apply_s"] = round(time.perf_counter() - previewed, 2)
        result["applied"] = {k: batch.summary.get(k, 0) for k in ("created", "updated")}
        result["batch"] = batch.code
        result["peak_rss_mb"] = round(rss_mb("VmHWM"), 1)
    return result


def step_rollback(code: str) -> dict:
    _django(IMPORT_DB)
    from roster import services
    from roster.models import ImportBatch

    started = time.perf_counter()
    services.batch_rollback(batch=ImportBatch.objects.get(code=code), actor=_admin())
    return {"rollback_s": round(time.perf_counter() - started, 2)}


def step_seed_export(members: int) -> dict:
    _django(EXPORT_DB)
    from django.core.management import call_command

    from demo.seeding import seed

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(members=members, seed_value=2016)
    return {"seed_s": round(time.perf_counter() - started, 1)}


def step_export(limit: int, reveal: bool) -> dict:
    _django(EXPORT_DB)
    from organisations.models import Member
    from roster.exports import write_roster

    baseline = rss_mb()
    ids = Member.objects.order_by("pk").values_list("pk", flat=True)[limit - 1 : limit]
    last = ids[0]
    members = (
        Member.objects.filter(pk__lte=last)
        .select_related("organisation")
        .order_by("name_pinyin", "id")
        .iterator(chunk_size=2000)
    )
    started = time.perf_counter()
    output, count = write_roster(members, unit_name="中共迪庆州直属机关工作委员会", reveal=reveal)
    elapsed = time.perf_counter() - started
    size = output.seek(0, 2)
    return {
        "members": count,
        "reveal": reveal,
        "export_s": round(elapsed, 2),
        "file_mb": round(size / 2**20, 1),
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(rss_mb("VmHWM"), 1),
    }


STEPS = {
    "setup": lambda a: step_setup([int(x) for x in a]),
    "preview": lambda a: step_preview(a[0], apply=False),
    "apply": lambda a: step_preview(a[0], apply=True),
    "rollback": lambda a: step_rollback(a[0]),
    "seed-export": lambda a: step_seed_export(int(a[0])),
    "export": lambda a: step_export(int(a[0]), reveal=a[1] == "reveal"),
}


# --------------------------------------------------------------------------------------------
# Parent


def child(step: str, *args) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", step, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"bench step {step} {args} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--rebuild", action="store_true", help="re-seed the export database")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        step, *args = options.child
        print(json.dumps(STEPS[step](args), ensure_ascii=False))
        return 0

    scale = 10 if options.quick else 1
    small, large = 10_000 // scale, 50_000 // scale
    export_small, export_large = 20_000 // scale, 100_000 // scale
    shutil.rmtree(WORK / "media", ignore_errors=True)
    IMPORT_DB.unlink(missing_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    figures: dict = {"machine": f"{platform.node()} {os.cpu_count()} CPU", "quick": options.quick}

    print(f"roster bench: generating {small:,} and {large:,}-row messy rosters …", flush=True)
    figures["setup"] = child("setup", small, large)
    print(f"  preview {small:,} rows …", flush=True)
    figures["preview_large"] = child("preview", WORK / f"roster-{large}.xlsx")
    print(f"  preview {small:,} rows of an .xls …", flush=True)
    figures["preview_xls"] = child("preview", WORK / f"roster-{small}.xls")
    figures["apply"] = child("apply", WORK / f"roster-{small}.xlsx")
    print(f"  again (all unchanged), then {small:,} updates, then roll those back …", flush=True)
    figures["reimport"] = child("preview", WORK / f"roster-{small}.xlsx")
    figures["update"] = child("apply", WORK / f"roster-{small}-update.xlsx")
    figures["rollback_update"] = child("rollback", figures["update"]["batch"])
    figures["rollback_create"] = child("rollback", figures["apply"]["batch"])

    seeded = WORK / "export.members"  # how many members the export database holds
    if options.rebuild or not seeded.exists() or seeded.read_text() != str(export_large):
        EXPORT_DB.unlink(missing_ok=True)
        print(f"  seeding {export_large:,} members for the export …", flush=True)
        figures["export_seed"] = child("seed-export", export_large)
        seeded.write_text(str(export_large))
    print("  exporting …", flush=True)
    figures["export"] = [
        child("export", export_small, "masked"),
        child("export", export_large, "masked"),
        child("export", export_large, "reveal"),
    ]

    apply, large_preview = figures["apply"], figures["preview_large"]
    checks = {
        f"preview {small:,} rows ≤ {BUDGETS['preview_10k_s']:.0f} s": apply["preview_s"]
        <= BUDGETS["preview_10k_s"],
        f"apply {small:,} rows ≤ {BUDGETS['apply_10k_s']:.0f} s": apply["apply_s"]
        <= BUDGETS["apply_10k_s"],
        f"preview {small:,} rows of an .xls ≤ {BUDGETS['preview_xls_10k_s']:.0f} s": figures[
            "preview_xls"
        ]["preview_s"]
        <= BUDGETS["preview_xls_10k_s"],
    }
    print()
    print(f"Import ({figures['machine']}, SQLite)")
    for label, result in (
        (f"{small:,} new rows", apply),
        (f"{small:,} new, .xls", figures["preview_xls"]),
        (f"{small:,} unchanged", figures["reimport"]),
        (f"{small:,} updates", figures["update"]),
    ):
        line = (
            f"  {label:<18} upload {result['upload_s']:>5.2f} s"
            f"   preview {result['preview_s']:>5.2f} s"
        )
        if "apply_s" in result:
            line += f"   apply {result['apply_s']:>5.2f} s"
        print(line + f"   {result['outcomes']}")
    print(
        f"  rollback           {small:,} updates {figures['rollback_update']['rollback_s']:.2f} s,"
        f" {small:,} creations {figures['rollback_create']['rollback_s']:.2f} s"
    )
    print("Preview memory (peak RSS of the process; baseline = Django loaded)")
    for label, result in ((f"{small:,} rows", apply), (f"{large:,} rows", large_preview)):
        print(
            f"  {label:<12} peak {result['peak_rss_mb']:>6.1f} MB"
            f" (baseline {result['baseline_rss_mb']:.1f} MB)  preview {result['preview_s']:.2f} s"
        )
    print("Export (write-only workbook, streamed queryset)")
    for result in figures["export"]:
        kind = "clear IDs" if result["reveal"] else "masked"
        print(
            f"  {result['members']:>7,} members {kind:<9} {result['export_s']:>6.2f} s"
            f"  {result['file_mb']:>5.1f} MB file  peak {result['peak_rss_mb']:>6.1f} MB"
            f" (baseline {result['baseline_rss_mb']:.1f} MB)"
        )
    print("Budgets")
    for label, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    figures["checks"] = checks
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"roster-{stamp}.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 1 if options.strict and not all(checks.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
