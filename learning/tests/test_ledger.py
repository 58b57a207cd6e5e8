"""The study-hour ledger: credits, reversing entries, yearly totals and the requirement rules
(32 or 56 hours by the seat held on 1 January; DESIGN.md §5)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from core.actors import MissingActor, operator
from learning import selectors, services
from learning.ledger import requirement_for
from learning.models import LedgerAppendOnlyError, StudyRecord, StudyYearTotal
from organisations.models import PositionTitle
from organisations.tests.factories import MemberFactory, OrganisationFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch():
    return OrganisationFactory(name="中共测试局机关支部委员会")


@pytest.fixture
def actor():
    return UserFactory()


def credit(actor, member, source, hours="2", on=date(2026, 3, 5), kind="meeting"):
    return services.credit_study_hours(
        actor=actor,
        member=member,
        on=on,
        hours=Decimal(hours),
        source_kind=kind,
        source=source,
        description="三月主题党日学习",
    )


def test_credit_writes_entry_total_and_audit(actor, branch):
    member = MemberFactory(organisation=branch)
    source = OrganisationFactory(name="来源活动")
    record = credit(actor, member, source, hours="2.5")
    assert record.year == 2026
    assert record.organisation_id == branch.pk
    assert record.source_type == "organisations.organisation"
    assert record.source_id == str(source.pk)
    assert record.created_by == actor
    assert selectors.member_year_hours(member, 2026) == Decimal("2.5")
    event = AuditEvent.objects.get(target_type="learning.studyrecord", target_id=str(record.pk))
    assert event.changes["hours"] == "2.50"
    assert event.changes["source"] == f"organisations.organisation#{source.pk}"


def test_same_source_twice_is_refused_until_reversed(actor, branch):
    member = MemberFactory(organisation=branch)
    credit(actor, member, branch)
    with pytest.raises(ValidationError):
        credit(actor, member, branch)
    services.reverse_study_credit(actor=actor, member=member, source=branch, reason="时长有误")
    credit(actor, member, branch, hours="1.5")
    assert selectors.member_year_hours(member, 2026) == Decimal("1.5")


def test_reversal_undoes_net_credit_in_the_year_credited(actor, branch):
    member = MemberFactory(organisation=branch)
    original = credit(actor, member, branch, hours="3", on=date(2025, 12, 30))
    reversal = services.reverse_study_credit(
        actor=operator("fix"), member=member, source=branch, reason="重复记录"
    )
    assert reversal.hours == Decimal("-3")
    assert reversal.reverses == original
    assert reversal.year == 2025
    assert reversal.source_kind == "correction"
    assert reversal.created_by is None and reversal.created_by_name == "operator:fix"
    assert selectors.member_year_hours(member, 2025) == Decimal(0)
    assert selectors.member_year_hours(member, 2026) == Decimal(0)
    # Nothing left to reverse.
    assert (
        services.reverse_study_credit(actor=actor, member=member, source=branch, reason="再次")
        is None
    )
    assert StudyRecord.objects.count() == 2
    assert AuditEvent.objects.filter(target_type="learning.studyrecord").count() == 2


def test_reverse_never_credited_is_none(actor, branch):
    member = MemberFactory(organisation=branch)
    assert (
        services.reverse_study_credit(actor=actor, member=member, source=branch, reason="x") is None
    )


def test_ledger_is_append_only(actor, branch):
    member = MemberFactory(organisation=branch)
    credit(actor, member, branch)
    with pytest.raises(LedgerAppendOnlyError):
        StudyRecord.objects.all().update(hours=10)
    with pytest.raises(LedgerAppendOnlyError):
        StudyRecord.objects.all().delete()


@pytest.mark.parametrize("hours", ["0", "-1", "100.01", "1.005", "NaN", "Infinity"])
def test_bad_hours_refused(actor, branch, hours):
    member = MemberFactory(organisation=branch)
    with pytest.raises(ValidationError):
        services.credit_study_hours(
            actor=actor,
            member=member,
            on=date(2026, 1, 1),
            hours=Decimal(hours),
            source_kind="meeting",
            source=branch,
            description="x",
        )
    assert not StudyRecord.objects.exists()
    assert not StudyYearTotal.objects.exists()


def test_missing_actor_and_bad_kind(branch):
    member = MemberFactory(organisation=branch)
    with pytest.raises(MissingActor):
        credit(None, member, branch)
    with pytest.raises(ValidationError):
        credit(UserFactory(), member, branch, kind="correction")
    with pytest.raises(ValidationError):
        credit(UserFactory(), member, branch, kind="online_minutes")


def test_year_boundary(actor, branch):
    member = MemberFactory(organisation=branch)
    credit(actor, member, OrganisationFactory(), on=date(2025, 12, 31), hours="4")
    credit(actor, member, OrganisationFactory(), on=date(2026, 1, 1), hours="5")
    assert selectors.member_year_hours(member, 2025) == Decimal(4)
    assert selectors.member_year_hours(member, 2026) == Decimal(5)


def test_requirement_by_seat_on_first_of_january(branch):
    plain = MemberFactory(organisation=branch)
    secretary = MemberFactory(organisation=branch)
    PositionFactory(
        organisation=branch,
        member=secretary,
        term_start=date(2024, 1, 1),
        term_end=date(2027, 1, 1),
    )
    assert requirement_for(plain, 2026).hours == Decimal(32)
    assert requirement_for(secretary, 2026).hours == Decimal(56)
    # Before the term began: a plain member's requirement.
    assert requirement_for(secretary, 2023).hours == Decimal(32)


def test_role_taken_within_year_applies_next_year(branch):
    member = MemberFactory(organisation=branch)
    PositionFactory(
        organisation=branch,
        member=member,
        title=PositionTitle.COMMITTEE_MEMBER,
        term_start=date(2026, 5, 1),
        term_end=date(2029, 5, 1),
    )
    this_year = requirement_for(member, 2026)
    assert this_year.hours == Decimal(32)
    assert len(this_year.changes) == 1 and "2026-05-01" in this_year.changes[0]
    assert "2027" in this_year.changes[0]
    assert requirement_for(member, 2027).hours == Decimal(56)


def test_role_left_within_year_keeps_the_year(branch):
    member = MemberFactory(organisation=branch)
    PositionFactory(
        organisation=branch,
        member=member,
        term_start=date(2023, 1, 1),
        term_end=date(2026, 1, 1),
        ended_on=date(2026, 3, 31),
    )
    this_year = requirement_for(member, 2026)
    assert this_year.hours == Decimal(56)
    assert "2026-03-31" in this_year.changes[0]
    assert requirement_for(member, 2027).hours == Decimal(32)


def test_organisation_progress_counts(actor, branch, django_assert_num_queries):
    admin = UserFactory()
    done = MemberFactory(organisation=branch)
    on_track = MemberFactory(organisation=branch)
    behind = MemberFactory(organisation=branch)
    cadre = MemberFactory(organisation=branch)  # 40 h: done for a member, not for a secretary
    PositionFactory(organisation=branch, member=cadre, term_start=date(2020, 1, 1))
    credit(actor, done, OrganisationFactory(), hours="32", on=date(2026, 2, 1))
    credit(actor, on_track, OrganisationFactory(), hours="20", on=date(2026, 2, 1))
    credit(actor, behind, OrganisationFactory(), hours="2", on=date(2026, 2, 1))
    credit(actor, cadre, OrganisationFactory(), hours="40", on=date(2026, 2, 1))
    with django_assert_num_queries(1):
        progress = selectors.organisation_year_progress(admin, branch, 2026, today=date(2026, 7, 1))
    assert (progress.members, progress.done, progress.on_track, progress.behind) == (4, 1, 2, 1)
    # After the year: on track no longer exists.
    past = selectors.organisation_year_progress(admin, branch, 2026, today=date(2027, 1, 5))
    assert (past.done, past.on_track, past.behind) == (1, 0, 3)
    rows = selectors.organisation_member_rows(
        admin, branch, 2026, status="behind", today=date(2026, 7, 1)
    )
    assert {r.pk for r in rows} == {behind.pk}
    rows = selectors.organisation_member_rows(
        admin, branch, 2026, status="on_track", today=date(2026, 7, 1)
    )
    assert {r.pk for r in rows} == {on_track.pk, cadre.pk}


def test_member_year_status(actor, branch):
    member = MemberFactory(organisation=branch)
    credit(actor, member, OrganisationFactory(), hours="10", on=date(2026, 2, 1))
    status = selectors.member_year(member, 2026, today=date(2026, 2, 2))
    assert status.status == "on_track"
    assert status.remaining == Decimal(22)


def test_stored_progress_matches_the_live_count(actor, django_assert_num_queries):
    from core.actors import operator
    from organisations.models import OrganisationKind

    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    bureau = OrganisationFactory(parent=root, kind=OrganisationKind.PARTY_COMMITTEE)
    branch = OrganisationFactory(parent=bureau)
    other = OrganisationFactory(parent=root)
    today = date(2026, 7, 1)
    for organisation, hours in ((branch, "40"), (branch, "20"), (bureau, "1"), (other, "33")):
        member = MemberFactory(organisation=organisation)
        credit(actor, member, OrganisationFactory(), hours=hours, on=date(2026, 2, 1))
    MemberFactory(organisation=other)
    admin = UserFactory()
    services.refresh_study_progress(actor=operator("test"), year=2026, today=today)
    for organisation in (root, bureau, branch, other):
        live = selectors.organisation_year_progress(admin, organisation, 2026, today=today)
        with django_assert_num_queries(1):
            stored = selectors.stored_progress(admin, organisation, 2026)
        assert (stored.members, stored.done, stored.on_track, stored.behind) == (
            live.members,
            live.done,
            live.on_track,
            live.behind,
        ), organisation
    assert selectors.stored_progress(admin, root, 2026).members == 5


def test_plan_completion_by_organisation(django_assert_num_queries):
    from learning.models import Audience
    from learning.tests.factories import published_course
    from organisations.models import OrganisationKind

    admin = UserFactory()
    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    branch = OrganisationFactory(parent=root)
    elsewhere = OrganisationFactory(parent=root)
    course = published_course(admin, root, lessons=2)
    plan = services.plan_create(actor=admin, organisation=root, title="计划", year=2026)
    services.plan_item_add(actor=admin, plan=plan, course=course, due_on=date(2026, 6, 30))
    services.plan_assign(actor=admin, plan=plan, organisation=root, audience=Audience.ALL)
    services.plan_publish(actor=admin, plan=plan)
    lessons = list(course.lessons.all())
    from django.utils import timezone

    from learning.models import LessonCompletion

    finished, halfway, outside = (
        MemberFactory(organisation=o) for o in (branch, branch, elsewhere)
    )
    for member, done in ((finished, lessons), (halfway, lessons[:1]), (outside, lessons)):
        for lesson in done:
            LessonCompletion.objects.create(
                member=member, lesson=lesson, completed_at=timezone.now()
            )
    # Before the progress job has run: counted from the completions.
    with django_assert_num_queries(4):
        [row] = selectors.organisation_plan_completion(admin, branch, 2026)
    assert (row.item.course_id, row.finished) == (course.pk, 1)
    assert selectors.organisation_plan_completion(admin, root, 2026)[0].finished == 2
    assert selectors.organisation_plan_completion(admin, elsewhere, 2026)[0].finished == 1
    # After it: the same figures from its summary, in two queries whatever the subtree's size.
    from core.actors import operator

    services.refresh_study_progress(actor=operator("test"), year=2026, today=date(2026, 7, 1))
    for organisation, expected in ((branch, 1), (root, 2), (elsewhere, 1)):
        with django_assert_num_queries(2):
            [row] = selectors.organisation_plan_completion(admin, organisation, 2026)
        assert row.finished == expected, organisation
    # A member who stops being active is no longer counted once the job runs again.
    finished.status = "deceased"
    finished.save(update_fields=["status"])
    services.refresh_study_progress(actor=operator("test"), year=2026, today=date(2026, 7, 1))
    assert selectors.organisation_plan_completion(admin, root, 2026)[0].finished == 1


# --- the bulk ledger (a meeting's study part credits everyone present at once) ---------------


def credit_many(actor, members, source, hours="2", on=date(2026, 3, 5)):
    return services.credit_study_hours_many(
        actor=actor,
        entries=[services.StudyEntry(m, on, Decimal(hours)) for m in members],
        source_kind="meeting",
        source=source,
        description="三月主题党日学习",
    )


def test_bulk_credit_gives_the_same_entries_and_totals_as_one_by_one(actor, branch):
    earlier = OrganisationFactory(name="早先的活动")
    bulk_members = [MemberFactory(organisation=branch) for _ in range(4)]
    single_members = [MemberFactory(organisation=branch) for _ in range(4)]
    # half of each group already has a total this year (the update path), half not (insert)
    for member in bulk_members[:2] + single_members[:2]:
        credit(actor, member, earlier, hours="1.25")
    source = OrganisationFactory(name="来源活动")
    records = credit_many(actor, bulk_members, source, hours="2.5")
    for member in single_members:
        credit(actor, member, source, hours="2.5")

    def shape(member):
        return [
            (r.year, r.on, r.hours, r.source_kind, r.source_type, r.source_id, r.description)
            for r in StudyRecord.objects.filter(member=member).order_by("id")
        ]

    for bulk, single in zip(bulk_members, single_members, strict=True):
        assert shape(bulk) == shape(single)
        assert selectors.member_year_hours(bulk, 2026) == selectors.member_year_hours(single, 2026)
    assert selectors.member_year_hours(bulk_members[0], 2026) == Decimal("3.75")
    assert selectors.member_year_hours(bulk_members[3], 2026) == Decimal("2.5")
    assert [r.pk is not None and r.created_by == actor for r in records] == [True] * 4
    assert StudyYearTotal.objects.filter(member__in=bulk_members).count() == 4


def test_bulk_credit_year_boundary_and_reversal_in_the_year_credited(actor, branch):
    december, january = MemberFactory(organisation=branch), MemberFactory(organisation=branch)
    source = OrganisationFactory()
    services.credit_study_hours_many(
        actor=actor,
        entries=[
            services.StudyEntry(december, date(2025, 12, 31), Decimal(4)),
            services.StudyEntry(january, date(2026, 1, 1), "5"),
        ],
        source_kind="training",
        source=source,
        description="跨年培训",
    )
    assert selectors.member_year_hours(december, 2025) == Decimal(4)
    assert selectors.member_year_hours(december, 2026) == Decimal(0)
    assert selectors.member_year_hours(january, 2026) == Decimal(5)
    reversals = services.reverse_study_credits_many(
        actor=operator("fix"), members=[december, january], source=source, reason="重复记录"
    )
    assert {(r.member_id, r.year, r.hours) for r in reversals} == {
        (december.pk, 2025, Decimal(-4)),
        (january.pk, 2026, Decimal(-5)),
    }
    assert all(r.source_kind == "correction" and r.reverses_id for r in reversals)
    assert {r.reverses.member_id for r in reversals} == {december.pk, january.pk}
    for year in (2025, 2026):
        for member in (december, january):
            assert selectors.member_year_hours(member, year) == Decimal(0)


def test_bulk_reversal_skips_members_with_nothing_to_reverse(actor, branch):
    credited = [MemberFactory(organisation=branch) for _ in range(3)]
    never = MemberFactory(organisation=branch)
    source = OrganisationFactory()
    credit_many(actor, credited, source)
    services.reverse_study_credit(actor=actor, member=credited[0], source=source, reason="先冲")
    written = services.reverse_study_credits_many(
        actor=actor, members=[*credited, never], source=source, reason="出席更正"
    )
    assert sorted(r.member_id for r in written) == sorted(m.pk for m in credited[1:])
    assert (
        services.reverse_study_credits_many(
            actor=actor, members=credited, source=source, reason="再次"
        )
        == []
    )
    # reversed, so it may be credited again (the same as one by one)
    credit_many(actor, credited, source, hours="1.5")
    assert [selectors.member_year_hours(m, 2026) for m in credited] == [Decimal("1.5")] * 3
    with pytest.raises(ValidationError):
        services.reverse_study_credits_many(actor=actor, members=credited, source=source, reason="")
    with pytest.raises(MissingActor):
        services.reverse_study_credits_many(actor=None, members=credited, source=source, reason="x")


def test_bulk_credit_refuses_all_when_one_is_already_credited(actor, branch):
    first = MemberFactory(organisation=branch, name="张已记")
    others = [MemberFactory(organisation=branch) for _ in range(3)]
    source = OrganisationFactory()
    credit(actor, first, source)
    with pytest.raises(ValidationError) as refused:
        credit_many(actor, [*others, first], source)
    assert "张已记" in str(refused.value)
    assert not StudyRecord.objects.filter(member__in=others).exists()
    assert not StudyYearTotal.objects.filter(member__in=others).exists()
    with pytest.raises(ValidationError):  # the same member twice in one call
        credit_many(actor, [others[0], others[0]], source)
    with pytest.raises(ValidationError):  # one bad entry refuses the lot
        services.credit_study_hours_many(
            actor=actor,
            entries=[
                services.StudyEntry(others[0], date(2026, 1, 1), "2"),
                services.StudyEntry(others[1], date(2026, 1, 1), "0"),
            ],
            source_kind="meeting",
            source=source,
            description="x",
        )
    assert not StudyRecord.objects.filter(member__in=others).exists()
    assert credit_many(actor, [], source) == []
    with pytest.raises(MissingActor):
        credit_many(None, others, source)


def test_bulk_audit_one_event_per_organisation_naming_member_ids(actor, branch):
    other_branch = OrganisationFactory(name="另一支部")
    here = [MemberFactory(organisation=branch) for _ in range(3)]
    there = [MemberFactory(organisation=other_branch) for _ in range(2)]
    source = OrganisationFactory()
    records = credit_many(actor, [*here, *there], source, hours="2")
    events = AuditEvent.objects.filter(target_type="learning.studyrecord").order_by("id")
    assert [e.organisation_id for e in events] == [branch.pk, other_branch.pk]
    event = events[0]
    assert event.action == "create"
    assert event.changes["count"] == 3
    assert event.changes["members"] == [m.pk for m in here]
    assert event.changes["records"] == [r.pk for r in records[:3]]
    assert event.changes["hours"] == "2.00" and event.changes["year"] == 2026
    assert event.changes["source"] == f"organisations.organisation#{source.pk}"
    assert "entries" not in event.changes  # every entry shares its day and hours
    assert here[0].id_number and here[0].id_number not in str(event.changes)
    assert here[0].name not in str(event.changes)
    services.reverse_study_credits_many(actor=actor, members=here, source=source, reason="更正")
    reversal = AuditEvent.objects.filter(target_type="learning.studyrecord").latest("id")
    assert reversal.reason == "更正"
    assert reversal.changes["source_kind"] == "correction"
    assert reversal.changes["hours"] == "-2.00"
    # each reversing entry names the entry it reverses
    assert sorted(v["reverses"] for v in reversal.changes["entries"].values()) == sorted(
        r.pk for r in records[:3]
    )


def test_bulk_credit_and_reversal_take_a_fixed_number_of_queries(actor, branch):
    few = [MemberFactory(organisation=branch) for _ in range(3)]
    many = [MemberFactory(organisation=branch) for _ in range(40)]
    counts = []
    for members in (few, many):
        source = OrganisationFactory()
        credit(actor, members[0], OrganisationFactory())  # one total exists already
        with CaptureQueriesContext(connection) as credited:
            credit_many(actor, members, source)
        with CaptureQueriesContext(connection) as reversed_:
            services.reverse_study_credits_many(
                actor=actor, members=members, source=source, reason="更正"
            )
        counts.append((len(credited.captured_queries), len(reversed_.captured_queries)))
    assert counts[0] == counts[1], counts
