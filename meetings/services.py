"""Writes of organisational life. Every write is audited in its transaction and keeps the
compliance summary (compliance.recompute) up to date in that same transaction."""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actors import Actor
from core.notifications import notify
from core.richtext import sanitise
from core.uploads import strip_image_metadata, validate_upload
from organisations import policy
from organisations.models import Member, Organisation, Position, PositionTitle

from . import attendees, channels, compliance, study
from .checks import check_decision, quorum
from .models import (
    Attachment,
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Decision,
    DecisionOutcome,
    Meeting,
    MeetingKind,
    MeetingOrganisation,
    MeetingStatus,
    Rule,
    RuleSet,
)
from .rules import RuleBook, ensure_default_rule_set

MEETING_FIELDS = (
    "organisation",
    "kind",
    "status",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "recorder",
    "topics",
    "minutes",
    "study_topic",
    "study_material",
    "study_hours",
)
# A held meeting's record may be changed freely for this long after it ended; later, a change
# needs a reason (and is audited with it).
EDIT_WINDOW = timedelta(days=7)
MAX_STUDY_HOURS = Decimal("16")


def _require_editable(actor: Actor, organisation: Organisation) -> None:
    if not policy.can_edit(actor, organisation):
        raise PermissionDenied


def sanitise_minutes(html: str) -> str:
    return sanitise(html)


def _check_times(status: str, starts_at: datetime, ends_at: datetime) -> None:
    errors: dict[str, str] = {}
    if ends_at < starts_at:
        errors["ends_at"] = _("结束时间不能早于开始时间。")
    if status == MeetingStatus.HELD and starts_at > timezone.now():
        errors["starts_at"] = _("会议尚未开始，不能登记为已召开；请先保存为计划。")
    if errors:
        raise ValidationError(errors)


def _check_people(meeting: Meeting, organisations: list[Organisation]) -> None:
    day = timezone.localdate(meeting.starts_at)
    ids = [m for m in (meeting.host_id, meeting.recorder_id) if m]
    if not ids:
        return
    known = set(
        attendees.may_attend(organisations, day).filter(pk__in=ids).values_list("pk", flat=True)
    )
    errors: dict[str, str] = {}
    for field, member in (("host", meeting.host), ("recorder", meeting.recorder)):
        if member is not None and member.pk not in known:
            errors[field] = _("%(name)s 在 %(day)s 不是参会党组织的党员。") % {
                "name": member.name,
                "day": day.isoformat(),
            }
    if errors:
        raise ValidationError(errors)


def _host_is_secretary(meeting: Meeting, organisations: list[Organisation]) -> bool:
    if meeting.host_id is None:
        return False
    day = timezone.localdate(meeting.starts_at)
    return (
        Position.objects.filter(
            organisation__in=[o.pk for o in organisations],
            member_id=meeting.host_id,
            title__in=[PositionTitle.SECRETARY, PositionTitle.DEPUTY],
            term_start__lte=day,
        )
        .exclude(ended_on__lt=day)
        .exists()
    )


def _years(*moments: datetime | None) -> list[int]:
    return sorted({timezone.localdate(m).year for m in moments if m is not None})


def _refresh_compliance(meeting: Meeting, organisation_ids: Iterable[int], *years: int) -> None:
    compliance.recompute(years=list(years), organisation_ids=sorted(set(organisation_ids)))


def _participants(meeting: Meeting) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            pk__in=MeetingOrganisation.objects.filter(meeting=meeting).values("organisation_id")
        )
    )


@transaction.atomic
def meeting_create(
    *,
    actor: Actor,
    organisation: Organisation,
    joint_organisations: Iterable[Organisation] = (),
    request: HttpRequest | None = None,
    **fields: Any,
) -> Meeting:
    """A meeting planned ahead or recorded as held. A joint meeting names the other
    organisations taking part; it counts for each of them."""
    _require_editable(actor, organisation)
    others = [o for o in joint_organisations if o.pk != organisation.pk]
    for other in others:
        if not policy.can_edit(actor, other):
            raise ValidationError(
                {
                    "joint_organisations": _("只能联合本人管理范围内的党组织：%(name)s。")
                    % {"name": other.name}
                }
            )
    fields.setdefault("status", MeetingStatus.PLANNED)
    fields["minutes"] = sanitise_minutes(fields.get("minutes") or "")
    meeting = Meeting(organisation=organisation, **fields)
    if not isinstance(actor, get_user_model()):
        meeting.created_by = None
    else:
        meeting.created_by = actor
    _check_times(meeting.status, meeting.starts_at, meeting.ends_at)
    meeting.full_clean()
    participants = [organisation, *others]
    _check_existing(participants, meeting.starts_at)
    _check_people(meeting, participants)
    meeting.host_is_secretary = _host_is_secretary(meeting, participants)
    meeting.save()
    MeetingOrganisation.objects.bulk_create(
        MeetingOrganisation(meeting=meeting, organisation=o) for o in participants
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=meeting,
        organisation=organisation,
        changes=audit.diff(
            {},
            {
                **audit.snapshot(meeting, MEETING_FIELDS),
                "joint_organisations": [o.pk for o in others],
            },
        ),
        request=request,
    )
    if meeting.status == MeetingStatus.PLANNED:
        _announce(meeting, participants)
    _refresh_compliance(meeting, [o.pk for o in participants], *_years(meeting.starts_at))
    return meeting


def _check_existing(participants: list[Organisation], starts_at: datetime) -> None:
    """No meeting of an organisation on or after the day it was dissolved (撤销), whether
    recorded new or moved there by an edit."""
    day = timezone.localdate(starts_at)
    for organisation in participants:
        if organisation.dissolved_on is not None and day >= organisation.dissolved_on:
            raise ValidationError(
                {
                    "starts_at": _("开始时间：%(org)s 已于 %(day)s 撤销，不能在此后召开会议。")
                    % {"org": organisation.name, "day": organisation.dissolved_on.isoformat()}
                }
            )


def _announce(meeting: Meeting, participants: list[Organisation]) -> None:
    """Tell the members due (their accounts) that a meeting is scheduled: in-app, and through
    the outside channels once the transaction commits."""
    day = timezone.localdate(meeting.starts_at)
    due = attendees.due_at(meeting.kind, participants, day)
    users = list(get_user_model().objects.filter(member__in=[d.member.pk for d in due]))
    if not users:
        return
    title = _("会议通知：%(title)s") % {"title": meeting.title}
    body = _("%(when)s，%(place)s") % {
        "when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
        "place": meeting.place or _("地点另行通知"),
    }
    notify(
        recipients=users,
        title=title,
        body=body,
        link=reverse("meetings:meeting_detail", args=[meeting.pk]),
    )
    transaction.on_commit(lambda: channels.send(users, title, body))


@transaction.atomic
def meeting_update(
    *,
    actor: Actor,
    meeting: Meeting,
    edit_reason: str = "",
    joint_organisations: Iterable[Organisation] | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Meeting:
    """A change of a meeting's record. More than EDIT_WINDOW after a held meeting ended, the
    change needs a reason, kept in the audit event."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    _require_editable(actor, meeting.organisation)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    old_start = meeting.starts_at
    late = meeting.status == MeetingStatus.HELD and timezone.now() > meeting.ends_at + EDIT_WINDOW
    fields.pop("organisation", None)  # a meeting stays with its host
    if "minutes" in fields:
        fields["minutes"] = sanitise_minutes(fields["minutes"] or "")
    for name, value in fields.items():
        setattr(meeting, name, value)
    _check_times(meeting.status, meeting.starts_at, meeting.ends_at)
    meeting.full_clean()
    participants = _participants(meeting)
    changes = audit.diff(before, audit.snapshot(meeting, MEETING_FIELDS))
    if joint_organisations is not None:
        wanted = {meeting.organisation, *joint_organisations}
        for other in wanted:
            if not policy.can_edit(actor, other):
                raise ValidationError(
                    {
                        "joint_organisations": _("只能联合本人管理范围内的党组织：%(name)s。")
                        % {"name": other.name}
                    }
                )
        if {o.pk for o in wanted} != {o.pk for o in participants}:
            changes["joint_organisations"] = [
                sorted(o.pk for o in participants),
                sorted(o.pk for o in wanted),
            ]
            MeetingOrganisation.objects.filter(meeting=meeting).exclude(
                organisation__in=[o.pk for o in wanted]
            ).delete()
            have = {o.pk for o in participants}
            MeetingOrganisation.objects.bulk_create(
                MeetingOrganisation(meeting=meeting, organisation=o)
                for o in wanted
                if o.pk not in have
            )
            old_ids = have
            participants = list(wanted)
        else:
            old_ids = {o.pk for o in participants}
    else:
        old_ids = {o.pk for o in participants}
    if not changes:
        return meeting
    if late and not edit_reason.strip():
        raise ValidationError({"edit_reason": _("会议召开已超过 7 天，修改记录须填写修改原因。")})
    if "starts_at" in changes:
        _check_existing(participants, meeting.starts_at)
    elif "joint_organisations" in changes:
        _check_existing([o for o in participants if o.pk not in old_ids], meeting.starts_at)
    _check_people(meeting, participants)
    meeting.host_is_secretary = _host_is_secretary(meeting, participants)
    meeting.save(update_fields=[*fields, "host_is_secretary", "updated_at"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=meeting,
        organisation=meeting.organisation,
        changes=changes,
        reason=edit_reason.strip(),
        request=request,
    )
    if "status" in changes and before["status"] == MeetingStatus.HELD:
        present = set(
            meeting.attendances.filter(status=AttendanceStatus.PRESENT).values_list(
                "member_id", flat=True
            )
        )
        study.sync(actor=actor, meeting=meeting, before=present, after=set())
    elif "study_hours" in changes and meeting.status == MeetingStatus.HELD:
        present = set(
            meeting.attendances.filter(status=AttendanceStatus.PRESENT).values_list(
                "member_id", flat=True
            )
        )
        study.sync(actor=actor, meeting=meeting, before=present, after=present, rebook=True)
    _refresh_compliance(
        meeting,
        old_ids | {o.pk for o in participants},
        *_years(old_start, meeting.starts_at),
    )
    return meeting


@dataclass
class AttendanceRow:
    member_id: int
    status: str
    excuse_reason: str = ""
    not_counted: bool = False
    not_counted_reason: str = ""
    not_counted_approval: str = ""


@transaction.atomic
def attendance_record(
    *,
    actor: Actor,
    meeting: Meeting,
    rows: list[AttendanceRow],
    request: HttpRequest | None = None,
) -> Meeting:
    """Record who attended (the meeting becomes held). Members not in a taking-part
    organisation on the meeting's date are refused by name; the figures, the decisions'
    checks, the study hours and the compliance cells follow in the same transaction.
    A fixed number of queries whatever the number of attendees."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    _require_editable(actor, meeting.organisation)
    if meeting.starts_at > timezone.now():
        raise ValidationError({"attendance": _("会议尚未召开，不能登记出席情况。")})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"attendance": _("会议已取消，不能登记出席情况。")})
    participants = _participants(meeting)
    day = timezone.localdate(meeting.starts_at)
    due = {d.member.pk: d for d in attendees.due_at(meeting.kind, participants, day)}
    ids = [row.member_id for row in rows]
    allowed = {m.pk: m for m in attendees.may_attend(participants, day).filter(pk__in=ids)}
    outsiders = [i for i in ids if i not in allowed]
    errors: list[str] = []
    if outsiders:
        names = dict(Member.objects.filter(pk__in=outsiders).values_list("pk", "name"))
        for i in outsiders:
            errors.append(
                _("%(name)s 在 %(day)s 不是参会党组织的党员，不能登记出席。")
                % {"name": names.get(i, f"#{i}"), "day": day.isoformat()}
            )
    if len(set(ids)) != len(ids):
        errors.append(_("同一党员只能登记一次。"))
    for number, row in enumerate(rows, 1):
        member = allowed.get(row.member_id)
        name = member.name if member else f"#{row.member_id}"
        where = _("第 %(n)s 行（%(name)s）") % {"n": number, "name": name}
        if row.status not in AttendanceStatus.values:
            errors.append(where + _("：出席情况无效。"))
        if row.status == AttendanceStatus.EXCUSED and not row.excuse_reason:
            errors.append(where + _("：请假须选择请假事由。"))
        if row.not_counted:
            if row.status == AttendanceStatus.PRESENT:
                errors.append(where + _("：已出席的党员不能不计入应到人数。"))
            if not row.not_counted_reason:
                errors.append(where + _("：不计入应到人数须选择原因。"))
            if not row.not_counted_approval.strip():
                errors.append(where + _("：不计入应到人数须填写批准情况（经谁批准）。"))
    if errors:
        raise ValidationError({"attendance": errors})

    before_present = set(
        Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.PRESENT).values_list(
            "member_id", flat=True
        )
    )
    votes = dict(zip(ids, attendees.voting([allowed[i] for i in ids], day), strict=True))
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            member_id=row.member_id,
            status=row.status,
            excuse_reason=row.excuse_reason if row.status == AttendanceStatus.EXCUSED else "",
            has_vote=due[row.member_id].has_vote if row.member_id in due else votes[row.member_id],
            not_counted=row.not_counted,
            not_counted_reason=row.not_counted_reason if row.not_counted else "",
            not_counted_approval=row.not_counted_approval.strip() if row.not_counted else "",
        )
        for row in rows
    )
    by_member = {row.member_id: row for row in rows}
    # Those due and not listed are absent (a member can't be left out of the count).
    counted_due = [
        d for d in due.values() if not getattr(by_member.get(d.member.pk), "not_counted", False)
    ]
    present = {row.member_id for row in rows if row.status == AttendanceStatus.PRESENT}
    book = RuleBook()
    _rules, settings = book.for_path(meeting.organisation.path, day)
    before = {
        "status": meeting.status,
        "due_count": meeting.due_count,
        "present_count": meeting.present_count,
        "voting_due": meeting.voting_due,
        "voting_present": meeting.voting_present,
    }
    meeting.status = MeetingStatus.HELD
    if meeting.kind in attendees.NOBODY_DUE:
        meeting.due_count = meeting.present_count = len(present)
        meeting.voting_due = meeting.voting_present = 0
        meeting.quorum_met = bool(present)
    else:
        meeting.due_count = len(counted_due)
        meeting.present_count = sum(1 for d in counted_due if d.member.pk in present)
        meeting.voting_due = sum(1 for d in counted_due if d.has_vote)
        meeting.voting_present = sum(
            1 for d in counted_due if d.has_vote and d.member.pk in present
        )
        if meeting.kind in (MeetingKind.MEMBER_ASSEMBLY, *attendees.COMMITTEE_KINDS):
            meeting.quorum_met = quorum(
                meeting.voting_present, meeting.voting_due, half_included=settings.half_included
            )
        else:
            meeting.quorum_met = quorum(
                meeting.present_count, meeting.due_count, half_included=settings.half_included
            )
    meeting.invalid_decisions = _recheck_decisions(meeting, settings)
    meeting.save(
        update_fields=[
            "status",
            "due_count",
            "present_count",
            "voting_due",
            "voting_present",
            "quorum_met",
            "invalid_decisions",
            "updated_at",
        ]
    )
    after = {
        "status": meeting.status,
        "due_count": meeting.due_count,
        "present_count": meeting.present_count,
        "voting_due": meeting.voting_due,
        "voting_present": meeting.voting_present,
    }
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=meeting,
        organisation=meeting.organisation,
        changes={
            **audit.diff(before, after),
            "attendance": [sorted(before_present), sorted(present)],
        },
        request=request,
    )
    study.sync(actor=actor, meeting=meeting, before=before_present, after=present)
    _refresh_compliance(meeting, [o.pk for o in participants], day.year)
    return meeting


def _recheck_decisions(meeting: Meeting, settings: Any) -> int:
    decisions = list(meeting.decisions.all())
    for decision in decisions:
        verdict = check_decision(
            kind=decision.kind,
            votes_for=decision.votes_for,
            votes_against=decision.votes_against,
            votes_abstain=decision.votes_abstain,
            voting_due=meeting.voting_due,
            voting_present=meeting.voting_present,
            half_included=settings.half_included,
            election_ratio=settings.election_ratio,
        )
        decision.outcome, decision.problem = verdict.outcome, verdict.problem
    if decisions:
        Decision.objects.bulk_update(decisions, ["outcome", "problem"])
    return sum(1 for d in decisions if d.outcome == DecisionOutcome.INVALID)


@transaction.atomic
def decision_add(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    kind: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    request: HttpRequest | None = None,
) -> Decision:
    """A motion put to the vote, checked at once against art. 11 (an invalid one is kept,
    flagged, and named beside the compliance cell)."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    _require_editable(actor, meeting.organisation)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError({"title": _("请先登记出席情况，再登记表决事项。")})
    _rules, settings = RuleBook().for_path(
        meeting.organisation.path, timezone.localdate(meeting.starts_at)
    )
    verdict = check_decision(
        kind=kind,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        voting_due=meeting.voting_due,
        voting_present=meeting.voting_present,
        half_included=settings.half_included,
        election_ratio=settings.election_ratio,
    )
    decision = Decision(
        meeting=meeting,
        title=title,
        kind=kind,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        outcome=verdict.outcome,
        problem=verdict.problem,
    )
    decision.full_clean()
    decision.save()
    if verdict.outcome == DecisionOutcome.INVALID:
        meeting.invalid_decisions += 1
        meeting.save(update_fields=["invalid_decisions"])
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=decision,
        organisation=meeting.organisation,
        changes=audit.diff(
            {},
            audit.snapshot(
                decision,
                ("title", "kind", "votes_for", "votes_against", "votes_abstain", "outcome"),
            ),
        ),
        request=request,
    )
    _refresh_compliance(
        meeting,
        [o.pk for o in _participants(meeting)],
        timezone.localdate(meeting.starts_at).year,
    )
    return decision


@transaction.atomic
def rule_set_publish(
    *,
    actor: Actor,
    organisation: Organisation | None,
    effective_from: date,
    name: str,
    half_included: bool,
    election_ratio: Decimal,
    rules: list[dict[str, Any]],
    request: HttpRequest | None = None,
) -> RuleSet:
    """A new version of the rule set of `organisation` (None: the platform default, the
    committee admin's). Results of periods before `effective_from` keep the old version."""
    if organisation is None:
        if not policy.can_create_root(actor):
            raise PermissionDenied
    else:
        _require_editable(actor, organisation)
    ensure_default_rule_set()
    latest = RuleSet.objects.filter(organisation=organisation).order_by("-version").first()
    rule_set = RuleSet(
        organisation=organisation,
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        name=name,
        half_included=half_included,
        election_ratio=election_ratio,
        created_by=actor if isinstance(actor, get_user_model()) else None,
    )
    rule_set.full_clean()
    if not Decimal("0.5") <= election_ratio < Decimal("1"):
        raise ValidationError({"election_ratio": _("选举到会比例应在 0.5 与 1 之间。")})
    rule_set.save()
    objs = [Rule(rule_set=rule_set, **rule) for rule in rules]
    for obj in objs:
        obj.full_clean(exclude=["rule_set"])
    Rule.objects.bulk_create(objs)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=rule_set,
        organisation=organisation,
        changes={
            "version": [None, rule_set.version],
            "effective_from": [None, effective_from.isoformat()],
            "half_included": [None, half_included],
            "rules": [None, [f"{r.meeting_kind}:{r.frequency}" for r in objs]],
        },
        request=request,
    )
    ids = None
    if organisation is not None:
        ids = list(
            Organisation.objects.filter(path__startswith=organisation.path).values_list(
                "pk", flat=True
            )
        )
    today = timezone.localdate()
    compliance.recompute(
        years=list(range(effective_from.year, today.year + 1)) or [today.year],
        organisation_ids=ids,
    )
    return rule_set


@transaction.atomic
def calendar_feed_for(*, actor: Actor, member: Member, renew: bool = False) -> CalendarFeed:
    """The member's private .ics address; `renew` replaces the token (the old address stops)."""
    if not Member.objects.visible_to(actor).filter(pk=member.pk).exists():
        raise PermissionDenied
    feed, created = CalendarFeed.objects.get_or_create(member=member)
    if renew and not created:
        import secrets

        feed.token = secrets.token_urlsafe()
        feed.save(update_fields=["token"])
    if created or renew:
        audit.record(
            actor=actor,
            action=Action.UPDATE if renew else Action.CREATE,
            target=feed,
            target_repr=_("%(name)s 的日历订阅") % {"name": member.name},
            organisation=member.organisation_id,
        )
    return feed


ATTACHMENT_KINDS = {"pdf", "image", "office"}
ATTACHMENT_MAX_MB = 20
MAX_ATTACHMENTS = 30


@transaction.atomic
def attachment_add(
    *, actor: Actor, meeting: Meeting, file: Any, request: HttpRequest | None = None
) -> Attachment:
    """A PDF, image or Office file of a meeting (never required), checked by its first bytes
    and size, stored outside the web root; an image loses its EXIF/GPS metadata."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    _require_editable(actor, meeting.organisation)
    if meeting.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": _("每次会议最多 %(n)s 个附件。") % {"n": MAX_ATTACHMENTS}})
    try:
        kind = validate_upload(
            file, kinds=ATTACHMENT_KINDS, max_mb=ATTACHMENT_MAX_MB, field_label=_("附件")
        )
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    name = os.path.basename(file.name or "file")[:200]
    content = strip_image_metadata(file) if kind == "image" else file
    attachment = Attachment(meeting=meeting, name=name, kind=kind)
    attachment.file.save(name, content, save=False)
    attachment.save()
    audit.record(
        actor=actor,
        action=Action.UPLOAD,
        target=attachment,
        organisation=meeting.organisation,
        changes={"meeting": [None, meeting.pk], "name": [None, name], "kind": [None, kind]},
        request=request,
    )
    return attachment
