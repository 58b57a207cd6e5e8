"""A year of organisational life for the demo prefecture (组织生活).

Most branches hold what the rules ask; a few leave gaps, one member assembly misses its quorum
(its vote is flagged), some theme days are held jointly by the branches of one organ, and a
few meetings are scheduled for the coming weeks. Written in bulk with the figures the services
would keep, then the compliance summary is computed once (meetings.compliance)."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from core.actors import operator
from meetings import compliance
from meetings.checks import check_decision, quorum
from meetings.models import (
    Attendance,
    AttendanceStatus,
    Decision,
    ExcuseReason,
    Meeting,
    MeetingKind,
    MeetingOrganisation,
    MeetingStatus,
)
from meetings.rules import ensure_default_rule_set
from organisations import services as organisation_services
from organisations.models import (
    Member,
    MemberCategory,
    MembershipPeriod,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Position,
    PositionTitle,
)

THEMES = [
    "学习贯彻党的二十大精神",
    "重温入党誓词",
    "学党章、守党规",
    "走进红色教育基地",
    "志愿服务进社区",
    "廉政警示教育",
    "民族团结进步创建",
    "学习《中国共产党支部工作条例》",
    "生态文明建设专题学习",
    "乡村振兴挂包帮走访",
    "“不忘初心、牢记使命”专题研讨",
    "年度工作总结与谋划",
]
PLACES = ["三楼党员活动室", "机关会议室", "普达措国家公园", "独克宗古城红色驿站", "香格里拉市社区"]


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def seed_dissolved_branch(rng: random.Random, today: date) -> tuple[Organisation, list[Member]]:
    """One branch beside the demo's biggest, founded in 2016 and dissolved (撤销) on 15 August
    last year, its members' relations moved to a sibling branch that day: its history shows in
    the members' records (组织关系记录), the audit log (the dissolution, through the service)
    and the compliance table (January–July due, August not applicable, nothing after).
    Returns the branch and its former members, whose meetings seed_meetings writes."""
    # Beside the branch with most members (so that four of them can have come from it).
    biggest = (
        Member.objects.filter(
            status=MemberStatus.ACTIVE, organisation__kind=OrganisationKind.BRANCH
        )
        .values("organisation")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation")
        .first()
    )
    assert biggest is not None, "the demo prefecture has members in branches"
    sibling = Organisation.objects.get(pk=biggest["organisation"])
    committee = Organisation.objects.get_parent(sibling)
    assert committee is not None
    actor = operator("seed")
    founded, dissolved = date(2016, 7, 1), date(today.year - 1, 8, 15)
    branch = organisation_services.organisation_create(
        actor=actor,
        parent=committee,
        name=f"{committee.name.removesuffix('委员会')}离退休干部支部委员会",
        short_name="离退休干部支部",
        kind=OrganisationKind.BRANCH,
        code=f"{committee.code}-90",
        founded_on=founded,
        organ=committee.organ,
    )
    candidates = list(
        Member.objects.filter(
            organisation=sibling, status=MemberStatus.ACTIVE, joined_on__lt=dissolved
        ).order_by("pk")
    )
    former = sorted(rng.sample(candidates, min(4, len(candidates))), key=lambda m: m.pk)
    note = f"原{branch.short_name}撤销，组织关系转入{sibling.name}"
    for member in former:
        current = MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).first()
        start = current.started_on if current else member.joined_on
        if start < founded:
            MembershipPeriod.objects.create(
                member=member, organisation=sibling, started_on=start, ended_on=founded
            )
        MembershipPeriod.objects.create(
            member=member,
            organisation=branch,
            started_on=max(start, founded),
            ended_on=dissolved,
        )
        if current:
            current.started_on, current.note = dissolved, note
            current.save(update_fields=["started_on", "note"])
    organisation_services.organisation_dissolve(
        actor=actor,
        organisation=branch,
        dissolved_on=dissolved,
        reason=f"机构改革，经{committee.name}研究决定撤销，党员组织关系并入{sibling.name}",
    )
    branch.refresh_from_db()
    return branch, former


def seed_meetings(rng: random.Random, today: date) -> int:
    """Returns the number of meetings written."""
    ensure_default_rule_set()
    dissolved, former = seed_dissolved_branch(rng, today)
    organisations = list(Organisation.objects.order_by("path"))
    by_path = {o.path: o for o in organisations}
    members_by_org: dict[int, list[Member]] = defaultdict(list)
    for member in Member.objects.filter(status=MemberStatus.ACTIVE).only(
        "pk", "organisation_id", "category", "full_member_on", "joined_on", "name"
    ):
        members_by_org[member.organisation_id].append(member)
    seats: dict[int, list[Position]] = defaultdict(list)
    for position in Position.objects.filter(ended_on__isnull=True).order_by("title"):
        seats[position.organisation_id].append(position)

    def subtree_members(org: Organisation) -> list[Member]:
        out = []
        for other in organisations:
            if other.path.startswith(org.path):
                out.extend(members_by_org.get(other.pk, []))
        return out

    branches = [
        o for o in organisations if o.kind == OrganisationKind.BRANCH and o.dissolved_on is None
    ]
    groups = [o for o in organisations if o.kind == OrganisationKind.GROUP]
    # Branches that leave gaps: every seventh, and one that has let things slide all year.
    lax = {b.pk for i, b in enumerate(branches) if i % 7 == 3}
    idle = branches[5].pk if len(branches) > 5 else None

    first_month = date(today.year - 1, 1, 1)
    months = []
    month = first_month
    while month <= today:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)

    this_month = date(today.year, today.month, 1)
    quarter_ends = [m for m in months if m.month in (3, 6, 9, 12) and m < this_month]
    missed = quarter_ends[-1] if quarter_ends else None
    meetings: list[Meeting] = []
    plans: list[tuple[Meeting, list[Organisation], list[Member], float]] = []

    def add(org, kind, day, hour, title, *, joint=(), due=None, presence=0.88, host=None, hours=0):
        start = _moment(day, hour)
        status = MeetingStatus.HELD if start < timezone.now() else MeetingStatus.PLANNED
        meeting = Meeting(
            organisation=org,
            kind=kind,
            status=status,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place=rng.choice(PLACES),
            host=host,
            topics=title,
            minutes=(
                f"<p>{title}。会议由{host.name if host else '书记'}主持，"
                "与会党员结合工作实际交流发言。</p>"
            ),
            study_topic=title if hours else "",
            study_hours=Decimal(hours),
        )
        meetings.append(meeting)
        plans.append((meeting, [org, *joint], due if due is not None else [], presence))
        return meeting

    for index, branch in enumerate(branches):
        if branch.pk == idle:
            continue
        everyone = subtree_members(branch)
        committee = [p.member for p in seats.get(branch.pk, [])]
        secretary = next(
            (p.member for p in seats.get(branch.pk, []) if p.title == PositionTitle.SECRETARY), None
        )
        for month in months:
            skip = branch.pk in lax and rng.random() < 0.3
            day = _workday(month + timedelta(days=rng.randint(0, 20)))
            theme = THEMES[(month.month - 1) % len(THEMES)]
            if day <= today + timedelta(days=21) and not skip:
                add(
                    branch,
                    MeetingKind.THEME_DAY,
                    day,
                    15,
                    f"{month.month}月主题党日：{theme}",
                    due=everyone,
                    host=secretary,
                    hours=2,
                )
            if len(committee) >= 3 and not (branch.pk in lax and rng.random() < 0.3):
                cday = _workday(month + timedelta(days=rng.randint(0, 8)))
                if cday <= today:
                    add(
                        branch,
                        MeetingKind.COMMITTEE_MEETING,
                        cday,
                        9,
                        f"{month.month}月支委会",
                        due=committee,
                        presence=0.95,
                        host=secretary,
                    )
            if month.month in (3, 6, 9, 12) and not skip:
                aday = _workday(month + timedelta(days=rng.randint(10, 25)))
                if aday <= today:
                    presence = 0.3 if (index == 2 and month == missed) else 0.85
                    add(
                        branch,
                        MeetingKind.MEMBER_ASSEMBLY,
                        aday,
                        14,
                        f"{month.year}年第{(month.month + 2) // 3}季度支部党员大会",
                        due=everyone,
                        presence=presence,
                        host=secretary,
                        hours=1,
                    )
            if month.month == 6 and secretary and not skip:
                lday = _workday(month + timedelta(days=rng.randint(15, 27)))
                if lday <= today:
                    add(
                        branch,
                        MeetingKind.PARTY_LECTURE,
                        lday,
                        15,
                        f"书记讲党课：{theme}",
                        due=everyone,
                        host=secretary,
                        hours=2,
                    )
            if month.month == 12 and branch.pk not in lax:
                oday = _workday(month + timedelta(days=rng.randint(10, 25)))
                if oday <= today:
                    add(
                        branch,
                        MeetingKind.ORGANISATIONAL_LIFE_MEETING,
                        oday,
                        9,
                        f"{month.year}年度组织生活会",
                        due=everyone,
                        host=secretary,
                        hours=1,
                    )
            if month.month == 11 and secretary:
                hday = _workday(month + timedelta(days=rng.randint(0, 20)))
                if hday <= today:
                    pair = [secretary, *rng.sample(everyone, min(1, len(everyone)))]
                    add(
                        branch,
                        MeetingKind.HEART_TO_HEART,
                        hday,
                        16,
                        "谈心谈话",
                        due=pair,
                        presence=1.0,
                        host=secretary,
                    )

    # Party committees and general branches: their committee, lectures and yearly meetings.
    for org in organisations:
        if org.kind not in (OrganisationKind.PARTY_COMMITTEE, OrganisationKind.GENERAL_BRANCH):
            continue
        committee = [p.member for p in seats.get(org.pk, [])]
        secretary = next(
            (p.member for p in seats.get(org.pk, []) if p.title == PositionTitle.SECRETARY), None
        )
        everyone = subtree_members(org)
        for month in months:
            if len(committee) >= 3:
                cday = _workday(month + timedelta(days=rng.randint(0, 8)))
                if cday <= today:
                    add(
                        org,
                        MeetingKind.COMMITTEE_MEETING,
                        cday,
                        10,
                        f"{month.month}月委员会会议",
                        due=committee,
                        presence=0.95,
                        host=secretary,
                    )
            if org.kind == OrganisationKind.GENERAL_BRANCH and month.month in (3, 6, 9, 12):
                aday = _workday(month + timedelta(days=rng.randint(10, 25)))
                if aday <= today:
                    add(
                        org,
                        MeetingKind.MEMBER_ASSEMBLY,
                        aday,
                        14,
                        f"{month.year}年第{(month.month + 2) // 3}季度党员大会",
                        due=everyone,
                        host=secretary,
                        hours=1,
                    )
            if month.month == 7 and secretary:
                lday = _workday(month + timedelta(days=rng.randint(0, 20)))
                if lday <= today:
                    add(
                        org,
                        MeetingKind.PARTY_LECTURE,
                        lday,
                        15,
                        "书记讲七一党课",
                        due=everyone,
                        host=secretary,
                        hours=2,
                    )
            if month.month == 12:
                yday = _workday(month + timedelta(days=rng.randint(5, 20)))
                if yday <= today:
                    kind = (
                        MeetingKind.DEMOCRATIC_LIFE_MEETING
                        if org.kind == OrganisationKind.PARTY_COMMITTEE
                        else MeetingKind.ORGANISATIONAL_LIFE_MEETING
                    )
                    add(
                        org,
                        kind,
                        yday,
                        9,
                        f"{month.year}年度{kind.label}",
                        due=committee if org.kind == OrganisationKind.PARTY_COMMITTEE else everyone,
                        host=secretary,
                        hours=1,
                    )

    # Joint theme days: the branches of each party committee, twice a year.
    for parent in organisations:
        if parent.kind != OrganisationKind.PARTY_COMMITTEE:
            continue
        children = [b for b in branches if b.path.startswith(parent.path) and b.pk != idle]
        if len(children) < 2:
            continue
        for month in months[2::6]:
            day = _workday(month + timedelta(days=24))
            if day > today:
                continue
            due = [m for b in children for m in subtree_members(b)]
            add(
                children[0],
                MeetingKind.THEME_DAY,
                day,
                9,
                f"联合主题党日：{parent.short_name or parent.name}各支部走进红色教育基地",
                joint=children[1:],
                due=due,
                hours=3,
            )

    for group in groups:
        for month in months:
            day = _workday(month + timedelta(days=rng.randint(0, 15)))
            if day <= today:
                add(
                    group,
                    MeetingKind.GROUP_MEETING,
                    day,
                    17,
                    f"{month.month}月党小组会",
                    due=subtree_members(group) or subtree_members(by_path[group.parent_path]),
                )

    # The dissolved branch, until it was dissolved: theme days (one month missed) and the
    # quarterly assemblies with its last four members.
    for month in months:
        if dissolved.dissolved_on is None or month >= dissolved.dissolved_on:
            break
        day = _workday(month + timedelta(days=rng.randint(0, 12)))
        if month.month != 5 and day < dissolved.dissolved_on:
            add(
                dissolved,
                MeetingKind.THEME_DAY,
                day,
                10,
                f"{month.month}月主题党日：{THEMES[(month.month - 1) % len(THEMES)]}",
                due=former,
                presence=0.75,
                hours=1,
            )
        if month.month in (3, 6):
            add(
                dissolved,
                MeetingKind.MEMBER_ASSEMBLY,
                _workday(month + timedelta(days=16)),
                10,
                f"{month.year}年第{(month.month + 2) // 3}季度支部党员大会",
                due=former,
                presence=0.9,
            )

    # A few meetings scheduled ahead.
    for branch in branches[:6]:
        day = _workday(today + timedelta(days=rng.randint(3, 12)))
        add(
            branch,
            MeetingKind.COMMITTEE_MEETING,
            day,
            9,
            "研究下月工作安排（计划）",
            due=[p.member for p in seats.get(branch.pk, [])],
        )

    # The same organisation, kind and start may repeat by chance: keep the first.
    seen = set()
    unique = []
    for meeting, participants, due, presence in plans:
        key = (meeting.organisation.pk, meeting.kind, meeting.starts_at)
        if key in seen:
            continue
        seen.add(key)
        unique.append((meeting, participants, due, presence))
    Meeting.objects.bulk_create([m for m, *_ in unique], batch_size=1000)

    participations = []
    attendances = []
    decisions = []
    for meeting, participants, due, presence in unique:
        participations.extend(
            MeetingOrganisation(meeting=meeting, organisation=o) for o in participants
        )
        if meeting.status != MeetingStatus.HELD:
            continue
        day = meeting.starts_at.date()
        due = list({m.pk: m for m in due if m.joined_on is None or m.joined_on <= day}.values())
        present = voting_due = voting_present = 0
        for member in due:
            vote = member.category == MemberCategory.FULL and (
                member.full_member_on is None or member.full_member_on <= day
            )
            roll = rng.random()
            if roll < presence:
                status, reason = AttendanceStatus.PRESENT, ""
            elif roll < presence + (1 - presence) * 0.8:
                status, reason = AttendanceStatus.EXCUSED, rng.choice(ExcuseReason.values)
            else:
                status, reason = AttendanceStatus.ABSENT, ""
            present += status == AttendanceStatus.PRESENT
            voting_due += vote
            voting_present += vote and status == AttendanceStatus.PRESENT
            attendances.append(
                Attendance(
                    meeting=meeting,
                    member=member,
                    status=status,
                    excuse_reason=reason,
                    has_vote=vote,
                )
            )
        meeting.due_count = len(due)
        meeting.present_count = present
        meeting.voting_due = voting_due
        meeting.voting_present = voting_present
        if meeting.kind == MeetingKind.HEART_TO_HEART:
            meeting.quorum_met = present > 0
        elif meeting.kind in (MeetingKind.MEMBER_ASSEMBLY, MeetingKind.COMMITTEE_MEETING):
            meeting.quorum_met = quorum(voting_present, voting_due)
        else:
            meeting.quorum_met = quorum(present, len(due))
        meeting.host_is_secretary = meeting.host is not None
        if meeting.kind == MeetingKind.MEMBER_ASSEMBLY and voting_due:
            votes_for = max(voting_present - 1, 0)
            verdict = check_decision(
                kind="ordinary",
                votes_for=votes_for,
                votes_against=1 if voting_present else 0,
                votes_abstain=0,
                voting_due=voting_due,
                voting_present=voting_present,
            )
            decisions.append(
                Decision(
                    meeting=meeting,
                    title="讨论接收预备党员",
                    votes_for=votes_for,
                    votes_against=1 if voting_present else 0,
                    outcome=verdict.outcome,
                    problem=verdict.problem,
                )
            )
            meeting.invalid_decisions = int(verdict.outcome == "invalid")
    MeetingOrganisation.objects.bulk_create(participations, batch_size=2000)
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    Decision.objects.bulk_create(decisions, batch_size=1000)
    Meeting.objects.bulk_update(
        [m for m, *_ in unique if m.status == MeetingStatus.HELD],
        [
            "due_count",
            "present_count",
            "voting_due",
            "voting_present",
            "quorum_met",
            "host_is_secretary",
            "invalid_decisions",
        ],
        batch_size=1000,
    )
    compliance.recompute(years=sorted({today.year - 1, today.year}), today=today)
    return len(unique)
