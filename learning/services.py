"""Writes of the learning app. Every write is audited in its own transaction.

The study-hour ledger is written only by `credit_study_hours_many` and `reverse_study_credits_many`
(and their one-entry forms `credit_study_hours` and `reverse_study_credit`; other apps call them:
the meetings app credits a meeting's study part to everyone present at once). Each keeps the
members' yearly totals (`StudyYearTotal`) in the same transaction, in a fixed number of queries
whatever the number of entries."""

import random
import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actors import Actor, MissingActor, Operator, require_actor
from core.richtext import sanitise
from core.roles import Role
from core.uploads import validate_upload
from organisations import policy
from organisations.models import Member, MemberStatus, Organisation

from . import grading, selectors

if TYPE_CHECKING:
    from accounts.models import User
from .models import (
    AttendanceStatus,
    Audience,
    ClassQuota,
    ClassSession,
    CopyFlag,
    Course,
    ExternalTraining,
    LearningPlan,
    Lesson,
    LessonCompletion,
    Participant,
    PlanAssignment,
    PlanItem,
    Question,
    QuestionBank,
    QuestionKind,
    Quiz,
    QuizAttempt,
    Reflection,
    ReflectionStatus,
    ReviewStatus,
    SessionAttendance,
    StudyRecord,
    StudySourceKind,
    StudyYearTotal,
    TrainingClass,
)

# One entry never credits more than this (a week-long class is several sessions).
MAX_HOURS_PER_ENTRY = Decimal(100)


def _created_by(actor: Actor) -> dict:
    if isinstance(actor, Operator):
        return {"created_by": None, "created_by_name": str(actor)}
    if not getattr(actor, "is_authenticated", False):
        raise MissingActor
    return {"created_by": actor, "created_by_name": actor.get_username()}


class StudyEntry(NamedTuple):
    """One credit for `credit_study_hours_many`: `hours` earned by `member` on `on`."""

    member: Member
    on: date
    hours: Decimal | str | int


def _add_to_totals(deltas: dict[tuple[int, int], Decimal]) -> None:
    """Move the members' yearly totals by `deltas` ((member id, year) → hours), set-based in
    the caller's transaction: one insert of the missing rows, then one relative UPDATE per
    distinct (year, hours) — a meeting's credits share both, so two queries whatever the count.
    The increment is relative (hours = hours + x), so concurrent writers never lose one."""
    deltas = {key: value for key, value in deltas.items() if value}
    if not deltas:
        return
    StudyYearTotal.objects.bulk_create(
        [StudyYearTotal(member_id=m, year=y, hours=Decimal(0)) for m, y in deltas],
        ignore_conflicts=True,
    )
    groups: dict[tuple[int, Decimal], list[int]] = {}
    for (member_id, year), value in deltas.items():
        groups.setdefault((year, value), []).append(member_id)
    now = timezone.now()
    for (year, value), member_ids in sorted(groups.items()):
        StudyYearTotal.objects.filter(year=year, member_id__in=member_ids).update(
            hours=F("hours") + value, updated_at=now
        )


def _clean_hours(hours: object) -> Decimal:
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("学时必须是数字。")}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({"hours": _("学时必须大于 0。")})
    if value > MAX_HOURS_PER_ENTRY:
        raise ValidationError(
            {"hours": _("一条记录的学时不能超过 %(max)s。") % {"max": MAX_HOURS_PER_ENTRY}}
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"hours": _("学时最多保留两位小数。")})
    return value.quantize(Decimal("0.01"))


# Fields of an entry named in its audit event. Member ids only: no names, no personal data.
_AUDITED = ("member", "year", "on", "hours", "reverses")


def _audited(record: StudyRecord) -> dict[str, Any]:
    return {
        "member": record.member_id,
        "year": record.year,
        "on": record.on.isoformat(),
        "hours": str(record.hours),
        "reverses": record.reverses_id,
    }


def _audit_entries(
    actor: Actor, records: list[StudyRecord], source_kind: str, reason: str = ""
) -> None:
    """One audit event per organisation of the entries written together (a meeting's
    credits: one event), so each organisation's auditors see their members' entries.

    The payload names the source, the entries' ids and the members' ids; a field shared by
    every entry (the day, the hours) is given once, the others per entry. A single entry
    gives the plain shape: member, year, on, hours, source, reverses."""
    by_organisation: dict[int, list[StudyRecord]] = {}
    for record in records:
        by_organisation.setdefault(record.organisation_id, []).append(record)
    for organisation_id, group in sorted(by_organisation.items()):
        rows = [_audited(r) for r in group]
        shared = {k: rows[0][k] for k in _AUDITED if all(row[k] == rows[0][k] for row in rows)}
        changes: dict[str, Any] = {
            **shared,
            "source_kind": source_kind,
            "source": f"{group[0].source_type}#{group[0].source_id}",
        }
        if len(group) > 1:
            changes["count"] = len(group)
            changes["records"] = [r.pk for r in group]
            if "member" not in shared:
                changes["members"] = [r.member_id for r in group]
            per_entry = [k for k in _AUDITED if k not in shared and k != "member"]
            if per_entry:
                changes["entries"] = {
                    str(r.pk): {k: row[k] for k in per_entry}
                    for r, row in zip(group, rows, strict=True)
                }
        first = group[0]
        audit.record(
            actor=actor,
            action=Action.CREATE,
            target=first,
            organisation=organisation_id,
            changes=changes,
            reason=reason,
            target_repr=str(first)
            if len(group) == 1
            else _("%(text)s 等 %(n)s 条学时记录") % {"text": first.description, "n": len(group)},
        )


def _check_entry(record: StudyRecord) -> None:
    """Field checks without a query per entry (the keys come from saved rows the caller
    loaded: the members, the source, the entry reversed)."""
    record.clean_fields(exclude=["member", "organisation", "created_by", "reverses"])


@transaction.atomic
def credit_study_hours_many(
    *,
    actor: Actor,
    entries: Iterable[StudyEntry],
    source_kind: str,
    source: models.Model,
    description: str,
) -> list[StudyRecord]:
    """Credit several members from the one record `source` (a meeting's study part: every
    member present) in one transaction and a fixed number of queries whatever their number:
    the entries by one bulk insert, the yearly totals set-based, and the audit events.

    The caller's own service decides who may credit; this one only refuses a missing actor.
    A source credits a member at most once at a time (to change the hours, reverse and
    credit again): if any member already holds a credit from it, nothing is written."""
    require_actor(actor)
    if source_kind not in StudySourceKind.values or source_kind == StudySourceKind.CORRECTION:
        raise ValidationError({"source_kind": _("学时来源无效。")})
    if source.pk is None:
        raise ValueError("the source record must be saved before it credits hours")
    entries = list(entries)
    if not entries:
        return []
    if len({e.member.pk for e in entries}) != len(entries):
        raise ValidationError(_("同一党员同一来源只能记入一次学时。"))
    by_whom = _created_by(actor)
    text = (description or str(source))[:200]
    records = [
        StudyRecord(
            member=entry.member,
            organisation_id=entry.member.organisation_id,
            year=entry.on.year,
            on=entry.on,
            hours=_clean_hours(entry.hours),
            source_kind=source_kind,
            source_type=source._meta.label_lower,
            source_id=str(source.pk),
            description=text,
            **by_whom,
        )
        for entry in entries
    ]
    for record in records:
        _check_entry(record)
    credited = set(
        StudyRecord.objects.for_source(source)
        .filter(member_id__in=[r.member_id for r in records])
        .values("member_id")
        .annotate(net=Sum("hours"))
        .filter(net__gt=0)
        .values_list("member_id", flat=True)
    )
    if credited:
        names = "、".join(str(e.member) for e in entries if e.member.pk in credited)
        raise ValidationError(
            _("该活动已为%(name)s记入学时，请先冲销再重新记入。") % {"name": names}
        )
    StudyRecord.objects.bulk_create(records)
    deltas: dict[tuple[int, int], Decimal] = {}
    for record in records:
        key = (record.member_id, record.year)
        deltas[key] = deltas.get(key, Decimal(0)) + record.hours
    _add_to_totals(deltas)
    _audit_entries(actor, records, source_kind)
    return records


@transaction.atomic
def credit_study_hours(
    *,
    actor: Actor,
    member: Member,
    on: date,
    hours: Decimal,
    source_kind: str,
    source: models.Model,
    description: str,
) -> StudyRecord:
    """Credit `hours` earned on `on` by `member` from the record `source` to the ledger
    (one entry of `credit_study_hours_many`)."""
    [record] = credit_study_hours_many(
        actor=actor,
        entries=[StudyEntry(member, on, hours)],
        source_kind=source_kind,
        source=source,
        description=description,
    )
    return record


@transaction.atomic
def reverse_study_credits_many(
    *, actor: Actor, members: Iterable[Member], source: models.Model, reason: str
) -> list[StudyRecord]:
    """Undo the net credit of each of `members` from `source` (a meeting's attendance
    changed, or its hours) in a fixed number of queries whatever their number. Members with
    nothing left to reverse are skipped; returns the reversing entries written."""
    return _reverse_many(
        actor=actor,
        members=list(members),
        source_type=source._meta.label_lower,
        source_id=str(source.pk),
        reason=reason,
    )


@transaction.atomic
def reverse_study_credit(
    *, actor: Actor, member: Member, source: models.Model, reason: str
) -> StudyRecord | None:
    """Undo the net credit of `member` from `source` by a reversing entry (negative hours,
    kind "correction", the same source, on the credited day so it falls in the same year).

    Returns None when nothing is left to reverse (never credited, or already reversed)."""
    return _reverse(
        actor=actor,
        member=member,
        source_type=source._meta.label_lower,
        source_id=str(source.pk),
        reason=reason,
    )


def _reverse(
    *, actor: Actor, member: Member, source_type: str, source_id: str, reason: str
) -> StudyRecord | None:
    written = _reverse_many(
        actor=actor, members=[member], source_type=source_type, source_id=source_id, reason=reason
    )
    return written[0] if written else None


def _reverse_many(
    *, actor: Actor, members: list[Member], source_type: str, source_id: str, reason: str
) -> list[StudyRecord]:
    require_actor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写冲销原因。")})
    if not members:
        return []
    by_member: dict[int, list[StudyRecord]] = {m.pk: [] for m in members}
    for entry in (
        StudyRecord.objects.filter(
            member_id__in=list(by_member), source_type=source_type, source_id=source_id
        )
        .select_for_update()
        .order_by("on", "id")
    ):
        by_member[entry.member_id].append(entry)
    by_whom = _created_by(actor)
    written: list[StudyRecord] = []
    for member in members:
        records = by_member[member.pk]
        net = sum((r.hours for r in records), Decimal(0))
        if net <= 0:
            continue
        reversed_ids = {r.reverses_id for r in records if r.reverses_id}
        credits = [r for r in records if r.hours > 0 and r.pk not in reversed_ids]
        original = credits[-1] if credits else records[-1]
        record = StudyRecord(
            member=member,
            organisation_id=original.organisation_id,
            year=original.year,
            on=original.on,
            hours=-net,
            source_kind=StudySourceKind.CORRECTION,
            source_type=original.source_type,
            source_id=original.source_id,
            description=(
                _("冲销：%(text)s（%(reason)s）") % {"text": original.description, "reason": reason}
            )[:200],
            reverses=original,
            **by_whom,
        )
        _check_entry(record)
        written.append(record)
    if not written:
        return []
    StudyRecord.objects.bulk_create(written)
    deltas: dict[tuple[int, int], Decimal] = {}
    for record in written:
        key = (record.member_id, record.year)
        deltas[key] = deltas.get(key, Decimal(0)) + record.hours
    _add_to_totals(deltas)
    _audit_entries(actor, written, StudySourceKind.CORRECTION, reason=reason)
    return written


@transaction.atomic
def study_record_reverse(*, actor: Actor, record: StudyRecord, reason: str) -> StudyRecord | None:
    """A secretary's correction of a ledger entry: reverse the net credit of its source (the
    source may be gone, or belong to another app: it is named by its stored type and id)."""
    record = StudyRecord.objects.select_related("member__organisation").get(pk=record.pk)
    _require_edit(actor, record.member.organisation)
    return _reverse(
        actor=actor,
        member=record.member,
        source_type=record.source_type,
        source_id=record.source_id,
        reason=reason,
    )


# --- shared checks ----------------------------------------------------------------------------


def _require_edit(actor: Actor, organisation: Organisation) -> None:
    require_actor(actor)
    if not policy.can_edit(actor, organisation):
        raise PermissionDenied


def _user(actor: Actor) -> "User":
    """The account that acts, for the "by whom" columns (an operator has none)."""
    require_actor(actor)
    if isinstance(actor, Operator) or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    return cast("User", actor)


def _acting_member(actor: Actor) -> Member:
    """The member a member's own action (finishing a lesson, a quiz) is for."""
    require_actor(actor)
    member = getattr(actor, "member", None)
    if member is None or member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("只有关联了党员档案的账号才能参加学习。"))
    return member


def _audit_write(
    actor: Actor,
    target: models.Model,
    organisation: Organisation | int | None,
    changes: dict[str, Any],
    action: str = Action.CREATE,
    reason: str = "",
) -> None:
    audit.record(
        actor=actor,
        action=action,
        target=target,
        organisation=organisation,
        changes={k: audit._plain(v) for k, v in changes.items()},
        reason=reason,
    )


# --- courses and lessons ----------------------------------------------------------------------

COURSE_FIELDS = ("title", "theme", "summary")
LESSON_MAX_MB = 500


@transaction.atomic
def course_create(*, actor: Actor, organisation: Organisation, **fields: Any) -> Course:
    _require_edit(actor, organisation)
    course = Course(organisation=organisation, author=_user(actor), **fields)
    course.full_clean()
    course.save()
    _audit_write(
        actor, course, organisation, audit.snapshot(course, ("organisation",) + COURSE_FIELDS)
    )
    return course


@transaction.atomic
def course_update(*, actor: Actor, course: Course, **fields: Any) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    _require_edit(actor, course.organisation)
    before = audit.snapshot(course, COURSE_FIELDS)
    for name, value in fields.items():
        setattr(course, name, value)
    course.full_clean()
    course.save(update_fields=list(fields))
    _audit_write(
        actor,
        course,
        course.organisation_id,
        audit.diff(before, audit.snapshot(course, COURSE_FIELDS)),
        action=Action.UPDATE,
    )
    return course


def _clean_lesson_file(upload: Any) -> str:
    return validate_upload(
        upload, kinds={"pdf", "video", "audio"}, max_mb=LESSON_MAX_MB, field_label=_("附件")
    )


@transaction.atomic
def lesson_create(*, actor: Actor, course: Course, file: Any = None, **fields: Any) -> Lesson:
    course = Course.objects.select_for_update().get(pk=course.pk)
    _require_edit(actor, course.organisation)
    if course.status in (ReviewStatus.PUBLISHED, ReviewStatus.IN_REVIEW):
        raise ValidationError(_("已发布或待审核的课程不能修改课时，请先撤回。"))
    lesson = Lesson(course=course, **fields)
    lesson.body = sanitise(lesson.body)
    if file:
        lesson.file_kind = _clean_lesson_file(file)
        lesson.file_name = file.name[:200]
        lesson.file = file
    if not fields.get("order"):  # the model's default (1) is not a place: take the next one
        lesson.order = _next_place(course)
    if (
        lesson.quiz_id
        and not Quiz.objects.filter(pk=lesson.quiz_id, theme_id=course.theme_id).exists()
    ):
        raise ValidationError({"quiz": _("课后测验须与课程属于同一专题。")})
    lesson.full_clean()
    lesson.save()
    _audit_write(
        actor,
        lesson,
        course.organisation_id,
        {
            "course": course.pk,
            "title": lesson.title,
            "hours": lesson.hours,
            "file": lesson.file_name,
        },
    )
    return lesson


def _next_place(course: Course) -> int:
    last = Lesson.objects.current().filter(course=course).aggregate(m=models.Max("order"))["m"]
    return (last or 0) + 1


def _require_lessons_editable(actor: Actor, course: Course) -> None:
    _require_edit(actor, course.organisation)
    if course.status in (ReviewStatus.PUBLISHED, ReviewStatus.IN_REVIEW):
        raise ValidationError(_("已发布或待审核的课程不能修改课时，请先撤回。"))


def _renumber(course: Course) -> list[Lesson]:
    """The course's current lessons, locked, at places 1 … n in their present order (closing
    any gap an archived or deleted lesson left)."""
    lessons = list(
        Lesson.objects.current()
        .select_for_update()
        .filter(course=course)
        .order_by("order", "pk")
        .only("pk", "order", "course_id")
    )
    for place, lesson in enumerate(lessons, start=1):
        if lesson.order != place:
            lesson.order = place
            lesson.save(update_fields=["order"])
    return lessons


@transaction.atomic
def lesson_move(*, actor: Actor, lesson: Lesson, up: bool) -> Lesson:
    """Move a lesson one place up or down in its course; places stay 1 … n, one lesson each
    (the constraint one_lesson_a_place). At the top (or bottom) it is a no-op."""
    course = Course.objects.select_for_update().get(pk=lesson.course_id)
    _require_lessons_editable(actor, course)
    lessons = _renumber(course)
    index = next((i for i, row in enumerate(lessons) if row.pk == lesson.pk), None)
    if index is None:
        raise ValidationError(_("该课时已归档，不能调整顺序。"))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(lessons):
        return lessons[index]
    moving, neighbour = lessons[index], lessons[other]
    before = moving.order
    # Through a free place (0 is never used), so the one-lesson-a-place constraint holds at
    # every step.
    moving.order = 0
    moving.save(update_fields=["order"])
    neighbour.order = before
    neighbour.save(update_fields=["order"])
    moving.order = other + 1
    moving.save(update_fields=["order"])
    _audit_write(
        actor, moving, course.organisation_id, {"order": [before, moving.order]}, Action.UPDATE
    )
    return moving


class LessonRemoved(NamedTuple):
    archived: bool  # False: deleted


@transaction.atomic
def lesson_remove(*, actor: Actor, lesson: Lesson) -> LessonRemoved:
    """Take a lesson out of its course. A lesson nobody has finished (and no copy flag cites)
    is deleted. One that members have finished is archived instead: their completions and the
    study hours those credited stay — the hours were earned, and the ledger is never edited —
    and the lesson no longer shows, counts towards its course or can be finished."""
    course = Course.objects.select_for_update().get(pk=lesson.course_id)
    _require_lessons_editable(actor, course)
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if lesson.archived_at is not None:
        raise ValidationError(_("该课时已归档。"))
    completions = lesson.completions.count()
    cited = CopyFlag.objects.filter(other_lesson=lesson).exists()
    facts = {"course": course.pk, "title": lesson.title, "hours": lesson.hours}
    if completions or cited:
        lesson.archived_at = timezone.now()
        lesson.save(update_fields=["archived_at"])
        _audit_write(
            actor,
            lesson,
            course.organisation_id,
            {**facts, "archived": True, "completions": completions},
            Action.UPDATE,
            reason=(
                _("已有 %(n)s 名党员学完，归档而不删除，学时记录保持不变。") % {"n": completions}
                if completions
                else _("雷同提示引用了本课时正文，归档而不删除。")
            ),
        )
        _renumber(course)
        return LessonRemoved(archived=True)
    _audit_write(actor, lesson, course.organisation_id, facts, Action.DELETE)
    file_name, storage = lesson.file.name, lesson.file.storage
    lesson.delete()
    if file_name:
        transaction.on_commit(lambda: storage.delete(file_name))
    _renumber(course)
    return LessonRemoved(archived=False)


def _set_course_status(actor: Actor, course: Course, status: str, **extra: Any) -> Course:
    before = course.status
    course.status = status
    for name, value in extra.items():
        setattr(course, name, value)
    course.save(update_fields=["status", *extra])
    _audit_write(
        actor,
        course,
        course.organisation_id,
        {
            "status": [before, status],
            **{k: audit._plain(v) for k, v in extra.items() if k == "review_comment"},
        },
        action=Action.UPDATE,
    )
    return course


@transaction.atomic
def course_submit(*, actor: Actor, course: Course) -> Course:
    """The author sends a course for review (with at least one lesson)."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    _require_edit(actor, course.organisation)
    if course.status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED, ReviewStatus.WITHDRAWN):
        raise ValidationError(_("该课程当前不能提交审核。"))
    if not Lesson.objects.current().filter(course=course).exists():
        raise ValidationError(_("课程至少要有一个课时才能提交审核。"))
    return _set_course_status(actor, course, ReviewStatus.IN_REVIEW)


def may_review(actor: Actor, organisation: Organisation, author_id: int | None) -> bool:
    """The committee admin reviews anything; a secretary reviews what organisations below
    their own author (never their own course, nor their own organisation's)."""
    require_actor(actor)
    if getattr(actor, "role", None) == Role.COMMITTEE_ADMIN:
        return True
    scope = policy.scope_for(actor, write=True)
    return (
        scope.reach is policy.Reach.SUBTREE
        and organisation.path.startswith(scope.path)
        and organisation.path != scope.path
        and author_id != actor.pk
    )


@transaction.atomic
def course_review(*, actor: Actor, course: Course, approve: bool, comment: str = "") -> Course:
    course = Course.objects.select_for_update().select_related("organisation").get(pk=course.pk)
    if not may_review(actor, course.organisation, course.author_id):
        raise PermissionDenied
    if course.status != ReviewStatus.IN_REVIEW:
        raise ValidationError(_("该课程不在待审核状态。"))
    comment = (comment or "").strip()[:500]
    if approve:
        return _set_course_status(
            actor,
            course,
            ReviewStatus.PUBLISHED,
            reviewed_by=actor,
            review_comment=comment,
            published_at=timezone.now(),
        )
    if not comment:
        raise ValidationError({"comment": _("退回时请填写审核意见。")})
    return _set_course_status(
        actor, course, ReviewStatus.RETURNED, reviewed_by=actor, review_comment=comment
    )


@transaction.atomic
def course_withdraw(*, actor: Actor, course: Course) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    _require_edit(actor, course.organisation)
    if course.status != ReviewStatus.PUBLISHED and course.status != ReviewStatus.IN_REVIEW:
        raise ValidationError(_("该课程未发布。"))
    return _set_course_status(actor, course, ReviewStatus.WITHDRAWN)


@transaction.atomic
def lesson_complete(*, actor: Actor, lesson: Lesson) -> LessonCompletion:
    """A member explicitly finishes a lesson: it must be published to them, and where the
    lesson has a quiz, a passed attempt is required. Credits the lesson's hours. Time spent on
    the page plays no part."""
    member = _acting_member(actor)
    lesson = Lesson.objects.select_related("course").get(pk=lesson.pk)
    if lesson.course.status != ReviewStatus.PUBLISHED:
        raise ValidationError(_("该课程尚未发布。"))
    if lesson.archived_at is not None:
        raise ValidationError(_("该课时已归档，不再计学时。"))
    if LessonCompletion.objects.filter(member=member, lesson=lesson).exists():
        raise ValidationError(_("你已学完该课时。"))
    if (
        lesson.quiz_id
        and not QuizAttempt.objects.filter(
            member=member, quiz_id=lesson.quiz_id, passed=True
        ).exists()
    ):
        raise ValidationError(_("请先通过本课时的课后测验。"))
    completion = LessonCompletion.objects.create(
        lesson=lesson, member=member, completed_at=timezone.now()
    )
    _audit_write(actor, completion, member.organisation_id, {"lesson": lesson.pk})
    if lesson.hours > 0:
        credit_study_hours(
            actor=actor,
            member=member,
            on=timezone.localdate(),
            hours=lesson.hours,
            source_kind=StudySourceKind.LESSON,
            source=completion,
            description=_("学完课时：%(course)s · %(lesson)s")
            % {"course": lesson.course.title, "lesson": lesson.title},
        )
    return completion


# --- learning plans ---------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: Actor, organisation: Organisation, **fields: Any) -> LearningPlan:
    _require_edit(actor, organisation)
    plan = LearningPlan(organisation=organisation, created_by=_user(actor), **fields)
    plan.full_clean()
    plan.save()
    _audit_write(actor, plan, organisation, {"title": plan.title, "year": plan.year})
    return plan


@transaction.atomic
def plan_item_add(*, actor: Actor, plan: LearningPlan, course: Course, due_on: date) -> PlanItem:
    _require_edit(actor, plan.organisation)
    if (
        not Course.objects.available_to(actor)
        .filter(pk=course.pk, status=ReviewStatus.PUBLISHED)
        .exists()
    ):
        raise ValidationError({"course": _("只能选择已发布到本组织的课程。")})
    if due_on.year != plan.year:
        raise ValidationError({"due_on": _("完成期限须在计划年度内。")})
    if PlanItem.objects.filter(plan=plan, course=course).exists():
        raise ValidationError({"course": _("该课程已在计划中。")})
    item = PlanItem(plan=plan, course=course, due_on=due_on, order=plan.items.count() + 1)
    item.full_clean()
    item.save()
    _audit_write(
        actor, item, plan.organisation_id, {"plan": plan.pk, "course": course.pk, "due_on": due_on}
    )
    return item


@transaction.atomic
def plan_assign(
    *,
    actor: Actor,
    plan: LearningPlan,
    organisation: Organisation,
    audience: str,
    member: Member | None = None,
) -> PlanAssignment:
    _require_edit(actor, plan.organisation)
    if not organisation.path.startswith(plan.organisation.path):
        raise ValidationError({"organisation": _("只能布置给本组织及下级组织。")})
    _require_edit(actor, organisation)
    if audience == Audience.INDIVIDUAL:
        if member is None:
            raise ValidationError({"member": _("请选择党员。")})
        if not member.organisation.path.startswith(organisation.path):
            raise ValidationError({"member": _("该党员不在所选党组织内。")})
    else:
        member = None
    assignment = PlanAssignment(
        plan=plan, organisation=organisation, audience=audience, member=member
    )
    assignment.full_clean()
    assignment.save()
    _audit_write(
        actor,
        assignment,
        plan.organisation_id,
        {
            "plan": plan.pk,
            "organisation": organisation.pk,
            "audience": audience,
            "member": getattr(member, "pk", None),
        },
    )
    return assignment


@transaction.atomic
def plan_publish(*, actor: Actor, plan: LearningPlan) -> LearningPlan:
    plan = LearningPlan.objects.select_for_update().get(pk=plan.pk)
    _require_edit(actor, plan.organisation)
    if not plan.items.exists() or not plan.assignments.exists():
        raise ValidationError(_("计划须至少包含一门课程和一个学习对象才能发布。"))
    before = plan.status
    plan.status = ReviewStatus.PUBLISHED
    plan.save(update_fields=["status"])
    _audit_write(
        actor, plan, plan.organisation_id, {"status": [before, plan.status]}, action=Action.UPDATE
    )
    return plan


# --- question banks and quizzes ---------------------------------------------------------------


@transaction.atomic
def bank_create(*, actor: Actor, organisation: Organisation, **fields: Any) -> QuestionBank:
    _require_edit(actor, organisation)
    bank = QuestionBank(organisation=organisation, created_by=_user(actor), **fields)
    bank.full_clean()
    bank.save()
    _audit_write(actor, bank, organisation, {"title": bank.title, "theme": bank.theme_id})
    return bank


def check_question(kind: str, options: list[str], answer: str) -> str:
    """The stored form of `answer`, or a ValidationError naming what is wrong."""
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            raise ValidationError({"options": _("选择题至少要有两个选项。")})
        if len(options) > len(grading.LETTERS):
            raise ValidationError({"options": _("选项不能超过 10 个。")})
        letters = grading.normalise_choice(answer)
        if not letters or any(grading.LETTERS.index(ch) >= len(options) for ch in letters):
            raise ValidationError({"answer": _("答案须是已有选项的字母。")})
        if kind == QuestionKind.SINGLE and len(letters) != 1:
            raise ValidationError({"answer": _("单选题只能有一个答案。")})
        return letters
    if kind == QuestionKind.TRUE_FALSE:
        value = grading.normalise_true_false(answer)
        if not value:
            raise ValidationError({"answer": _("判断题的答案须为“对”或“错”。")})
        return value
    if kind == QuestionKind.FILL:
        texts = [t.strip() for t in str(answer or "").split("|") if t.strip()]
        if not texts:
            raise ValidationError({"answer": _("请填写答案。")})
        return "|".join(texts)
    raise ValidationError({"kind": _("题型无效。")})


def build_question(bank: QuestionBank, **fields: Any) -> Question:
    kind = fields.get("kind", "")
    options = [str(o).strip() for o in fields.get("options") or [] if str(o).strip()]
    if kind in (QuestionKind.TRUE_FALSE, QuestionKind.FILL):
        options = []
    fields["options"] = options
    fields["answer"] = check_question(kind, options, fields.get("answer", ""))
    question = Question(bank=bank, **fields)
    question.full_clean()
    return question


@transaction.atomic
def question_create(*, actor: Actor, bank: QuestionBank, **fields: Any) -> Question:
    _require_edit(actor, bank.organisation)
    question = build_question(bank, **fields)
    question.save()
    _audit_write(actor, question, bank.organisation_id, {"bank": bank.pk, "kind": question.kind})
    return question


@transaction.atomic
def bank_import(*, actor: Actor, bank: QuestionBank, rows: list[dict[str, Any]]) -> int:
    """Add the previewed rows (learning.bank_import) to the bank, all or none."""
    _require_edit(actor, bank.organisation)
    questions = [build_question(bank, **row) for row in rows]
    Question.objects.bulk_create(questions)
    _audit_write(
        actor, bank, bank.organisation_id, {"imported": len(questions)}, action=Action.UPLOAD
    )
    return len(questions)


@transaction.atomic
def quiz_create(*, actor: Actor, organisation: Organisation, **fields: Any) -> Quiz:
    _require_edit(actor, organisation)
    quiz = Quiz(organisation=organisation, created_by=_user(actor), **fields)
    quiz.full_clean()
    if not 1 <= quiz.question_count <= 100:
        raise ValidationError({"question_count": _("题目数量须在 1 到 100 之间。")})
    if not 0 <= quiz.pass_mark <= 100:
        raise ValidationError({"pass_mark": _("及格分须在 0 到 100 之间。")})
    if quiz.time_limit_minutes is not None and not 1 <= quiz.time_limit_minutes <= 300:
        raise ValidationError({"time_limit_minutes": _("限时须在 1 到 300 分钟之间。")})
    available = question_pool(quiz).count()
    if available < quiz.question_count:
        raise ValidationError(
            {
                "question_count": _("该专题（及难度）的题库只有 %(n)s 道题，不足抽取。")
                % {"n": available}
            }
        )
    quiz.save()
    _audit_write(actor, quiz, organisation, {"title": quiz.title, "theme": quiz.theme_id})
    return quiz


def question_pool(quiz: Quiz) -> models.QuerySet[Question]:
    """The questions a quiz draws from: its theme's banks kept by its organisation or one above."""
    from .models import _ancestor_paths

    pool = Question.objects.filter(
        bank__theme_id=quiz.theme_id,
        bank__organisation__path__in=_ancestor_paths(quiz.organisation.path),
    )
    if quiz.difficulty:
        pool = pool.filter(difficulty=quiz.difficulty)
    return pool


# Submissions arriving this long after the deadline are still on time (network, slow phones).
ATTEMPT_GRACE = timedelta(seconds=60)


@transaction.atomic
def attempt_start(*, actor: Actor, quiz: Quiz) -> QuizAttempt:
    member = _acting_member(actor)
    quiz = Quiz.objects.select_for_update().select_related("organisation").get(pk=quiz.pk)
    if (
        not Quiz.objects.available_to(actor)
        .filter(pk=quiz.pk, status=ReviewStatus.PUBLISHED)
        .exists()
    ):
        raise PermissionDenied
    used = QuizAttempt.objects.filter(quiz=quiz, member=member).count()
    if quiz.attempt_limit is not None and used >= quiz.attempt_limit:
        raise ValidationError(
            _("已达到该测验的作答次数上限（%(n)s 次）。") % {"n": quiz.attempt_limit}
        )
    ids = list(question_pool(quiz).values_list("pk", flat=True))
    if len(ids) < quiz.question_count:
        raise ValidationError(_("题库题目不足，暂不能作答，请联系组织者。"))
    drawn = random.SystemRandom().sample(ids, quiz.question_count)
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        quiz=quiz,
        member=member,
        question_ids=drawn,
        started_at=now,
        deadline=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None,
    )
    _audit_write(actor, attempt, member.organisation_id, {"quiz": quiz.pk})
    return attempt


@transaction.atomic
def attempt_submit(*, actor: Actor, attempt: QuizAttempt, answers: dict[str, Any]) -> QuizAttempt:
    """Grade the attempt. Past the time limit (and its grace), nothing counts: the attempt is
    marked late with score 0. Multiple choice counts only when exactly right."""
    member = _acting_member(actor)
    attempt = QuizAttempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
    if attempt.member_id != member.pk:
        raise PermissionDenied
    if attempt.submitted_at is not None:
        raise ValidationError(_("该次作答已交卷。"))
    now = timezone.now()
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    kept = {str(qid): answers.get(str(qid), "") for qid in attempt.question_ids}
    late = attempt.deadline is not None and now > attempt.deadline + ATTEMPT_GRACE
    correct = 0
    if not late:
        correct = sum(
            1
            for qid in attempt.question_ids
            if qid in questions
            and grading.is_correct(questions[qid].kind, questions[qid].answer, kept[str(qid)])
        )
    total = len(attempt.question_ids) or 1
    attempt.answers = {k: (v if isinstance(v, str | list) else str(v)) for k, v in kept.items()}
    attempt.submitted_at = now
    attempt.correct_count = correct
    attempt.score = round(correct * 100 / total)
    attempt.late = late
    attempt.passed = not late and attempt.score >= attempt.quiz.pass_mark
    attempt.save(
        update_fields=["answers", "submitted_at", "correct_count", "score", "late", "passed"]
    )
    _audit_write(
        actor,
        attempt,
        member.organisation_id,
        {"score": attempt.score, "passed": attempt.passed, "late": late},
        action=Action.UPDATE,
    )
    return attempt


# --- training classes -------------------------------------------------------------------------


def _require_organiser(actor: Actor, training_class: TrainingClass) -> None:
    if not selectors.runs_class(actor, training_class):
        raise PermissionDenied


@transaction.atomic
def class_create(
    *, actor: Actor, organisation: Organisation, organisers: Any = (), **fields: Any
) -> TrainingClass:
    _require_edit(actor, organisation)
    training_class = TrainingClass(organisation=organisation, created_by=_user(actor), **fields)
    training_class.full_clean()
    if training_class.ends_on < training_class.starts_on:
        raise ValidationError({"ends_on": _("结业日期不能早于开班日期。")})
    training_class.save()
    training_class.organisers.set(list(organisers) or [_user(actor)])
    _audit_write(
        actor,
        training_class,
        organisation,
        {
            "title": training_class.title,
            "starts_on": training_class.starts_on,
            "ends_on": training_class.ends_on,
        },
    )
    return training_class


@transaction.atomic
def quota_set(
    *, actor: Actor, training_class: TrainingClass, organisation: Organisation, seats: int
) -> ClassQuota:
    _require_organiser(actor, training_class)
    if not 1 <= seats <= 500:
        raise ValidationError({"seats": _("名额须在 1 到 500 之间。")})
    quota, _created = ClassQuota.objects.select_for_update().get_or_create(
        training_class=training_class, organisation=organisation, defaults={"seats": seats}
    )
    if quota.participants.count() > seats:
        raise ValidationError({"seats": _("已推荐的学员多于新的名额。")})
    before = quota.seats if not _created else None
    quota.seats = seats
    quota.save(update_fields=["seats"])
    _audit_write(
        actor,
        quota,
        training_class.organisation_id,
        {"organisation": organisation.pk, "seats": [before, seats]},
        action=Action.CREATE if _created else Action.UPDATE,
    )
    return quota


@transaction.atomic
def participant_nominate(
    *, actor: Actor, training_class: TrainingClass, member: Member
) -> Participant:
    """An organisation nominates one of its members within its quota (the nearest quota above
    the member's organisation that the actor may use)."""
    _require_edit(actor, member.organisation)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("只能推荐在册党员。")})
    from .models import _ancestor_paths

    quotas = (
        ClassQuota.objects.select_for_update()
        .filter(
            training_class=training_class,
            organisation__path__in=_ancestor_paths(member.organisation.path),
        )
        .select_related("organisation")
        .order_by("-organisation__depth")
    )
    quota = next((q for q in quotas if policy.can_edit(actor, q.organisation)), None)
    if quota is None:
        raise ValidationError({"member": _("该党员所在组织没有本培训班的名额。")})
    if quota.participants.count() >= quota.seats:
        raise ValidationError(
            {
                "member": _("%(org)s的名额（%(n)s 人）已满。")
                % {"org": quota.organisation, "n": quota.seats}
            }
        )
    if Participant.objects.filter(training_class=training_class, member=member).exists():
        raise ValidationError({"member": _("该党员已是本班学员。")})
    participant = Participant.objects.create(
        training_class=training_class, member=member, quota=quota, nominated_by=_user(actor)
    )
    _audit_write(
        actor, participant, training_class.organisation_id, {"member": member.pk, "quota": quota.pk}
    )
    return participant


@transaction.atomic
def session_create(*, actor: Actor, training_class: TrainingClass, **fields: Any) -> ClassSession:
    _require_organiser(actor, training_class)
    session = ClassSession(training_class=training_class, **fields)
    session.full_clean()
    if not training_class.starts_on <= session.on <= training_class.ends_on:
        raise ValidationError({"on": _("课次日期须在培训班起止日期内。")})
    if not Decimal(0) < session.hours <= Decimal(12):
        raise ValidationError({"hours": _("每次课的学时须大于 0 且不超过 12。")})
    session.save()
    _audit_write(
        actor,
        session,
        training_class.organisation_id,
        {"on": session.on, "hours": session.hours, "topic": session.topic},
    )
    return session


@transaction.atomic
def attendance_record(
    *, actor: Actor, session: ClassSession, statuses: dict[int, str]
) -> list[SessionAttendance]:
    """Record attendance for a session. Present credits the session's hours; a change away
    from present reverses that credit (the ledger keeps both entries)."""
    session = ClassSession.objects.select_related("training_class").get(pk=session.pk)
    training_class = session.training_class
    _require_organiser(actor, training_class)
    if session.on > timezone.localdate():
        raise ValidationError(_("课次尚未举行，不能登记出勤。"))
    participants = {
        p.pk: p
        for p in Participant.objects.filter(training_class=training_class).select_related("member")
    }
    existing = {
        a.participant_id: a
        for a in SessionAttendance.objects.select_for_update().filter(session=session)
    }
    written = []
    for participant_id, status in statuses.items():
        if participant_id not in participants:
            raise ValidationError(_("学员不属于本培训班。"))
        if status not in AttendanceStatus.values:
            raise ValidationError(_("出勤状态无效。"))
        participant = participants[participant_id]
        row = existing.get(participant_id)
        before = row.status if row else None
        if before == status:
            continue
        if row is None:
            row = SessionAttendance.objects.create(
                session=session, participant=participant, status=status
            )
        else:
            row.status = status
            row.save(update_fields=["status", "recorded_at"])
        _audit_write(
            actor,
            row,
            training_class.organisation_id,
            {"session": session.pk, "member": participant.member_id, "status": [before, status]},
            action=Action.CREATE if before is None else Action.UPDATE,
        )
        if status == AttendanceStatus.PRESENT:
            credit_study_hours(
                actor=actor,
                member=participant.member,
                on=session.on,
                hours=session.hours,
                source_kind=StudySourceKind.TRAINING,
                source=row,
                description=_("培训班：%(cls)s · %(topic)s")
                % {"cls": training_class.title, "topic": session.topic},
            )
        elif before == AttendanceStatus.PRESENT:
            reverse_study_credit(
                actor=actor,
                member=participant.member,
                source=row,
                reason=_("出勤改为%(s)s") % {"s": row.get_status_display()},
            )
        written.append(row)
    return written


REFLECTION_MIN_CHARS = 50


def _clean_essay(title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").replace("\x00", "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")})
    if len(body) < REFLECTION_MIN_CHARS:
        raise ValidationError({"body": _("正文不少于 %(n)s 字。") % {"n": REFLECTION_MIN_CHARS}})
    return title, body


@transaction.atomic
def reflection_submit(
    *, actor: Actor, participant: Participant, title: str, body: str
) -> Reflection:
    member = _acting_member(actor)
    if participant.member_id != member.pk:
        raise PermissionDenied
    title, body = _clean_essay(title, body)
    if (
        Reflection.objects.filter(participant=participant)
        .exclude(status=ReflectionStatus.RETURNED)
        .exists()
    ):
        raise ValidationError(_("你已提交心得体会；被退回后可修改重交。"))
    reflection = Reflection.objects.filter(
        participant=participant, status=ReflectionStatus.RETURNED
    ).first()
    if reflection is None:
        reflection = Reflection(participant=participant)
    reflection.title, reflection.body = title, body
    reflection.status = ReflectionStatus.SUBMITTED
    reflection.submitted_at = timezone.now()
    reflection.full_clean()
    reflection.save()
    _audit_write(
        actor,
        reflection,
        participant.training_class.organisation_id,
        {"title": title, "chars": len(body)},
    )
    return reflection


@transaction.atomic
def reflection_review(
    *, actor: Actor, reflection: Reflection, accept: bool, comment: str
) -> Reflection:
    reflection = (
        Reflection.objects.select_for_update()
        .select_related("participant__training_class__organisation")
        .get(pk=reflection.pk)
    )
    _require_organiser(actor, reflection.participant.training_class)
    if reflection.status != ReflectionStatus.SUBMITTED:
        raise ValidationError(_("该心得体会不在待审阅状态。"))
    comment = (comment or "").strip()[:1000]
    if not accept and not comment:
        raise ValidationError({"comment": _("退回修改时请写明意见。")})
    before = reflection.status
    reflection.status = ReflectionStatus.ACCEPTED if accept else ReflectionStatus.RETURNED
    reflection.review_comment = comment
    reflection.reviewed_by = _user(actor)
    reflection.reviewed_at = timezone.now()
    reflection.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    _audit_write(
        actor,
        reflection,
        reflection.participant.training_class.organisation_id,
        {"status": [before, reflection.status], "comment": comment},
        action=Action.UPDATE,
    )
    return reflection


def check_copies(*, reflection_ids: list[int] | None = None) -> int:
    """Flag near-copies among reflections and against lesson texts (learning.similarity).
    With `reflection_ids`, only those are checked (against everything); flags of the checked
    reflections are replaced. A derived hint, not a party-data write: not audited."""
    from . import similarity

    documents = [
        similarity.Document(("reflection", pk), body)
        for pk, body in Reflection.objects.values_list("pk", "body").iterator(chunk_size=2000)
    ]
    documents += [
        similarity.Document(("lesson", pk), _strip_tags(body))
        for pk, body in Lesson.objects.exclude(body="")
        .values_list("pk", "body")
        .iterator(chunk_size=2000)
    ]
    ids = list(reflection_ids or [])
    check = {("reflection", pk) for pk in ids} if reflection_ids is not None else None
    matches = similarity.find_matches(documents, check=check)
    with transaction.atomic():
        checked = (
            CopyFlag.objects.all()
            if check is None
            else CopyFlag.objects.filter(reflection_id__in=ids)
        )
        checked.delete()
        flags = [
            CopyFlag(
                reflection_id=m.key[1],
                other_reflection_id=m.other[1] if m.other[0] == "reflection" else None,
                other_lesson_id=m.other[1] if m.other[0] == "lesson" else None,
                similarity=Decimal(str(round(m.similarity, 3))),
                passage=m.passage[:2000],
                other_passage=m.other_passage[:2000],
            )
            for m in matches
        ]
        # The other side of a pair learns of it too (its flag is renewed when it is checked).
        if check is not None:
            flags += [
                CopyFlag(
                    reflection_id=m.other[1],
                    other_reflection_id=m.key[1],
                    similarity=Decimal(str(round(m.similarity, 3))),
                    passage=m.other_passage[:2000],
                    other_passage=m.passage[:2000],
                )
                for m in matches
                if m.other[0] == "reflection" and ("reflection", m.other[1]) not in check
            ]
            CopyFlag.objects.filter(
                reflection_id__in=[m.other[1] for m in matches if m.other[0] == "reflection"],
                other_reflection_id__in=ids,
            ).delete()
        CopyFlag.objects.bulk_create(flags)
    return len(flags)


def _strip_tags(html: str) -> str:
    from django.utils.html import strip_tags

    return strip_tags(html or "")


def _certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@transaction.atomic
def certificate_issue(*, actor: Actor, participant: Participant) -> Participant:
    """结业证书: a random verification code, once; the PDF is rendered from it."""
    participant = (
        Participant.objects.select_for_update()
        .select_related("training_class")
        .get(pk=participant.pk)
    )
    _require_organiser(actor, participant.training_class)
    if participant.certificate_code:
        return participant
    if participant.training_class.ends_on > timezone.localdate():
        raise ValidationError(_("培训班结业后才能颁发证书。"))
    participant.certificate_code = _certificate_code()
    participant.certificate_issued_at = timezone.now()
    participant.save(update_fields=["certificate_code", "certificate_issued_at"])
    _audit_write(
        actor,
        participant,
        participant.training_class.organisation_id,
        {"certificate": "issued"},
        action=Action.UPDATE,
    )
    return participant


# --- external training ------------------------------------------------------------------------


@transaction.atomic
def external_training_create(
    *, actor: Actor, member: Member, evidence_file: Any = None, **fields: Any
) -> ExternalTraining:
    """A secretary enters training done elsewhere, with what proves it; credits the ledger."""
    _require_edit(actor, member.organisation)
    entry = ExternalTraining(member=member, entered_by=_user(actor), **fields)
    if evidence_file:
        validate_upload(
            evidence_file, kinds={"pdf", "image", "office"}, max_mb=20, field_label=_("证明文件")
        )
        entry.evidence_file = evidence_file
    entry.full_clean()
    if entry.on > timezone.localdate():
        raise ValidationError({"on": _("结业日期不能晚于今天。")})
    hours = _clean_hours(entry.hours)
    entry.save()
    _audit_write(
        actor,
        entry,
        member.organisation_id,
        {"member": member.pk, "title": entry.title, "hours": entry.hours, "on": entry.on},
    )
    credit_study_hours(
        actor=actor,
        member=member,
        on=entry.on,
        hours=hours,
        source_kind=StudySourceKind.EXTERNAL,
        source=entry,
        description=_("外部培训：%(title)s（%(provider)s）")
        % {"title": entry.title, "provider": entry.provider},
    )
    return entry


def refresh_study_progress(*, actor: Actor, year: int, today: date | None = None) -> int:
    """Recompute every organisation's done / on track / behind for `year` (its subtree's active
    members) into OrganisationStudyProgress, and how many of them finished each course of the
    year's published plans into OrganisationCourseCompletion: one pass over the members and
    one over their finished courses, each member's figure added to their organisation and
    every one above it. Derived summaries of audited records, rebuilt whole each time: not
    themselves audited."""
    from .models import OrganisationCourseCompletion, OrganisationStudyProgress

    require_actor(actor)
    today = today or timezone.localdate()
    paths = dict(Organisation.objects.values_list("pk", "path"))
    steplen = Organisation.steplen
    by_path: dict[str, list[int]] = {}
    for root in Organisation.objects.filter(depth=1):
        for organisation_id, state in selectors.member_progress_rows(actor, root, year, today):
            path = paths[organisation_id]
            for end in range(steplen, len(path) + 1, steplen):
                figures = by_path.setdefault(path[:end], [0, 0, 0, 0])
                figures[0] += 1
                figures[{"done": 1, "on_track": 2, "behind": 3}[state]] += 1
    finished: dict[tuple[str, int], int] = {}
    for organisation_id, course_id in selectors.finished_plan_courses(actor, year):
        path = paths[organisation_id]
        for end in range(steplen, len(path) + 1, steplen):
            finished[path[:end], course_id] = finished.get((path[:end], course_id), 0) + 1
    ids = {path: pk for pk, path in paths.items()}
    now = timezone.now()
    with transaction.atomic():
        OrganisationStudyProgress.objects.filter(year=year).delete()
        OrganisationStudyProgress.objects.bulk_create(
            [
                OrganisationStudyProgress(
                    organisation_id=ids[path],
                    year=year,
                    members=f[0],
                    done=f[1],
                    on_track=f[2],
                    behind=f[3],
                    computed_at=now,
                )
                for path, f in by_path.items()
            ],
            batch_size=2000,
        )
        OrganisationCourseCompletion.objects.filter(year=year).delete()
        OrganisationCourseCompletion.objects.bulk_create(
            [
                OrganisationCourseCompletion(
                    organisation_id=ids[path],
                    year=year,
                    course_id=course_id,
                    finished=n,
                    computed_at=now,
                )
                for (path, course_id), n in finished.items()
            ],
            batch_size=2000,
        )
    return len(by_path)


LESSON_FIELDS = ("title", "body", "link_url", "hours", "quiz", "order")


@transaction.atomic
def lesson_update(*, actor: Actor, lesson: Lesson, file: Any = None, **fields: Any) -> Lesson:
    """Change a lesson of a course not (yet, or no longer) published; a new file replaces the
    old one."""
    lesson = Lesson.objects.select_for_update().select_related("course").get(pk=lesson.pk)
    _require_edit(actor, lesson.course.organisation)
    if lesson.course.status in (ReviewStatus.PUBLISHED, ReviewStatus.IN_REVIEW):
        raise ValidationError(_("已发布或待审核的课程不能修改课时，请先撤回。"))
    if lesson.archived_at is not None:
        raise ValidationError(_("该课时已归档。"))
    before = audit.snapshot(lesson, LESSON_FIELDS)
    for name, value in fields.items():
        setattr(lesson, name, value)
    lesson.body = sanitise(lesson.body)
    if file:
        lesson.file_kind = _clean_lesson_file(file)
        lesson.file_name = file.name[:200]
        lesson.file = file
    if (
        lesson.quiz_id
        and not Quiz.objects.filter(pk=lesson.quiz_id, theme_id=lesson.course.theme_id).exists()
    ):
        raise ValidationError({"quiz": _("课后测验须与课程属于同一专题。")})
    lesson.full_clean()
    lesson.save()
    changes = audit.diff(before, audit.snapshot(lesson, LESSON_FIELDS))
    if file:
        changes["file"] = [None, lesson.file_name]
    _audit_write(actor, lesson, lesson.course.organisation_id, changes, action=Action.UPDATE)
    return lesson
