"""The demo prefecture (演示州): a deterministic organ party system of Diqing-like shape.

Synthetic data only. Every member is built by the member builder (organisations.members), as
the services build them, and goes in with bulk inserts, so 100,000 members take minutes, not
hours; the whole run is recorded as one audit event rather than one per row."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit import services as audit
from audit.models import Action
from core.actors import operator
from organisations.id_numbers import DIQING_COUNTY_CODES, generate_id_number
from organisations.members import (
    MIN_JOINING_AGE,
    PROBATION_YEARS,
    prepare_member,
    probation_ends,
    years_after,
)
from organisations.models import (
    TERM_YEARS,
    DatePrecision,
    Member,
    MemberCategory,
    MembershipPeriod,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Position,
    PositionTitle,
)
from organisations.reference_data import Education
from organisations.services import default_term_end

from .accounts import seed_accounts
from .learning import seed_learning
from .meetings import seed_meetings
from .names import person_name, pick_ethnicity
from .outreach import seed_outreach

DEMO_PASSWORD = "Meili-Xueshan#26"

# (organ, kind of its party organisation, number of branches under it)
ORGANS = [
    ("州委办公室", OrganisationKind.PARTY_COMMITTEE, 4),
    ("州人民政府办公室", OrganisationKind.PARTY_COMMITTEE, 4),
    ("州公安局", OrganisationKind.PARTY_COMMITTEE, 4),
    ("州教育体育局", OrganisationKind.PARTY_COMMITTEE, 4),
    ("州委组织部", OrganisationKind.GENERAL_BRANCH, 3),
    ("州委宣传部", OrganisationKind.GENERAL_BRANCH, 3),
    ("州发展和改革委员会", OrganisationKind.GENERAL_BRANCH, 3),
    ("州财政局", OrganisationKind.GENERAL_BRANCH, 3),
    ("州卫生健康委员会", OrganisationKind.GENERAL_BRANCH, 3),
    ("州自然资源局", OrganisationKind.GENERAL_BRANCH, 3),
    ("州农业农村局", OrganisationKind.GENERAL_BRANCH, 3),
    ("州林业和草原局", OrganisationKind.GENERAL_BRANCH, 3),
] + [
    (name, OrganisationKind.BRANCH, 0)
    for name in (
        "州人大常委会办公室",
        "州政协办公室",
        "州委统战部",
        "州委政法委员会",
        "州民族宗教事务委员会",
        "州科学技术局",
        "州工业和信息化局",
        "州民政局",
        "州司法局",
        "州人力资源和社会保障局",
        "州生态环境局",
        "州住房和城乡建设局",
        "州交通运输局",
        "州水务局",
        "州商务局",
        "州文化和旅游局",
        "州退役军人事务局",
        "州应急管理局",
        "州审计局",
        "州国有资产监督管理委员会",
        "州市场监督管理局",
        "州统计局",
        "州医疗保障局",
        "州信访局",
        "州机关事务管理局",
        "州档案馆",
    )
]
BRANCH_NAMES = ["机关第一党支部", "机关第二党支部", "机关第三党支部", "离退休干部党支部"]
POSTS = [
    "科员",
    "一级科员",
    "四级主任科员",
    "二级主任科员",
    "副科长",
    "科长",
    "副主任",
    "主任",
    "副局长",
    "局长",
    "办公室主任",
    "工作人员",
    "专业技术人员",
]
EDUCATION_WEIGHTS = {
    Education.POSTGRADUATE: 8,
    Education.BACHELOR: 55,
    Education.COLLEGE: 25,
    Education.SECONDARY_VOCATIONAL: 6,
    Education.HIGH_SCHOOL: 4,
    Education.JUNIOR_OR_BELOW: 2,
}
REGION_CODES = sorted(DIQING_COUNTY_CODES)


@dataclass
class SeedResult:
    organisations: int
    members: int
    accounts: dict[str, str]


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 1)))


def build_tree(rng: random.Random) -> list[Organisation]:
    """The committee and its organ party organisations; returns the branches."""
    tree = Organisation.objects
    root = tree.add_root(
        {
            "name": "中共迪庆州直属机关工作委员会",
            "short_name": "州直机关工委",
            "kind": OrganisationKind.COMMITTEE,
            "code": "DQ",
            "organ": "迪庆州直属机关",
            "founded_on": date(1985, 7, 1),
        }
    )
    suffixes = {
        OrganisationKind.PARTY_COMMITTEE: "委员会",
        OrganisationKind.GENERAL_BRANCH: "总支部委员会",
        OrganisationKind.BRANCH: "机关支部委员会",
    }
    branches = []
    for index, (organ, kind, branch_count) in enumerate(ORGANS, start=1):
        code = f"DQ{index:03d}"
        founded = _random_date(rng, date(1980, 1, 1), date(2012, 12, 31))
        organisation = tree.add_child(
            root,
            {
                "name": f"中共{organ}{suffixes[kind]}",
                "short_name": organ,
                "kind": kind,
                "code": code,
                "organ": organ,
                "founded_on": founded,
            },
        )
        if kind == OrganisationKind.BRANCH:
            branches.append(organisation)
            continue
        for b in range(branch_count):
            branch = tree.add_child(
                organisation,
                {
                    "name": f"中共{organ}{BRANCH_NAMES[b]}",
                    "short_name": BRANCH_NAMES[b],
                    "kind": OrganisationKind.BRANCH,
                    "code": f"{code}-{b + 1:02d}",
                    "organ": organ,
                    "founded_on": founded,
                },
            )
            branches.append(branch)
    # A few party groups (党小组) under the first branches.
    for number, branch in enumerate(branches[:4], start=1):
        branch.refresh_from_db()
        tree.add_child(
            branch,
            {
                "name": f"{branch.name}第一党小组",
                "short_name": "第一党小组",
                "kind": OrganisationKind.GROUP,
                "code": f"{branch.code}-G{number}",
                "organ": branch.organ,
            },
        )
    return branches


def _member(
    rng: random.Random,
    branch: Organisation,
    today: date,
    used: set[str],
    *,
    region_codes: list[str] = REGION_CODES,
) -> Member:
    sex = "male" if rng.random() < 0.56 else "female"
    ethnicity = pick_ethnicity(rng)
    birth = _random_date(rng, date(1962, 1, 1), date(2001, 12, 31))
    while True:
        number = generate_id_number(
            rng, region_code=rng.choice(region_codes), birth_date=birth, sex=sex
        )
        if number not in used:
            used.add(number)
            break
    probationary = rng.random() < 0.04
    if probationary:
        # Joined within the probation (预备期) that ends after today.
        probation_start = years_after(today, -PROBATION_YEARS) + timedelta(days=5)
        joined = _random_date(rng, probation_start, today - timedelta(days=5))
        full_on = None
    else:
        earliest = years_after(birth, MIN_JOINING_AGE + 1)
        latest = min(years_after(birth, 45), today - timedelta(days=400))
        joined = _random_date(rng, earliest, max(latest, earliest + timedelta(days=30)))
        full_on = probation_ends(joined)
    roll = rng.random()
    status = (
        MemberStatus.ACTIVE
        if roll < 0.97
        else MemberStatus.TRANSFERRED_OUT
        if roll < 0.99
        else MemberStatus.DECEASED
    )
    prepared = prepare_member(
        {
            "name": person_name(rng, ethnicity, sex),
            "sex": sex,
            "ethnicity": ethnicity,
            "birth_date": birth,
            "education": _weighted(rng, EDUCATION_WEIGHTS),
            "joined_on": joined,
            "full_member_on": full_on,
            "category": MemberCategory.PROBATIONARY if probationary else MemberCategory.FULL,
            "organisation": branch,
            "unit": branch.organ,
            "post": rng.choice(POSTS),
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "status": status,
        },
        id_number=number,
        today=today,
    )
    prepared.raise_errors()  # a demo member breaking a rule is a bug of this module
    return prepared.member


# Demo members whose record is 资料不全 (organisations.models.INCOMPLETE_FIELDS), and the seed
# of the stream that picks them.
INCOMPLETE_SHARE = 0.012
INCOMPLETE_SEED = 4711


def build_members(rng: random.Random, branches: list[Organisation], count: int, *, progress=None):
    today = timezone.localdate()
    used: set[str] = set()
    batch_size = 2000
    made = 0
    incomplete = random.Random(INCOMPLETE_SEED)
    # Uneven branch sizes, as in life.
    weights = [rng.uniform(0.5, 1.5) for _ in branches]
    while made < count:
        size = min(batch_size, count - made)
        chosen = rng.choices(branches, weights=weights, k=size)
        members = [_member(rng, branch, today, used) for branch in chosen]
        for member in members:
            # About one in a hundred came in from a roster without 民族 or 入党时间 columns
            # (资料不全: the secretary's to-do, the member list's filter). Their own random
            # stream, so the rest of the demo stays as it was.
            roll = incomplete.random()
            if roll < INCOMPLETE_SHARE / 2:
                member.ethnicity = ""
            elif roll < INCOMPLETE_SHARE:
                member.joined_on = member.full_member_on = None
                member.joined_on_precision = DatePrecision.DAY
        Member.objects.bulk_create(members, batch_size=batch_size)
        MembershipPeriod.objects.bulk_create(
            [
                MembershipPeriod(
                    member=m, organisation=m.organisation, started_on=m.joined_on or today
                )
                for m in members
                if m.pk
            ],
            batch_size=batch_size,
        )
        made += size
        if progress:
            progress(made, count)
    return made


# How many of its branch's members each demo 党小组 holds.
GROUP_SIZE = 6


def fill_groups() -> None:
    """A 党小组 holds some of its branch's members (their organisation is the group, so the
    branch's count includes them), so that no group of the demo reads "0 名党员"."""
    for group in Organisation.objects.filter(kind=OrganisationKind.GROUP):
        branch = Organisation.objects.get(path=group.parent_path)
        moved = list(
            Member.objects.filter(organisation=branch).order_by("pk").values_list("pk", flat=True)
        )[:GROUP_SIZE]
        Member.objects.filter(pk__in=moved).update(organisation=group)
        MembershipPeriod.objects.filter(member__in=moved, ended_on__isnull=True).update(
            organisation=group
        )


def build_positions(rng: random.Random, organisations: list[Organisation], today: date) -> None:
    positions = []
    for index, organisation in enumerate(organisations):
        candidates = list(
            Member.objects.in_subtree(organisation)
            .filter(status=MemberStatus.ACTIVE, category=MemberCategory.FULL)
            .order_by("id")
            .values_list("pk", flat=True)[:60]
        )
        rng.shuffle(candidates)
        positions += committee_positions(rng, organisation, index, candidates, today)
    Position.objects.bulk_create(positions)


def committee_positions(
    rng: random.Random, organisation: Organisation, index: int, candidates: list[int], today: date
) -> list[Position]:
    """The committee (书记, 副书记, 委员) of the `index`th organisation, from `candidates`
    (member ids, shuffled)."""
    if not candidates:
        return []
    years = TERM_YEARS[organisation.kind]
    term_start = _random_date(rng, years_after(today, 1 - years), today - timedelta(days=30))
    # Every fourth committee's term ends within three months and every ninth has already
    # ended, so that the 换届 reminders have something to say in every subtree.
    if index % 4 == 2 or index % 9 == 5:
        days = rng.randint(10, 80) if index % 4 == 2 else -rng.randint(5, 60)
        ends = today + timedelta(days=days)
        term_start = years_after(ends, -years)
    term_end = default_term_end(organisation, term_start)
    seats = [PositionTitle.SECRETARY]
    if len(candidates) >= 7:
        seats += [PositionTitle.DEPUTY] + [PositionTitle.COMMITTEE_MEMBER] * rng.randint(1, 3)
    elif rng.random() < 0.5:
        seats.append(PositionTitle.DEPUTY)
    return [
        Position(
            organisation=organisation,
            member_id=member_id,
            title=title,
            term_start=term_start,
            term_end=term_end,
        )
        for title, member_id in zip(seats, candidates, strict=False)
    ]


def build_accounts(branches: list[Organisation]) -> dict[str, str]:
    """One account per role; the demo password is printed by `demo_logins`."""
    committee_a = (
        Organisation.objects.filter(kind=OrganisationKind.PARTY_COMMITTEE).order_by("path").first()
    )
    branch_b = (
        Organisation.objects.filter(kind=OrganisationKind.BRANCH, depth=2).order_by("path").first()
    )
    plain_member = (
        Member.objects.filter(
            organisation__path__startswith=committee_a.path, status=MemberStatus.ACTIVE
        )
        .order_by("id")
        .first()
    )
    specs = [
        ("admin", Role.COMMITTEE_ADMIN, None, None, "工委管理员"),
        ("secretary_a", Role.SECRETARY, committee_a, None, f"{committee_a.short_name}党务干部"),
        ("secretary_b", Role.SECRETARY, branch_b, None, f"{branch_b.short_name}党务干部"),
        ("member", Role.MEMBER, None, plain_member, plain_member.name),
        ("auditor", Role.AUDITOR, None, None, "审计员"),
        ("security", Role.SECURITY_OFFICER, None, None, "安全员"),
    ]
    accounts = {}
    for username, role, organisation, member, display in specs:
        user = User(
            username=username,
            role=role,
            organisation=organisation,
            member=member,
            display_name=display,
            must_change_password=False,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        accounts[username] = role.label
    return accounts


# From this many members on, `seed` builds the demo province instead of the prefecture.
PROVINCE_FROM = 500_000


@transaction.atomic
def seed(
    *,
    members: int = 3000,
    seed_value: int = 2016,
    progress=None,
    tree: str = "auto",
    workers: int | None = None,
    log=None,
) -> SeedResult:
    """`tree`: "prefecture" (the demo prefecture: 83 organisations, every size), "province"
    (demo.province: about one organisation per 13 members) or "auto" (the province from
    PROVINCE_FROM members on). `log(message)` hears of each step of a province."""
    log = log or (lambda message: None)
    rng = random.Random(seed_value)
    today = timezone.localdate()
    if tree == "auto":
        tree = "province" if members >= PROVINCE_FROM else "prefecture"
    if tree == "province":
        from . import province

        branches, organisations = province.build_tree(rng, members)
        log(f"organisations: {len(organisations):,}")
        candidates = province.build_members(
            rng,
            branches,
            members,
            seed_value=seed_value,
            progress=progress,
            workers=workers,
            log=log,
        )
        province.build_positions(rng, organisations, candidates)
        log("committees")
    else:
        branches = build_tree(rng)
        build_members(rng, branches, members, progress=progress)
        leaders = list(Organisation.objects.exclude(kind=OrganisationKind.GROUP).order_by("path"))
        build_positions(rng, leaders, today)
    accounts = build_accounts(branches)
    requests = 0
    if tree != "province":
        # The domain apps' year of activity, for the demo prefecture (not for a bench province).
        fill_groups()
        seed_accounts(rng)
        requests = seed_outreach(rng)["requests"]
        seed_meetings(random.Random(seed_value + 10), today)
        seed_learning(rng, today)
    organisations_count = Organisation.objects.count()
    audit.record(
        actor=operator("seed"),
        action=Action.CREATE,
        target_repr="演示数据",
        changes={
            "organisations": organisations_count,
            "members": members,
            "seed": seed_value,
            "tree": tree,
            "requests": requests,
        },
    )
    return SeedResult(organisations=organisations_count, members=members, accounts=accounts)
