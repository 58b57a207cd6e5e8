"""Reads of the learning app. Pages and other apps read study hours here, from the yearly
totals (`StudyYearTotal`), never by summing the ledger on a page view."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.actors import Actor, require_actor
from organisations import policy
from organisations.models import Member, MemberStatus, Organisation, Position

from .ledger import (
    Requirement,
    expected_by,
    holds_seat_on_subquery,
    positions_between,
    requirement_for,
    seat_held_on,
)
from .models import (
    CADRE_YEARLY_HOURS,
    MEMBER_YEARLY_HOURS,
    Audience,
    Course,
    LearningPlan,
    Lesson,
    LessonCompletion,
    Participant,
    PlanItem,
    QuizAttempt,
    Reflection,
    ReflectionStatus,
    ReviewStatus,
    StudyRecord,
    StudyYearTotal,
    TrainingClass,
)

STATUS_LABELS = {"done": _("已完成"), "on_track": _("进度正常"), "behind": _("进度滞后")}


def member_year_hours(member: Member, year: int) -> Decimal:
    """The member's study hours in `year` (from the yearly total)."""
    total = StudyYearTotal.objects.filter(member=member, year=year).values_list("hours", flat=True)
    return next(iter(total), Decimal(0))


def progress_status(hours: Decimal, requirement: Decimal, year: int, today: date) -> str:
    if hours >= requirement:
        return "done"
    if today.year <= year and hours >= expected_by(requirement, year, today):
        return "on_track"
    return "behind"


@dataclass(frozen=True)
class MemberYear:
    member: Member
    year: int
    hours: Decimal
    requirement: Requirement
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def percent(self) -> int:
        if not self.requirement.hours:
            return 100
        return min(100, int(self.hours * 100 / self.requirement.hours))

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.requirement.hours - self.hours)


def member_year(
    member: Member,
    year: int,
    today: date | None = None,
    *,
    hours: Decimal | None = None,
    positions: list[Position] | None = None,
) -> MemberYear:
    """The member's year against the requirement. `hours` and `positions` when the caller has
    already read them (the "my study" page reads them with the member)."""
    today = today or timezone.localdate()
    hours = member_year_hours(member, year) if hours is None else hours
    requirement = requirement_for(member, year, positions=positions)
    return MemberYear(
        member=member,
        year=year,
        hours=hours,
        requirement=requirement,
        status=progress_status(hours, requirement.hours, year, today),
    )


@dataclass(frozen=True)
class MyStudy:
    """What the "my study" page shows, read in a fixed number of queries (seven)."""

    member: Member
    status: MemberYear
    plan: list["PlanRow"]
    recommendations: list["Recommendation"]
    records: list[StudyRecord]
    attempts: list[QuizAttempt]


def my_study(user: Actor, member_id: int, year: int, today: date | None = None) -> MyStudy:
    """我的学习 for the account's own member record: the member with their organisation and
    year total (one query), their positions (one: the requirement and today's seat), the
    plan (one), their attempts (one: the list and the themes they miss), the
    recommendations (one or two) and the latest ledger entries (one)."""
    today = today or timezone.localdate()
    # The account's own record (request.user.member_id): always its own to read, whatever
    # the account's role and scope.
    member = (
        Member.objects.select_related("organisation")
        .annotate(
            year_hours=Coalesce(
                Subquery(
                    StudyYearTotal.objects.filter(member=OuterRef("pk"), year=year).values("hours")[
                        :1
                    ]
                ),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=8, decimal_places=2),
            )
        )
        .get(pk=member_id)
    )
    if getattr(user, "member_id", None) == member.pk:
        # The account's cached record, so the policy and `available_to` reuse this row (and
        # its organisation) instead of reading them again.
        user.member = member  # type: ignore[union-attr]
    positions = positions_between(
        member, min(date(year, 1, 1), today), max(date(year, 12, 31), today)
    )
    holds_seat = any(
        p.term_start <= today and (p.ended_on is None or p.ended_on >= today) for p in positions
    )
    plan = member_plan(member, year, today, holds_seat=holds_seat)
    attempts = list(own_attempts(member)[:MISSED_THEMES_ATTEMPTS])
    return MyStudy(
        member=member,
        status=member_year(
            member,
            year,
            today,
            hours=member.year_hours,
            positions=positions,
        ),
        plan=plan,
        recommendations=recommendations(
            user, member, year, plan=plan, themes=themes_missed_in(attempts)
        ),
        records=list(member_records(user, member, year)[:10]),
        attempts=attempts[:5],
    )


def member_records(user: Actor, member: Member, year: int) -> QuerySet[StudyRecord]:
    """The ledger entries of `member` in `year` the user may read, newest first."""
    return (
        StudyRecord.objects.visible_to(user)
        .filter(member=member, year=year)
        .select_related("organisation", "reverses")
        .order_by("-on", "-id")
    )


def _members_with_hours(user: Actor, organisation: Organisation, year: int) -> QuerySet[Member]:
    """Active members in `organisation`'s subtree (as `user` sees them), each annotated with
    their hours in `year` and their requirement (by the seat held on 1 January)."""
    totals = StudyYearTotal.objects.filter(member=OuterRef("pk"), year=year).values("hours")[:1]
    money = DecimalField(max_digits=8, decimal_places=2)
    return (
        Member.objects.visible_to(user)
        .filter(organisation__in=policy.subtree_ids(organisation.path), status=MemberStatus.ACTIVE)
        .annotate(
            year_hours=Coalesce(
                Subquery(totals, output_field=money), Value(Decimal(0)), output_field=money
            ),
            requirement=Case(
                When(holds_seat_on_subquery(date(year, 1, 1)), then=Value(CADRE_YEARLY_HOURS)),
                default=Value(MEMBER_YEARLY_HOURS),
                output_field=money,
            ),
        )
    )


@dataclass(frozen=True)
class OrganisationProgress:
    organisation: object
    year: int
    members: int
    done: int
    on_track: int
    behind: int
    computed_at: datetime | None = None  # set when read from the progress job's table

    @property
    def done_percent(self) -> int:
        return int(self.done * 100 / self.members) if self.members else 0


DONE_Q = Q(year_hours__gte=F("requirement"))


def _on_track_q(year: int, today: date) -> Q:
    """Not done, but at least the requirement pro rata of the year elapsed. In a past year a
    member is either done or behind; in a future year nobody is behind yet."""
    if today.year > year:
        return Q(pk__isnull=True)  # never: a key is never null (an empty IN would void the query)
    not_done = Q(year_hours__lt=F("requirement"))
    if today.year < year:
        return not_done
    fraction = expected_by(Decimal(10000), year, today) / Decimal(10000)
    return not_done & Q(year_hours__gte=F("requirement") * fraction)


def organisation_year_progress(
    user: Actor, organisation: Organisation, year: int, today: date | None = None
) -> OrganisationProgress:
    """Members of the subtree done, on track and behind against their requirement (32 or 56
    hours by the seat held on 1 January, DESIGN.md §5): one query, whatever the number of
    members. This is what assessment may read of study hours."""
    today = today or timezone.localdate()
    figures = _members_with_hours(user, organisation, year).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=DONE_Q),
        on_track=Count("pk", filter=_on_track_q(year, today)),
    )
    total, done, on_track = figures["total"], figures["done"], figures["on_track"]
    return OrganisationProgress(
        organisation=organisation,
        year=year,
        members=total,
        done=done,
        on_track=on_track,
        behind=total - done - on_track,
    )


def organisation_member_rows(
    user: Actor,
    organisation: Organisation,
    year: int,
    *,
    status: str = "",
    today: date | None = None,
) -> QuerySet[Member]:
    """The members of a subtree with their hours and requirement in `year`, for the
    secretary's list (paginated by the view); `status` keeps done / on_track / behind."""
    today = today or timezone.localdate()
    rows = _members_with_hours(user, organisation, year).select_related("organisation")
    if status == "done":
        rows = rows.filter(DONE_Q)
    elif status == "on_track":
        rows = rows.filter(_on_track_q(year, today))
    elif status == "behind":
        rows = rows.exclude(DONE_Q).exclude(_on_track_q(year, today))
    return rows.order_by("name_pinyin", "pk")


# --- plans, courses, recommendations ----------------------------------------------------------


def _plans_for_member_q(member: Member, today: date, holds_seat: bool | None = None) -> Q:
    """Assignments that reach `member`: a group in an organisation above (or at) theirs, or
    the member by name. `holds_seat`: whether they hold a seat today, when already known."""
    paths = member.organisation.ancestor_paths()
    at = Q(assignments__organisation__path__in=paths)
    groups = Q(assignments__audience=Audience.ALL)
    if member.category == "probationary":
        groups |= Q(assignments__audience=Audience.PROBATIONARY)
    if holds_seat is None:
        holds_seat = Position.objects.filter(seat_held_on(today), member=member).exists()
    if holds_seat:
        groups |= Q(assignments__audience=Audience.CADRES)
    return (at & groups) | Q(assignments__audience=Audience.INDIVIDUAL, assignments__member=member)


@dataclass
class PlanRow:
    item: PlanItem
    lessons: int
    completed: int
    state: str  # done / next / upcoming / overdue

    @property
    def state_label(self) -> str:
        return str(PLAN_STATE_LABELS[self.state])


PLAN_STATE_LABELS = {
    "done": _("已完成"),
    "next": _("下一步"),
    "upcoming": _("待学习"),
    "overdue": _("已逾期"),
}


def _count_of(queryset: QuerySet, key: str) -> Coalesce:
    """A correlated COUNT of `queryset`'s rows for the outer row's `key` (0 when none)."""
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1]), Value(0))


def member_plan(
    member: Member, year: int, today: date | None = None, *, holds_seat: bool | None = None
) -> list[PlanRow]:
    """The member's plan for `year`: every course of every published plan that reaches them,
    with what is done, what is next and what is overdue. One query (two without
    `holds_seat`): each item carries its course's lesson count and the member's completions."""
    today = today or timezone.localdate()
    plan_ids = (
        LearningPlan.objects.filter(status=ReviewStatus.PUBLISHED, year=year)
        .filter(_plans_for_member_q(member, today, holds_seat))
        .values("pk")
    )
    items = list(
        PlanItem.objects.filter(plan_id__in=plan_ids)
        .select_related("course__theme", "plan")
        .annotate(
            lesson_count=_count_of(
                Lesson.objects.current().filter(course_id=OuterRef("course_id")), "course_id"
            ),
            completed_count=_count_of(
                LessonCompletion.objects.filter(
                    member=member,
                    lesson__course_id=OuterRef("course_id"),
                    lesson__archived_at__isnull=True,
                ),
                "member_id",
            ),
        )
        .order_by("due_on", "order", "pk")
    )
    rows, seen, next_given = [], set(), False
    for item in items:
        if item.course_id in seen:
            continue
        seen.add(item.course_id)
        total, done = item.lesson_count, item.completed_count
        if total and done >= total:
            state = "done"
        elif item.due_on < today:
            state = "overdue"
        elif not next_given:
            state, next_given = "next", True
        else:
            state = "upcoming"
        rows.append(PlanRow(item=item, lessons=total, completed=done, state=state))
    return rows


def plan_members(user: Actor, plan: LearningPlan) -> QuerySet[Member]:
    """The members a plan reaches that `user` may see (a secretary: their own members)."""
    today = timezone.localdate()
    members = Member.objects.visible_to(user).filter(status=MemberStatus.ACTIVE)
    reach = Q(pk__isnull=True)
    for assignment in plan.assignments.select_related("organisation"):
        in_org = Q(organisation__in=policy.subtree_ids(assignment.organisation.path))
        if assignment.audience == Audience.ALL:
            reach |= in_org
        elif assignment.audience == Audience.PROBATIONARY:
            reach |= in_org & Q(category="probationary")
        elif assignment.audience == Audience.CADRES:
            reach |= in_org & holds_seat_on_q(today)
        else:
            reach |= Q(pk=assignment.member_id)
    return members.filter(reach).select_related("organisation").order_by("name_pinyin", "pk")


def holds_seat_on_q(day: date) -> Q:
    return Q(pk__in=Position.objects.filter(seat_held_on(day)).values("member_id"))


def plan_completion(plan: LearningPlan, members: list[Member]) -> dict[int, int]:
    """Courses of `plan` each member has finished: {member id: count}. Two queries."""
    course_ids = list(plan.items.values_list("course_id", flat=True))
    lessons = dict(
        Lesson.objects.current()
        .filter(course_id__in=course_ids)
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    done: dict[int, int] = {}
    rows = (
        LessonCompletion.objects.filter(
            member_id__in=[m.pk for m in members],
            lesson__course_id__in=course_ids,
            lesson__archived_at__isnull=True,
        )
        .values("member_id", "lesson__course_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        if row["n"] >= lessons.get(row["lesson__course_id"], 0) > 0:
            done[row["member_id"]] = done.get(row["member_id"], 0) + 1
    return done


MISSED_THEMES_ATTEMPTS = 200  # the latest attempts that decide the themes a member misses


def own_attempts(member: Member) -> QuerySet[QuizAttempt]:
    """The member's submitted attempts, newest first (their own data only)."""
    return (
        QuizAttempt.objects.filter(member=member, submitted_at__isnull=False)
        .select_related("quiz")
        .defer("answers")
        .order_by("-submitted_at", "-pk")
    )


def themes_missed_in(attempts: list[QuizAttempt]) -> list[int]:
    """Themes of the quizzes most answered wrong in `attempts`, worst first."""
    wrong: dict[int, int] = {}
    for a in attempts:
        wrong[a.quiz.theme_id] = (
            wrong.get(a.quiz.theme_id, 0) + len(a.question_ids) - a.correct_count
        )
    return [t for t, n in sorted(wrong.items(), key=lambda kv: -kv[1]) if n > 0]


def missed_themes(member: Member) -> list[int]:
    """Themes of the quizzes the member gets most wrong, worst first (their own data only)."""
    return themes_missed_in(list(own_attempts(member)[:MISSED_THEMES_ATTEMPTS]))


@dataclass(frozen=True)
class Recommendation:
    lesson: Lesson
    reason: str


def recommendations(
    user: Actor,
    member: Member,
    year: int,
    limit: int = 5,
    plan: list[PlanRow] | None = None,
    themes: list[int] | None = None,
) -> list[Recommendation]:
    """为你推荐: the next unfinished lessons of the plan's gaps (overdue and next first), then
    lessons on the themes of the questions the member misses most. Never by popularity.
    `plan` and `themes` when the caller has already read them."""
    plan = member_plan(member, year) if plan is None else plan
    gaps = [row.item.course_id for row in plan if row.state in ("overdue", "next", "upcoming")]
    finished = LessonCompletion.objects.filter(member=member).values("lesson_id")
    available = (
        Lesson.objects.current()
        .filter(course__in=Course.objects.available_to(user).filter(status=ReviewStatus.PUBLISHED))
        .exclude(pk__in=finished)
        .defer("body")
    )
    picks: list[Recommendation] = []
    if gaps:
        order = {course_id: n for n, course_id in enumerate(gaps)}
        seen_courses: set[int] = set()
        for lesson in sorted(
            available.filter(course_id__in=gaps).select_related("course"),
            key=lambda lesson: (order[lesson.course_id], lesson.order, lesson.pk),
        ):
            if lesson.course_id in seen_courses:
                continue
            seen_courses.add(lesson.course_id)
            picks.append(Recommendation(lesson, str(_("学习计划中尚未完成"))))
    themes = missed_themes(member) if themes is None else themes
    # Read even when the plan's gaps fill the list, so the page's query count does not
    # depend on how many gaps there are.
    if themes:
        chosen = {p.lesson.pk for p in picks}
        candidates = list(
            available.filter(course__theme_id__in=themes[:3])
            .exclude(pk__in=chosen)
            .select_related("course__theme")
            .order_by("course_id", "order", "pk")[:20]
        )
        rank = {t: n for n, t in enumerate(themes)}
        for lesson in sorted(candidates, key=lambda lesson: rank[lesson.course.theme_id]):
            picks.append(
                Recommendation(
                    lesson,
                    str(_("测验中“%(theme)s”错题较多") % {"theme": lesson.course.theme.name}),
                )
            )
    return picks[:limit]


def member_progress_rows(
    user: Actor, organisation: Organisation, year: int, today: date
) -> list[tuple[int, str]]:
    """(organisation id, done / on_track / behind) for every active member of the subtree:
    one query, streamed (the progress job reads the whole tree with it)."""
    rows = _members_with_hours(user, organisation, year).values_list(  # type: ignore[misc]
        "organisation_id", "year_hours", "requirement"
    )
    return [
        (organisation_id, progress_status(hours, requirement, year, today))
        for organisation_id, hours, requirement in rows.iterator(chunk_size=5000)
    ]


def stored_progress(
    user: Actor, organisation: Organisation, year: int
) -> OrganisationProgress | None:
    """The progress job's figures for `organisation` (None before the job has run)."""
    from .models import OrganisationStudyProgress

    row = (
        OrganisationStudyProgress.objects.visible_to(user)
        .filter(organisation=organisation, year=year)
        .first()
    )
    if row is None:
        return None
    return OrganisationProgress(
        organisation=organisation,
        year=year,
        members=row.members,
        done=row.done,
        on_track=row.on_track,
        behind=row.behind,
        computed_at=row.computed_at,
    )


@dataclass(frozen=True)
class PlanItemCompletion:
    item: PlanItem
    finished: int  # members of the subtree who finished every lesson of the course


def _plan_courses(year: int) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(plan__status=ReviewStatus.PUBLISHED, plan__year=year)


def _finished_courses(
    members: QuerySet[Member], course_ids: Iterable[int]
) -> Iterator[tuple[int, int]]:
    """(organisation id, course id) for each member of `members` who finished a course of
    `course_ids` (every current lesson), streamed. Two queries."""
    course_ids = set(course_ids)
    lessons = dict(
        Lesson.objects.current()
        .filter(course_id__in=course_ids)
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    rows = (
        LessonCompletion.objects.filter(
            member__in=members.values("pk"),
            lesson__course_id__in=course_ids,
            lesson__archived_at__isnull=True,
        )
        .values("member_id", "member__organisation_id", "lesson__course_id")
        .annotate(n=Count("pk"))
        .values_list("member__organisation_id", "lesson__course_id", "n")
    )
    for organisation_id, course_id, n in rows.iterator(chunk_size=5000):
        if n >= lessons.get(course_id, 0) > 0:
            yield organisation_id, course_id


def finished_plan_courses(user: Actor, year: int) -> Iterator[tuple[int, int]]:
    """(organisation id, course id) for every active member in `user`'s view who finished a
    course of `year`'s published plans: what the progress job rolls up the tree."""
    members = Member.objects.visible_to(user).filter(status=MemberStatus.ACTIVE)
    course_ids = _plan_courses(year).values_list("course_id", flat=True).distinct()
    return _finished_courses(members, list(course_ids))


def organisation_plan_completion(
    user: Actor, organisation: Organisation, year: int
) -> list[PlanItemCompletion]:
    """Plan completion by organisation, for assessment: for each course of the year's published
    plans that reach `organisation` (from it or above it), how many of the subtree's active
    members have finished it. With organisation_year_progress, the only learning figures that
    may reach assessment (no per-person ranking).

    Read from the progress job's summary (OrganisationCourseCompletion: two queries) when it
    holds figures for `organisation`; counted from the lesson completions otherwise (before
    the job's first run, or where nobody has finished anything: four queries)."""
    from .models import OrganisationCourseCompletion

    items = list(
        _plan_courses(year)
        .filter(plan__assignments__organisation__path__in=organisation.ancestor_paths())
        .select_related("course", "plan")
        .distinct()
        .order_by("due_on", "pk")
    )
    course_ids = {item.course_id for item in items}
    finished = dict(
        OrganisationCourseCompletion.objects.visible_to(user)
        .filter(organisation=organisation, year=year, course_id__in=course_ids)
        .values_list("course_id", "finished")
    )
    if not finished:
        members = Member.objects.visible_to(user).filter(
            organisation__in=policy.subtree_ids(organisation.path), status=MemberStatus.ACTIVE
        )
        for _organisation_id, course_id in _finished_courses(members, course_ids):
            finished[course_id] = finished.get(course_id, 0) + 1
    return [
        PlanItemCompletion(item=item, finished=finished.get(item.course_id, 0)) for item in items
    ]


# --- training classes: who runs a class and what each person sees -----------------------------
#
# The one rule, used by the class pages, the reflection and certificate pages, the lists, the
# to-dos and the services:
# - a class is *run* by those who may edit its organisation (the committee admin, the secretary
#   over it) and by the accounts named its organisers (a secretary of another body may be one);
#   they see every trainee, every reflection with its copy flags, attendance and certificates;
# - a trainee's place, reflection and certificate are also seen by whoever sees the trainee's
#   member record (their own secretary, the committee admin) and by the trainee;
# - nobody else sees them (a 404), and auditors see no party data at all.


def _organised_by(user: Actor) -> QuerySet[TrainingClass]:
    """Classes naming `user` an organiser (only an account that reads party data counts)."""
    pk = getattr(user, "pk", None)
    if pk is None or not getattr(user, "reads_party_data", False):
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(organisers=pk)


def classes_run_by(user: Actor) -> QuerySet[TrainingClass]:
    """The classes `user` runs."""
    require_actor(user)
    return TrainingClass.objects.filter(
        Q(pk__in=TrainingClass.objects.editable_by(user).values("pk"))
        | Q(pk__in=_organised_by(user).values("pk"))
    )


def runs_class(user: Actor, training_class: TrainingClass) -> bool:
    """Whether `user` runs `training_class` (at most one query)."""
    require_actor(user)
    if policy.can_edit(user, training_class.organisation):
        return True
    return _organised_by(user).filter(pk=training_class.pk).exists()


def participants_visible_to(user: Actor) -> QuerySet[Participant]:
    """Trainees' places `user` may see: every place in a class they run, and the places of
    the members whose record they see (their own members; a member's own place)."""
    return Participant.objects.filter(
        Q(training_class__in=classes_run_by(user).values("pk"))
        | Q(member__in=Member.objects.visible_to(user).values("pk"))
    )


def reflections_visible_to(user: Actor) -> QuerySet[Reflection]:
    """Reflections of the places `user` may see."""
    return Reflection.objects.filter(participant__in=participants_visible_to(user).values("pk"))


def reflections_to_review(user: Actor) -> QuerySet[Reflection]:
    """Reflections waiting for `user`'s review: submitted, in a class they run."""
    return Reflection.objects.filter(
        status=ReflectionStatus.SUBMITTED,
        participant__training_class__in=classes_run_by(user).values("pk"),
    )


def classes_visible_to(user: Actor) -> QuerySet[TrainingClass]:
    """Classes `user` may open: those their scope reaches, those they run, those with a quota
    for an organisation they may edit (to nominate), and those with a place they may see."""
    visible = Q(pk__in=TrainingClass.objects.visible_to(user).values("pk")) | Q(
        pk__in=classes_run_by(user).values("pk")
    )
    scope = policy.scope_for(user, write=True)
    if scope.reach is policy.Reach.SUBTREE:
        visible |= Q(quotas__organisation__in=policy.subtree_ids(scope.path))
    visible |= Q(pk__in=participants_visible_to(user).values("training_class"))
    return TrainingClass.objects.filter(pk__in=TrainingClass.objects.filter(visible).values("pk"))
