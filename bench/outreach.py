"""Sustained public submissions to the party–masses channel under locust, and the scorer's cost.

    .venv/bin/python bench/outreach.py                 # 60 s, 8 locust users, SQLite
    .venv/bin/python bench/outreach.py --seconds 10 --users 4      # a quick run

A fresh SQLite database (var/bench/outreach.sqlite3) gets two areas, one with a routing rule;
the app is served by gunicorn (2 sync workers, production settings, plain-HTTP cookies) on a
free port of 127.0.0.1 only. Locust (headless, in its own process, --only-summary) runs the
users of bench/outreach_locustfile.py against it for the given time: each opens the public
form (CSRF cookie and token), submits a request through it (varied texts, one in five
spam-like, so moderation holds some) and follows the redirect to its tracking page.

The per-address limits (settings OUTREACH_HOLD_PER_HOUR, OUTREACH_REFUSE_PER_HOUR) are lifted
in the bench's own gunicorn process only, since every user shares 127.0.0.1; otherwise the
61st submission of the hour would be a 429 and this would be a rate-limit test. The limits
themselves are tested in outreach/tests.

It prints requests/s, p50/p95 latency (from locust's statistics), server errors, and compares
the number of submissions acknowledged (302 to a tracking page) with the number stored: they
must be equal. Then it times the content scorer alone on a mix of genuine and spam texts
(µs per message). Bounded (time and users), loopback only. The figures go to
bench/results/outreach-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.member_list import (  # noqa: E402
    BENCH_DIR,
    HOST,
    RESULTS_DIR,
    VENV_BIN,
    Server,
    Target,
    manage,
)

LOCUSTFILE = ROOT / "bench" / "outreach_locustfile.py"
# For the bench's own server process only: every locust user shares 127.0.0.1.
LIFTED_LIMITS = {
    "OUTREACH_HOLD_PER_HOUR": "1000000000",
    "OUTREACH_REFUSE_PER_HOUR": "1000000000",
}
SETUP = """
from organisations.models import Organisation
from outreach.models import Area, RoutingRule, ensure_default_categories
ensure_default_categories()
root = Organisation.add_root(name="压测工委", kind="committee", code="B0001", organ="压测")
area = Area.objects.create(name="压测村", kind="village")
Area.objects.create(name="压测社区", kind="community")
RoutingRule.objects.create(area=area, organisation=root)
"""
COUNT = """
from outreach.models import Request, Status
print(Request.objects.count(), Request.objects.filter(status=Status.HELD).count())
"""
TEXTS = [
    "德钦县城到飞来寺的公交车冬季停运了，游客和上班的人都很不方便，能否恢复早晚各一班？",
    "社区活动室的免费网络总是断，孩子们放学后来写作业查资料很不方便。",
    "建议在州政务服务中心增加藏语窗口，很多牧民不会说普通话，办事很困难。",
    "村口到小学的路灯坏了一个多月，晚上孩子上晚自习回家很危险。",
]


def run_locust(port: int, seconds: int, users: int) -> tuple[dict, str]:
    """Locust headless against 127.0.0.1:port: its tally and final statistics, its summary."""
    tally_path = BENCH_DIR / "outreach-tally.json"
    tally_path.unlink(missing_ok=True)
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "30",  # users finish the submission they are in: nothing acknowledged is cut off
        "--host",
        f"http://{HOST}:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "BENCH_OUTREACH_TALLY": str(tally_path)}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    if not tally_path.exists():
        raise RuntimeError(f"locust ended ({done.returncode}) without its tally:\n{done.stderr}")
    return json.loads(tally_path.read_text()), done.stdout + done.stderr


def scorer_cost(rounds: int = 2000) -> float:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from outreach.scoring import score

    samples = TEXTS + [
        "高清无码在线观看|日韩精品一区|国产免费视频网站|午夜福利影院|亚洲综合在线|精品一区二区三区|",
        "太阳城娱乐 注册就送彩金 网址：www.tyc9999.example 首存百分百返水 电子游艺 体育投注",
        "专业办理各类证件 毕业证 驾驶证 资格证 一比一还原 可查可验 联系微信 zheng888",
        "老年大学的视频课程很精品，建议多开几期，网站 http://www.yn.gov.cn 上报名总是满员。" * 5,
    ]
    started = time.perf_counter()
    for index in range(rounds):
        score("标题", samples[index % len(samples)])
    return (time.perf_counter() - started) / rounds * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="locust run time (5–600)")
    parser.add_argument("--users", type=int, default=8, help="locust users (1–64)")
    args = parser.parse_args(argv)
    seconds = max(5, min(args.seconds, 600))
    users = max(1, min(args.users, 64))

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / "outreach.sqlite3"
    database.unlink(missing_ok=True)
    target = Target("sqlite", f"sqlite:///{database}")
    original_env = target.env

    def env() -> dict[str, str]:
        return {**original_env(), **LIFTED_LIMITS}

    target.env = env  # type: ignore[method-assign]
    manage(target, "migrate", "--verbosity", "0")
    # The production static storage (hashed names, manifest) needs collectstatic under DEBUG=0.
    manage(target, "collectstatic", "--noinput", "--verbosity", "0")
    manage(target, "shell", "-c", SETUP, capture=True)
    print(
        "Per-address limits lifted for the bench's own server only (all users share "
        f"{HOST}): " + ", ".join(f"{k}={v}" for k, v in LIFTED_LIMITS.items()),
        flush=True,
    )
    print(f"locust: {users} users, {seconds} s, headless, against {HOST} only …", flush=True)

    with Server(target, workers=2) as server:
        started = time.monotonic()
        tally, summary = run_locust(server.port, seconds, users)
        elapsed = time.monotonic() - started
    stored, held = (int(n) for n in manage(target, "shell", "-c", COUNT, capture=True).split()[-2:])
    total = tally["total"]
    submit = tally["per_request"].get("POST /masses/", total)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {sys.platform}",
        "load": f"locust {users} users (no think time), {seconds} s; gunicorn 2 sync workers",
        "seconds": round(elapsed, 1),
        "users": users,
        "limits_lifted_for_bench_server": LIFTED_LIMITS,
        "requests": total["requests"],
        "requests_per_second": total["requests_per_second"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "submissions": submit["requests"],
        "submissions_per_second": submit["requests_per_second"],
        "submit_p50_ms": submit["p50_ms"],
        "submit_p95_ms": submit["p95_ms"],
        "per_request": tally["per_request"],
        "locust_failures": total["failures"],
        "server_errors": tally["server_errors"],
        "other_statuses": tally["other_statuses"],
        "acknowledged": tally["acknowledged"],
        "stored": stored,
        "held_for_moderation": held,
        "spam_like_sent": tally["held_like"],
        "scorer_us_per_message": round(scorer_cost(), 1),
    }
    result["stored_equals_acknowledged"] = stored == tally["acknowledged"]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"outreach-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(summary.strip())
    for key, value in result.items():
        if key != "per_request":
            print(f"{key:30} {value}")
    ok = (
        result["server_errors"] == 0
        and result["locust_failures"] == 0
        and result["stored_equals_acknowledged"]
        and tally["acknowledged"] > 0
    )
    print("PASS" if ok else "FAIL", f"(figures in {out.relative_to(ROOT)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
