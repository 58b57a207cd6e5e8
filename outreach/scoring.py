"""The content scorer: does a public submission look like spam? (可疑内容识别)

It only decides whether a submission is *held for moderation*: a held one is stored, never
public, never dropped, and a moderator releases it or marks it spam. So the scorer leans
towards letting genuine voices through: single words that spam also uses (视频, 免费, 精品,
网站), one phone number, or a link to a government site add nothing on their own. What counts
is the shape of spam: long runs of '|'-separated titles (SEO keyword stuffing), several links
to one non-government site (a link farm), gambling and fake-certificate advertising in
combination, contact hooks (微信 / QQ群 / 加群) next to money, repeated token lists, and text
obfuscated with symbols or invisible characters between letters.

Each signal adds a weight with a reason the moderator reads; HOLD_AT or more holds.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HOLD_AT = 1.0

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+", re.IGNORECASE)
TAG = re.compile(r"<[^>]{0,200}>")
GOV_HOST = re.compile(r"(^|\.)(gov\.cn|gov|12345\.cn)$|\.gov\.cn$", re.IGNORECASE)
SEPARATED = re.compile(r"[|｜]")
INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
# A letter, then a symbol, then a letter again, several times: 博*彩, 赌.场, 办-证
OBFUSCATED = re.compile(r"(?:[\u4e00-\u9fff][\*\.\-_~·•#@/\\^]+){3,}[\u4e00-\u9fff]")

# Words that are spam's business, weighted; each group counts once.
GROUPS: dict[str, tuple[float, tuple[str, ...]]] = {
    "赌博广告": (
        0.8,
        (
            "博彩",
            "赌场",
            "百家乐",
            "六合彩",
            "时时彩",
            "彩金",
            "娱乐城",
            "返水",
            "首存",
            "体育投注",
            "电子游艺",
            "真人荷官",
            "老虎机",
            "太阳城",
            "葡京",
            "威尼斯人",
        ),
    ),
    "代办证件广告": (
        0.8,
        (
            "办理各类证件",
            "办证",
            "假证",
            "刻章",
            "代开发票",
            "发票代开",
            "一比一还原",
            "可查可验",
            "学信网可查",
            "包过",
        ),
    ),
    "色情广告": (
        0.9,
        ("无码", "午夜福利", "成人网站", "日韩精品", "国产精品", "一区二区", "av在线", "约炮"),
    ),
    "刷单兼职广告": (
        0.7,
        ("刷单", "日赚", "日结", "无需押金", "躺赚", "兼职招聘", "手机操作", "扫码进群"),
    ),
    "推广引流": (
        0.5,
        ("快速排名", "整站优化", "百度首页", "seo", "蜘蛛池", "外链", "霸屏", "引流"),
    ),
}
CONTACT_HOOK = re.compile(
    r"(加?微信|vx|v信|qq群?|扣扣|加群|进群|联系电话|电报|telegram)\s*[:：]?\s*[A-Za-z0-9_\-]{4,}",
    re.IGNORECASE,
)
MONEY_HOOK = re.compile(r"(送|返|赚|领)\s*\d*\s*(元|彩金|红包|%|百分百)|\d+\s*-\s*\d+\s*元?")


@dataclass
class Verdict:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, weight: float, reason: str) -> None:
        self.score += weight
        self.reasons.append(reason)

    @property
    def hold(self) -> bool:
        return self.score >= HOLD_AT


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to plain), lower case, no invisible characters."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _hosts(text: str) -> list[str]:
    hosts = []
    for match in URL.findall(text):
        url = match if "://" in match else "http://" + match
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = "?"
        hosts.append(host)
    return hosts


def score(*parts: str) -> Verdict:
    """Score the submission's text parts (title, text, name...) together."""
    raw = "\n".join(p for p in parts if p)
    verdict = Verdict()
    if not raw.strip():
        return verdict
    invisible = len(INVISIBLE.findall(raw))
    text = normalise(raw)
    plain = TAG.sub(" ", text)

    if invisible >= 3:
        verdict.add(0.6, f"含 {invisible} 个不可见字符")
    if OBFUSCATED.search(plain):
        verdict.add(0.6, "文字之间夹杂符号（疑似规避过滤）")
    if len(TAG.findall(text)) >= 3:
        verdict.add(0.3, "含 HTML 标记")

    segments = [s.strip() for s in SEPARATED.split(plain)]
    if len(segments) >= 6:
        short = [s for s in segments if 0 < len(s) <= 20]
        if len(short) >= 5:
            verdict.add(1.0, f"以“|”分隔的关键词堆砌（{len(short)} 段）")

    hosts = _hosts(text)
    foreign = [h for h in hosts if not GOV_HOST.search(h)]
    if len(foreign) >= 3:
        verdict.add(1.0, f"含 {len(foreign)} 个非政府网站链接")
    elif len(foreign) == 2:
        verdict.add(0.4, "含 2 个非政府网站链接")
    elif len(foreign) == 1:
        verdict.add(0.2, "含 1 个非政府网站链接")
    if foreign and Counter(foreign).most_common(1)[0][1] >= 2:
        verdict.add(0.4, "多次链接同一网站")

    matched_groups = []
    for name, (weight, words) in GROUPS.items():
        hits = [w for w in words if w in plain]
        if len(hits) >= 2:
            verdict.add(weight + 0.2 * (len(hits) - 2), f"{name}：{'、'.join(hits[:5])}")
            matched_groups.append(name)
        elif hits:
            verdict.add(weight / 3, f"{name}词语：{hits[0]}")
    if CONTACT_HOOK.search(plain):
        weight = 0.5 if (matched_groups or MONEY_HOOK.search(plain)) else 0.2
        verdict.add(weight, "留有社交账号引流")
    if MONEY_HOOK.search(plain) and matched_groups:
        verdict.add(0.3, "许诺钱财")

    tokens = [t for t in re.split(r"[\s,，、;；|｜/]+", plain) if t]
    if len(tokens) >= 12:
        counts = Counter(tokens)
        top, repeated = counts.most_common(1)[0]
        if repeated >= 4 and repeated / len(tokens) >= 0.25:
            verdict.add(0.8, f"同一词语重复 {repeated} 次：{top[:20]}")
        elif len(counts) / len(tokens) < 0.4:
            verdict.add(0.6, "词语大量重复")
    if len(plain) >= 40:
        characters = Counter(plain.replace(" ", ""))
        if characters.most_common(1)[0][1] / max(len(plain), 1) > 0.35:
            verdict.add(0.6, "同一字符大量重复")
    verdict.score = round(verdict.score, 2)
    return verdict
