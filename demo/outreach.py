"""The demo prefecture's party–masses channel: areas, routing rules, a few hundred requests
over the past year in every state (some overdue, some reopened, a few held as spam),
consultations and 微心愿. Synthetic; inserted in bulk, recorded by the seed's one audit event."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from core.workdays import add_workdays
from organisations.models import Member, MemberStatus, Organisation, OrganisationKind
from outreach.models import (
    Area,
    AreaKind,
    Category,
    Consultation,
    ConsultationResponse,
    EntryKind,
    Rating,
    Request,
    RequestEntry,
    RequestKind,
    RoutingRule,
    Status,
    ensure_default_categories,
)
from outreach.scoring import score

from .names import person_name

AREAS = [
    ("建塘镇北门社区", AreaKind.COMMUNITY),
    ("建塘镇香巴拉社区", AreaKind.COMMUNITY),
    ("建塘镇金龙社区", AreaKind.COMMUNITY),
    ("建塘镇尼史村", AreaKind.VILLAGE),
    ("建塘镇红坡村", AreaKind.VILLAGE),
    ("小中甸镇联合村", AreaKind.VILLAGE),
    ("升平镇阿东村", AreaKind.VILLAGE),
    ("升平镇巨水村", AreaKind.VILLAGE),
    ("奔子栏镇奔子栏村", AreaKind.VILLAGE),
    ("佛山乡纳古村", AreaKind.VILLAGE),
    ("保和镇兰永社区", AreaKind.COMMUNITY),
    ("塔城镇启别村", AreaKind.VILLAGE),
    ("叶枝镇叶枝村", AreaKind.VILLAGE),
    ("其他地区", AreaKind.OTHER),
]
# One per line: category｜title｜text
REQUESTS = [
    tuple(line.split("｜"))
    for line in """
求助｜公交车冬季停运｜德钦县城到飞来寺的公交车冬季停运了，游客和上班的人都很不方便，能否恢复早晚各一班？
求助｜医保卡补办｜我家老人的医保卡丢了，不知道在哪里补办，机关党员来走访时能不能帮忙问一下？
投诉反映｜活动室网络总是断｜社区活动室的免费网络总是断，孩子们放学后来写作业查资料很不方便。
投诉反映｜有人冒充工作人员推销｜有人冒充工作人员上门推销保健品，请相关部门提醒老年人注意。
意见建议｜增加藏语窗口｜建议在州政务服务中心增加藏语窗口，很多牧民不会说普通话，办事很困难。
投诉反映｜工地夜间施工噪音｜小区旁边工地晚上十一点以后还在施工，噪音很大，老人孩子睡不着。
投诉反映｜路灯坏了一个月｜村口到小学的路灯坏了一个多月，晚上孩子上晚自习回家很危险。
咨询｜居住证办理材料｜请问在香格里拉办居住证需要哪些材料？在哪个窗口办？
意见建议｜菜市场停车难｜菜市场门口早上停车太乱，建议划出临时停车位，安排人员疏导。
求助｜饮水管冻裂｜家里的饮水管冬天冻裂了，自来水停了三天，请帮忙联系维修。
咨询｜林下经济补贴｜种植羊肚菌有没有补贴？向谁申请？需要什么条件？
意见建议｜老年食堂｜社区老人多，建议办一个老年食堂，解决独居老人吃饭问题。
求助｜低保复核进度｜去年申请的低保复核一直没有消息，想问问办到哪一步了。
投诉反映｜垃圾清运不及时｜村里垃圾池好几天没有清运，天热了味道很大，请督促清运。
咨询｜创业担保贷款｜返乡大学生想开民宿，能不能申请创业担保贷款？额度是多少？
意见建议｜便民服务点延时｜建议便民服务点中午不休息，牧民下山办事只有中午有空。
求助｜危房改造｜家里的老房子墙体开裂，下雨漏水，想申请危房改造。
投诉反映｜班车票价上涨｜乡里到县城的班车票价涨了十元，没有提前公示，请核实。
咨询｜孩子入学手续｜外地户口的孩子在这里上小学需要办什么手续？
意见建议｜步道护栏｜河边步道有一段没有护栏，建议加装，防止小孩落水。
""".strip().splitlines()
]
SPAM = [
    "高清无码在线观看|日韩精品一区|国产免费视频网站|午夜福利影院|亚洲综合在线|精品一区二区三区|免费成人网站|",
    "太阳城娱乐 注册就送彩金 网址：www.tyc9999.example 首存百分百返水 电子游艺 体育投注",
    "专业办理各类证件 毕业证 驾驶证 资格证 一比一还原 可查可验 联系微信 zheng888",
    "兼职刷单 日赚300-500 手机操作 无需押金 扫码进群 QQ群 5566778899",
]
WISHES = [
    ("想要一套新华字典", "孩子上三年级，想要一套新华字典和几本课外书。"),
    ("冬天的棉被", "独居老人，家里的棉被太薄，想要一床厚棉被。"),
    ("学习用的台灯", "家里晚上光线不好，想给上初中的孩子买一盏护眼台灯。"),
    ("轮椅", "老伴腿脚不便，想借或要一辆轮椅，方便去卫生院。"),
    ("智能手机教学", "想学会用智能手机和在外地的孩子视频，希望有人教一教。"),
    ("篮球", "村里的孩子们想要两个篮球，放学后一起打球。"),
    ("帮忙修屋顶", "屋顶漏雨，家里没有壮劳力，希望有人帮忙换几片瓦。"),
    ("过年的春联", "想请会写毛笔字的同志帮忙写几副春联。"),
]
ANSWERS = [
    "经核实，已协调相关部门处理，预计本周内完成。感谢您的反映。",
    "已联系供电所更换路灯，目前已恢复照明。",
    "已将您的建议转交政务服务中心，下月起增设双语服务窗口。",
    "经与社区联系，已安排专人跟进，并在社区公示栏公布进展。",
    "所需材料：身份证、居住证明、近期照片。可到政务服务中心公安窗口办理。",
]


def _aware(d: datetime) -> datetime:
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def seed_outreach(rng: random.Random, *, count: int = 320) -> dict[str, int]:
    now = timezone.now()
    areas = [Area.objects.create(name=n, kind=k, position=i) for i, (n, k) in enumerate(AREAS)]
    ensure_default_categories()
    categories = {c.name: c for c in Category.objects.all()}
    committee_a = (
        Organisation.objects.filter(kind=OrganisationKind.PARTY_COMMITTEE).order_by("path").first()
    )
    branches = list(Organisation.objects.filter(kind=OrganisationKind.BRANCH).order_by("path")[:60])
    inside_a = [b for b in branches if committee_a and b.path.startswith(committee_a.path)]
    # Routing: most areas to a branch (several to secretary_a's committee), complaints of two
    # areas to a party committee, and 其他地区 with no rule (the committee's triage queue).
    rules = []
    for index, area in enumerate(areas[:-1]):
        pool = inside_a if index % 2 == 0 and inside_a else branches
        rules.append(RoutingRule(area=area, organisation=rng.choice(pool)))
    if committee_a:
        rules.append(
            RoutingRule(category=categories["投诉反映"], area=areas[0], organisation=committee_a)
        )
    RoutingRule.objects.bulk_create(rules)
    route = {(r.category_id, r.area_id): r.organisation for r in rules}

    def organisation_for(category, area):
        return route.get((category.pk, area.pk)) or route.get((None, area.pk))

    requests: list[Request] = []
    for _ in range(count):
        category_name, title, text = rng.choice(REQUESTS)
        category = categories[category_name]
        area = rng.choice(areas)
        age = rng.random() ** 1.6 * 360  # more of them recent
        submitted = now - timedelta(days=age, hours=rng.randint(0, 10))
        req = Request(
            kind=RequestKind.REQUEST,
            category=category,
            area=area,
            title=title,
            text=text,
            name=person_name(rng, "01", rng.choice(["male", "female"]))
            if rng.random() < 0.6
            else "",
            submitted_at=submitted,
            channel=rng.choice(["web", "web", "web", "api"]),
        )
        if rng.random() < 0.5:
            req.set_phone(f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}")
        req.organisation = organisation_for(category, area)
        req.clock_start = submitted
        req.accept_due = add_workdays(submitted, category.accept_days)
        req.answer_due = add_workdays(submitted, category.answer_days)
        _give_state(rng, req, now, age, [])
        requests.append(req)
    for text in SPAM * 2:
        verdict = score(text)
        requests.append(
            Request(
                category=categories["咨询"],
                area=rng.choice(areas),
                title=text[:18],
                text=text,
                submitted_at=now - timedelta(days=rng.randint(0, 40)),
                status=Status.HELD if rng.random() < 0.6 else Status.SPAM,
                spam_score=f"{verdict.score:.2f}",
                spam_reasons=verdict.reasons,
            )
        )
    # One genuine voice the scorer held by mistake, for the moderator to release.
    requests.append(
        Request(
            category=categories["投诉反映"],
            area=areas[3],
            title="网站上的办证信息是骗人的",
            text="网上有人打着政府网站的旗号说能代办证件，收了钱不办事，请查处。",
            submitted_at=now - timedelta(days=1),
            status=Status.HELD,
            spam_score="1.10",
            spam_reasons=["代办证件广告词语：办证", "含 1 个非政府网站链接"],
        )
    )
    for title, text in WISHES * 3:
        submitted = now - timedelta(days=rng.randint(1, 200))
        wish = Request(
            kind=RequestKind.WISH,
            category=categories["微心愿"],
            area=rng.choice(areas),
            title=title,
            text=text,
            submitted_at=submitted,
        )
        wish.organisation = organisation_for(wish.category, wish.area)
        wish.clock_start = submitted
        wish.accept_due = add_workdays(submitted, 1)
        wish.answer_due = add_workdays(submitted, wish.category.answer_days)
        requests.append(wish)
    Request.objects.bulk_create(requests, batch_size=500)
    # A few repeat an earlier request on the same matter: linked to their original.
    ordinary = [r for r in requests if r.kind == RequestKind.REQUEST and r.clock_start]
    duplicates = []
    for original, repeat in zip(ordinary[::40], ordinary[7::40], strict=False):
        if repeat.status in (Status.RECEIVED, Status.ACCEPTED) or repeat.pk == original.pk:
            continue
        repeat.status, repeat.duplicate_of = Status.DUPLICATE, original
        repeat.title, repeat.text = original.title, original.text
        repeat.rating, repeat.public_answer, repeat.closed_at = "", "", repeat.accepted_at
        duplicates.append(repeat)
    Request.objects.bulk_update(
        duplicates,
        ["status", "duplicate_of", "title", "text", "rating", "public_answer", "closed_at"],
    )
    _claim_wishes(rng, [r for r in requests if r.kind == RequestKind.WISH], now)
    _history(requests)
    consultations = _consultations(rng, committee_a or branches[0], areas, now)
    return {"requests": len(requests), "consultations": consultations, "areas": len(areas)}


def _give_state(
    rng: random.Random, req: Request, now: datetime, age: float, previous: list
) -> None:
    """A state that fits the request's age: old ones are mostly closed and rated."""
    assert req.accept_due and req.answer_due
    if age < 1:
        req.status = Status.RECEIVED
        return
    accepted = req.submitted_at + timedelta(hours=rng.randint(1, 30))
    if age < 8 and rng.random() < 0.5:
        req.status = Status.RECEIVED if rng.random() < 0.4 else Status.ACCEPTED
        req.accepted_at = accepted if req.status == Status.ACCEPTED else None
        return
    req.accepted_at = accepted
    roll = rng.random()
    if roll < 0.05:
        req.status, req.reason, req.closed_at = (
            Status.REJECTED,
            "不属于受理范围，已告知群众向法院起诉。",
            accepted,
        )
        return
    if roll < 0.08 and previous:
        req.status, req.duplicate_of, req.closed_at = Status.DUPLICATE, previous[-1], accepted
        return
    if roll < 0.11:
        req.status, req.transferred_to = Status.TRANSFERRED, "12345 政务服务便民热线"
        req.reason, req.closed_at = "属市场监管职责，已转办。", accepted
        return
    # Answered after a number of days; some late.
    took = timedelta(days=rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 20]), hours=rng.randint(0, 8))
    answered = req.submitted_at + took
    if answered > now:
        req.status = Status.IN_PROGRESS  # still open; overdue when past its deadline
        if now > req.answer_due and rng.random() < 0.6:
            req.reminded_due_at = req.answer_due
            req.escalated_at = req.answer_due + timedelta(days=1)
        return
    req.status = Status.ANSWERED
    req.answered_at = answered
    req.public_answer = rng.choice(ANSWERS)
    req.answer_approved = True
    if age < 25 and rng.random() < 0.6:
        return  # not rated yet
    rating = rng.choices(
        [Rating.SATISFIED, Rating.FAIRLY, Rating.DISSATISFIED], weights=[70, 22, 8]
    )[0]
    if rating == Rating.DISSATISFIED and rng.random() < 0.6:
        req.reopened_at = answered + timedelta(days=2)
        req.reopen_reason = "问题没有真正解决，希望再核实一次。"
        if rng.random() < 0.5:
            req.status = Status.IN_PROGRESS  # being handled again
            req.answered_at = answered
            return
        rating = Rating.SATISFIED
    req.rating = rating
    req.rated_at = answered + timedelta(days=3)
    req.status = Status.CLOSED
    req.closed_at = req.rated_at


def _claim_wishes(rng: random.Random, wishes: list[Request], now: datetime) -> None:
    members = list(Member.objects.filter(status=MemberStatus.ACTIVE).order_by("id")[:200])
    if not members:
        return
    changed = []
    for wish in wishes:
        roll = rng.random()
        if roll < 0.35:
            continue  # waiting to be claimed
        wish.claimed_by = rng.choice(members)
        wish.claimed_at = wish.submitted_at + timedelta(days=1)
        wish.accepted_at = wish.claimed_at
        wish.status = Status.IN_PROGRESS
        if roll > 0.55:
            wish.fulfilled_at = wish.claimed_at + timedelta(days=rng.randint(1, 10))
            wish.fulfilment_note = "已送到心愿人家中。"
            wish.public_answer = wish.fulfilment_note
            wish.answer_approved = True
            wish.answered_at = wish.fulfilled_at
            wish.status = Status.ANSWERED
            if roll > 0.7 and wish.fulfilled_at < now:
                wish.confirmed_at = wish.fulfilled_at + timedelta(days=1)
                wish.status = Status.CLOSED
                wish.closed_at = wish.confirmed_at
        changed.append(wish)
    # The demo's member sign-in (`member`, demo/seeding.py) holds two wishes: one claimed and
    # waiting to be fulfilled, one already fulfilled, so 我认领的心愿 shows its work.
    waiting = [w for w in wishes if w.claimed_by is None]
    holders = list(Member.objects.filter(account__username="member"))
    for member, wish in zip(holders, waiting, strict=False):
        wish.claimed_by = member
        wish.claimed_at = max(wish.submitted_at + timedelta(days=1), now - timedelta(days=2))
        wish.accepted_at, wish.status = wish.claimed_at, Status.IN_PROGRESS
        changed.append(wish)
    for member, wish in zip(holders, waiting[len(holders) :], strict=False):
        wish.claimed_by = member
        wish.claimed_at = wish.accepted_at = wish.submitted_at + timedelta(days=1)
        wish.fulfilled_at = wish.answered_at = min(wish.claimed_at + timedelta(days=3), now)
        wish.fulfilment_note = wish.public_answer = "已送到心愿人家中。"
        wish.answer_approved, wish.status = True, Status.ANSWERED
        changed.append(wish)
    Request.objects.bulk_update(
        changed,
        [
            "claimed_by",
            "claimed_at",
            "accepted_at",
            "status",
            "fulfilled_at",
            "fulfilment_note",
            "public_answer",
            "answer_approved",
            "answered_at",
            "confirmed_at",
            "closed_at",
        ],
    )


def _history(requests: list[Request]) -> None:
    entries = []
    for req in requests:
        if req.status in (Status.HELD, Status.SPAM):
            entries.append(
                RequestEntry(
                    request=req,
                    kind=EntryKind.MODERATION,
                    text="待审核",
                    actor_name="群众",
                    created_at=req.submitted_at,
                )
            )
            continue
        text = f"按分办规则交 {req.organisation} 办理" if req.organisation else "进入工委分办队列"
        entries.append(
            RequestEntry(
                request=req,
                kind=EntryKind.ROUTE,
                text=text,
                actor_name="系统",
                created_at=req.submitted_at,
            )
        )
        if req.accepted_at:
            entries.append(
                RequestEntry(
                    request=req,
                    kind=EntryKind.STATUS,
                    text="已受理",
                    actor_name="承办人",
                    created_at=req.accepted_at,
                )
            )
        if req.answered_at:
            entries.append(
                RequestEntry(
                    request=req,
                    kind=EntryKind.STATUS,
                    text="已答复",
                    actor_name="承办人",
                    created_at=req.answered_at,
                )
            )
        if req.reopened_at:
            entries.append(
                RequestEntry(
                    request=req,
                    kind=EntryKind.RATING,
                    text=f"群众不满意，重新办理：{req.reopen_reason}",
                    actor_name="群众",
                    created_at=req.reopened_at,
                )
            )
    RequestEntry.objects.bulk_create(entries, batch_size=1000)


def _consultations(rng: random.Random, organisation: Organisation, areas, now) -> int:
    open_one = Consultation.objects.create(
        organisation=organisation,
        title="关于《香格里拉市城区停车管理办法（征求意见稿）》公开征求意见",
        body=(
            "为规范城区停车秩序，现将《香格里拉市城区停车管理办法（征求意见稿）》向社会公开征求意见。\n"
            "一、城区主干道两侧施划限时停车位；\n二、老城区实行错时共享停车；\n"
            "三、学校、医院周边设临时上下客区。\n请于截止日期前提出意见建议。"
        ),
        deadline=_aware(datetime.combine((now + timedelta(days=12)).date(), time(18))),
    )
    closed_one = Consultation.objects.create(
        organisation=organisation,
        title="关于社区老年食堂选址的意见征集",
        body="社区拟办老年食堂，备选地址：社区活动中心一楼、原供销社门面。请谈谈您的意见。",
        deadline=now - timedelta(days=30),
        summary="共收到意见 18 条，多数赞成设在社区活动中心一楼，理由是无台阶、离卫生室近。",
        public_reply="经汇总意见，老年食堂定于社区活动中心一楼，预计下月开业。感谢大家参与。",
        replied_at=now - timedelta(days=20),
        created_at=now - timedelta(days=50),
    )
    texts = [
        "建议学校门口的临时上下客区只在上下学时段启用。",
        "老城区共享停车很好，希望夜间免费。",
        "主干道限时停车要有明显标识，收费标准要公开。",
        "希望给残疾人预留停车位。",
        "活动中心一楼方便，老人不用爬楼。",
    ]
    responses = [
        ConsultationResponse(
            consultation=open_one if i % 2 else closed_one,
            text=rng.choice(texts),
            name=person_name(rng, "01", "female") if i % 3 == 0 else "",
            area=rng.choice(areas),
            submitted_at=now - timedelta(days=rng.randint(1, 10)),
        )
        for i in range(30)
    ]
    responses.append(
        ConsultationResponse(
            consultation=open_one,
            text=SPAM[2],
            held=True,
            spam_reasons=["代办证件广告"],
            submitted_at=now - timedelta(days=1),
        )
    )
    ConsultationResponse.objects.bulk_create(responses)
    return 2
