"""Sustained public submissions to the party–masses channel, and the content scorer's cost.

    .venv/bin/python bench/outreach.py                 # 60 s, 4 clients, SQLite
    .venv/bin/python bench/outreach.py --seconds 20 --clients 8

A fresh SQLite database (var/bench/outreach.sqlite3) gets one area with a routing rule; the app
is served by gunicorn (2 sync workers, production settings, plain-HTTP cookies) on a free port
of 127.0.0.1 only. Each client loads the public form once (its CSRF cookie and token), then
posts submissions through the real form for the given time, each a different genuine text, so
none is held as repeated. The per-address limits are lifted for the run (every client shares
127.0.0.1). It prints requests/s, p50/p95 latency, server errors, and compares the number of
submissions acknowledged (302 to a tracking page) with the number stored: they must be equal.
Then it times the content scorer alone on a mix of genuine and spam texts (µs per message).

Bounded (time and clients), loopback only. The figures go to bench/results/outreach-*.json.
(The issue asked for locust; the repository's load generator — threads and http.client, as in
bench/member_list.py — does the same without another dependency.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.member_list import (  # noqa: E402
    BENCH_DIR,
    RESULTS_DIR,
    Server,
    Target,
    _cookies,
    manage,
    percentile,
    request,
)

SETUP = """
from organisations.models import Organisation
from outreach.models import Area, RoutingRule, ensure_default_categories
ensure_default_categories()
root = Organisation.add_root(name="压测工委", kind="committee", code="B0001", organ="压测")
area = Area.objects.create(name="压测村", kind="village")
RoutingRule.objects.create(area=area, organisation=root)
from outreach.models import Category
print(Category.objects.get(name="求助").pk, area.pk)
"""
COUNT = "from outreach.models import Request; print(Request.objects.count())"
TEXTS = [
    "德钦县城到飞来寺的公交车冬季停运了，游客和上班的人都很不方便，能否恢复早晚各一班？",
    "社区活动室的免费网络总是断，孩子们放学后来写作业查资料很不方便。",
    "建议在州政务服务中心增加藏语窗口，很多牧民不会说普通话，办事很困难。",
    "村口到小学的路灯坏了一个多月，晚上孩子上晚自习回家很危险。",
]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.acknowledged = 0
        self.errors = 0
        self.other: dict[int, int] = {}


def client(port: int, ids: tuple[int, int], stop: float, tally: Tally, number: int) -> None:
    category, area = ids
    status, headers, body = request(port, "GET", "/masses/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token or "csrftoken" not in cookies:
        with tally.lock:
            tally.other[status] = tally.other.get(status, 0) + 1
            tally.errors += status >= 500
        print(f"client {number}: the public form answered {status} without a CSRF token")
        return
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    sent = 0
    while time.monotonic() < stop:
        sent += 1
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "category": category,
            "area": area,
            "title": f"压测诉求 {number}-{sent}",
            "text": f"{TEXTS[sent % len(TEXTS)]}（第 {number}-{sent} 条）",
            "name": "",
            "phone": "",
            "website": "",
        }
        started = time.perf_counter()
        status, headers, _ = request(
            port,
            "POST",
            "/masses/",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Referer": f"http://127.0.0.1:{port}/masses/",
            },
            urlencode(form).encode(),
        )
        elapsed = (time.perf_counter() - started) * 1000
        location = dict((k.lower(), v) for k, v in headers).get("location", "")
        with tally.lock:
            tally.latencies.append(elapsed)
            if status == 302 and "/masses/track/" in location:
                tally.acknowledged += 1
            elif status >= 500:
                tally.errors += 1
            else:
                tally.other[status] = tally.other.get(status, 0) + 1


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
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    seconds = max(5, min(args.seconds, 600))
    clients = max(1, min(args.clients, 32))

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / "outreach.sqlite3"
    database.unlink(missing_ok=True)
    target = Target("sqlite", f"sqlite:///{database}")
    limits = {"OUTREACH_HOLD_PER_HOUR": "1000000000", "OUTREACH_REFUSE_PER_HOUR": "1000000000"}
    original_env = target.env

    def env() -> dict[str, str]:
        return {**original_env(), **limits}

    target.env = env  # type: ignore[method-assign]
    manage(target, "migrate", "--verbosity", "0")
    category, area = manage(target, "shell", "-c", SETUP, capture=True).split()[-2:]

    tally = Tally()
    with Server(target, workers=2) as server:
        stop = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=client, args=(server.port, (int(category), int(area)), stop, tally, n)
            )
            for n in range(clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    stored = int(manage(target, "shell", "-c", COUNT, capture=True).split()[-1])
    latencies = sorted(tally.latencies)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(elapsed, 1),
        "clients": clients,
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "server_errors": tally.errors,
        "other_statuses": tally.other,
        "acknowledged": tally.acknowledged,
        "stored": stored,
        "scorer_us_per_message": round(scorer_cost(), 1),
    }
    result["stored_equals_acknowledged"] = stored == tally.acknowledged
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"outreach-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    for key, value in result.items():
        print(f"{key:28} {value}")
    ok = (
        result["server_errors"] == 0
        and result["stored_equals_acknowledged"]
        and tally.acknowledged > 0
    )
    print("PASS" if ok else "FAIL", f"(figures in {out.relative_to(ROOT)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
