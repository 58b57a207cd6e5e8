"""Locust users for bench/outreach.py: members of the public submitting through the real form.

Each iteration of a `Citizen` opens the public submission page (its CSRF cookie and token,
and the category and area lists the committee keeps), posts a request through the form, and
follows the 302 to its tracking page, as a browser does. The texts vary (a counter in each),
so none is held as repeated; about one in five is spam-like (keyword stuffing, gambling and
fake-certificate ads, link farms), so the content scorer and moderation hold are exercised:
held or not, the sender is acknowledged with the same redirect and code.

Run by bench/outreach.py (headless, loopback only, bounded); not meant to be pointed at any
other host. When locust quits it writes its own tally (acknowledged, server errors, other
statuses) and locust's final statistics to the JSON file named in BENCH_OUTREACH_TALLY;
bench/outreach.py compares the number acknowledged with the number of requests stored.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, events, task

GENUINE = [
    "德钦县城到飞来寺的公交车冬季停运了，游客和上班的人都很不方便，能否恢复早晚各一班？",
    "社区活动室的免费网络总是断，孩子们放学后来写作业查资料很不方便。",
    "建议在州政务服务中心增加藏语窗口，很多牧民不会说普通话，办事很困难。",
    "村口到小学的路灯坏了一个多月，晚上孩子上晚自习回家很危险。",
    "老年大学的视频课程很精品，建议多开几期，网站 http://www.yn.gov.cn 上报名总是满员。",
    "自来水这周停了三次，没有提前通知，家里有老人，请问什么时候能修好？",
]
SPAM = [
    "高清无码在线观看|日韩精品一区|国产免费视频网站|午夜福利影院|亚洲综合在线|精品一区二区三区|",
    "太阳城娱乐 注册就送彩金 网址：www.tyc{n}.example 首存百分百返水 电子游艺 体育投注",
    "专业办理各类证件 毕业证 驾驶证 资格证 一比一还原 可查可验 联系微信 zheng{n}",
    "http://a{n}.example http://b{n}.example http://c{n}.example http://d{n}.example 点击领取",
]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SELECT = r'<select name="{}"[^>]*>(.*?)</select>'
OPTION = re.compile(r'<option value="(\d+)"')

_sequence = itertools.count(1)
tally: dict = {"acknowledged": 0, "held_like": 0, "server_errors": 0, "other_statuses": {}}


def _options(html: str, name: str) -> list[str]:
    block = re.search(SELECT.format(name), html, re.S)
    return OPTION.findall(block.group(1)) if block else []


def _other(status: int) -> None:
    key = str(status)
    tally["other_statuses"][key] = tally["other_statuses"].get(key, 0) + 1
    if status >= 500:
        tally["server_errors"] += 1


class Citizen(HttpUser):
    # No think time: sustained load, each user submits again as soon as it has its page.

    @task
    def submit_and_track(self) -> None:
        with self.client.get("/masses/", name="GET /masses/", catch_response=True) as page:
            token = TOKEN.search(page.text or "")
            categories = _options(page.text or "", "category")
            areas = _options(page.text or "", "area")
            if page.status_code != 200 or not token or not categories or not areas:
                page.failure(f"form without token or choices ({page.status_code})")
                _other(page.status_code)
                return
        n = next(_sequence)
        spam = n % 5 == 0
        if spam:
            text = SPAM[n % len(SPAM)].format(n=n) + f" {n}"
            title = "免费领取" if n % 2 else "高清精品"
        else:
            text = f"{random.choice(GENUINE)}（第 {n} 条，{random.randint(1, 9999)}）"
            title = f"关于{random.choice(['交通', '供水', '网络', '办事', '照明'])}的诉求 {n}"
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "category": random.choice(categories),
            "area": random.choice(areas),
            "title": title,
            "text": text,
            "name": random.choice(["", "", "扎西", "李女士"]),
            "phone": random.choice(["", f"139{random.randint(0, 99_999_999):08d}"]),
            "website": "",
        }
        referer = {"Referer": f"{self.host}/masses/"}
        with self.client.post(
            "/masses/",
            data=form,
            headers=referer,
            name="POST /masses/",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            location = answer.headers.get("Location", "")
            if answer.status_code != 302 or "/masses/track/" not in location:
                answer.failure(f"not acknowledged ({answer.status_code})")
                _other(answer.status_code)
                return
            tally["acknowledged"] += 1
            tally["held_like"] += spam
        with self.client.get(
            location, name="GET /masses/track/[code]/", catch_response=True
        ) as track:
            if track.status_code != 200:
                track.failure(f"tracking page {track.status_code}")
                _other(track.status_code)


def _figures(entry) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "requests_per_second": round(entry.total_rps, 1),
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
    }


@events.quitting.add_listener
def _write_tally(environment, **_kwargs) -> None:
    """After the last user has stopped: the tally and locust's final statistics."""
    path = os.environ.get("BENCH_OUTREACH_TALLY")
    if not path:
        return
    stats = environment.stats
    tally["total"] = _figures(stats.total)
    tally["per_request"] = {name: _figures(entry) for (name, _), entry in stats.entries.items()}
    with open(path, "w") as out:
        json.dump(tally, out, ensure_ascii=False)
