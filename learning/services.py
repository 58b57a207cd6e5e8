"""Writes of the learning app. Every write is audited in its own transaction.

The study-hour ledger is written only by `credit_study_hours` and `reverse_study_credit`
(other apps call them: the meetings app credits a meeting's study part). Both keep the
member's yearly total (`StudyYearTotal`) in the same transaction."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actors import Actor, MissingActor, Operator
from organisations.models import Member

from .models import StudyRecord, StudySourceKind, StudyYearTotal

# One entry never credits more than this (a week-long class is several sessions).
MAX_HOURS_PER_ENTRY = Decimal(100)


def _created_by(actor: Actor) -> dict:
    if isinstance(actor, Operator):
        return {"created_by": None, "created_by_name": str(actor)}
    if not getattr(actor, "is_authenticated", False):
        raise MissingActor
    return {"created_by": actor, "created_by_name": actor.get_username()}


def _add_to_total(*, member_id: int, year: int, hours: Decimal) -> None:
    """Move the member's yearly total by `hours`, in the caller's transaction."""
    total, created = StudyYearTotal.objects.select_for_update().get_or_create(
        member_id=member_id, year=year, defaults={"hours": hours}
    )
    if not created:
        StudyYearTotal.objects.filter(pk=total.pk).update(hours=F("hours") + hours)


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


def _audit(actor: Actor, record: StudyRecord, reason: str = "") -> None:
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=record,
        organisation=record.organisation_id,
        changes={
            "member": record.member_id,
            "year": record.year,
            "on": record.on.isoformat(),
            "hours": str(record.hours),
            "source_kind": record.source_kind,
            "source": f"{record.source_type}#{record.source_id}",
            "reverses": record.reverses_id,
        },
        reason=reason,
    )


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
    """Credit `hours` earned on `on` by `member` from the record `source` to the ledger.

    The caller's own service decides who may credit (a secretary recording a meeting, a member
    finishing a lesson): this one only refuses a missing actor. A source credits a member at
    most once at a time: to change the hours, reverse the credit and credit again."""
    if actor is None:
        raise MissingActor
    if source_kind not in StudySourceKind.values or source_kind == StudySourceKind.CORRECTION:
        raise ValidationError({"source_kind": _("学时来源无效。")})
    if source.pk is None:
        raise ValueError("the source record must be saved before it credits hours")
    value = _clean_hours(hours)
    records = StudyRecord.objects.filter(member=member).for_source(source)
    net = records.aggregate(net=Sum("hours"))["net"] or Decimal(0)
    if net > 0:
        raise ValidationError(
            _("该活动已为%(name)s记入学时，请先冲销再重新记入。") % {"name": member}
        )
    record = StudyRecord(
        member=member,
        organisation_id=member.organisation_id,
        year=on.year,
        on=on,
        hours=value,
        source_kind=source_kind,
        source_type=source._meta.label_lower,
        source_id=str(source.pk),
        description=(description or str(source))[:200],
        **_created_by(actor),
    )
    record.full_clean()
    record.save(force_insert=True)
    _add_to_total(member_id=member.pk, year=record.year, hours=value)
    _audit(actor, record)
    return record


@transaction.atomic
def reverse_study_credit(
    *, actor: Actor, member: Member, source: models.Model, reason: str
) -> StudyRecord | None:
    """Undo the net credit of `member` from `source` by a reversing entry (negative hours,
    kind "correction", the same source, on the credited day so it falls in the same year).

    Returns None when nothing is left to reverse (never credited, or already reversed)."""
    if actor is None:
        raise MissingActor
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写冲销原因。")})
    records = list(
        StudyRecord.objects.filter(member=member)
        .for_source(source)
        .select_for_update()
        .order_by("on", "id")
    )
    net = sum((r.hours for r in records), Decimal(0))
    if net <= 0:
        return None
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
        **_created_by(actor),
    )
    record.full_clean()
    record.save(force_insert=True)
    _add_to_total(member_id=member.pk, year=record.year, hours=-net)
    _audit(actor, record, reason=reason)
    return record
