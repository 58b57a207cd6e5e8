"""Writes to the organisation tree and the member registry. Every write is audited."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
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

from . import policy, selectors
from .id_numbers import parse_id_number
from .members import MEMBER_FIELDS, check_id_number_free, prepare_member, years_after
from .models import (
    TERM_YEARS,
    Member,
    MembershipPeriod,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Position,
)

ORGANISATION_FIELDS = ("name", "short_name", "kind", "code", "founded_on", "organ", "is_active")
# Validated by the member builder, or set by it from the ID number and the name.
_BUILT_FIELDS = ["id_number_digest", "name_pinyin", "name_initials", "phone_digest"]


def require_editable(actor: Actor, organisation: Organisation) -> None:
    if not policy.can_edit(actor, organisation):
        raise PermissionDenied


def _id_check_key(actor: Actor) -> str:
    return f"id-number-registered-check:{actor.pk}"


def guard_id_number_check(
    *, actor: Actor, id_number: object, exclude_pk: int | None, request: HttpRequest | None
) -> None:
    """Rate-limit and audit "该身份证号码已登记在册" for numbers registered outside the actor's
    scope: without this, the member form answers, for any number, whether that person is a
    registered party member somewhere else.

    Each such answer is an audit event (REVEAL, changes {"check": "id_number_registered"}, no
    number in it), written in its own transaction before the service refuses the member, so
    the refusal's rollback keeps it. After ID_CHECK_LIMIT_PER_HOUR answers in an hour (counted
    in the cache) every new ID number of that user is refused until the hour is over."""
    if id_number in (None, ""):
        return
    try:
        number = parse_id_number(id_number).number
    except ValidationError:
        return  # the member builder reports it on the field
    key = _id_check_key(actor)
    if cache.get(key, 0) >= settings.ID_CHECK_LIMIT_PER_HOUR:
        raise ValidationError(
            {
                "id_number": ValidationError(
                    _("核对身份证号码的次数过多，请一小时后再试。"), code="rate_limited"
                )
            }
        )
    holders = Member.objects.with_id_number(number)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    holder = holders.only("pk", "name", "organisation_id").first()
    if holder is None or Member.objects.visible_to(actor).filter(pk=holder.pk).exists():
        return  # unknown, or a member the actor may see anyway: nothing is revealed
    if not cache.add(key, 1, timeout=3600):
        cache.incr(key)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=Action.REVEAL,
            target=holder,
            organisation=holder.organisation_id,
            changes={"check": "id_number_registered"},
            request=request,
        )


def member_create(
    *, actor: Actor, id_number: str, request: HttpRequest | None = None, **fields: Any
) -> Member:
    """A new member from the form or the API: the ID number check is guarded (see
    guard_id_number_check), then the member is written and audited in one transaction
    (`_member_create`, whose keywords `fields` carries on)."""
    guard_id_number_check(actor=actor, id_number=id_number, exclude_pk=None, request=request)
    return _member_create(actor=actor, id_number=id_number, request=request, **fields)


@transaction.atomic
def _member_create(
    *,
    actor: Actor,
    id_number: str,
    request: HttpRequest | None = None,
    batch: str = "",
    **fields: Any,
) -> Member:
    organisation = fields["organisation"]
    require_editable(actor, organisation)
    prepared = prepare_member(fields, id_number=id_number)
    prepared.raise_errors()
    member = prepared.member
    check_id_number_free(member)
    member.full_clean(exclude=_BUILT_FIELDS)
    member.save()
    MembershipPeriod.objects.create(
        member=member,
        organisation=organisation,
        started_on=member.joined_on or timezone.localdate(),
    )
    after = audit.snapshot(member, MEMBER_FIELDS)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=member,
        organisation=organisation,
        changes=audit.diff({}, {**after, "id_number": member.id_number_masked}),
        request=request,
        batch=batch,
    )
    return member


def member_update(
    *,
    actor: Actor,
    member: Member,
    id_number: str | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Member:
    """A change of a member: a new ID number's check is guarded (see guard_id_number_check),
    then the member is written and audited in one transaction (`_member_update`)."""
    guard_id_number_check(actor=actor, id_number=id_number, exclude_pk=member.pk, request=request)
    return _member_update(
        actor=actor, member=member, id_number=id_number, request=request, **fields
    )


@transaction.atomic
def _member_update(
    *,
    actor: Actor,
    member: Member,
    id_number: str | None = None,
    request: HttpRequest | None = None,
    batch: str = "",
    **fields: Any,
) -> Member:
    require_editable(actor, member.organisation)
    before = {**audit.snapshot(member, MEMBER_FIELDS), "id_number": member.id_number_masked}
    before_phone_digest = member.phone_digest
    old_organisation = member.organisation
    if "organisation" in fields:
        require_editable(actor, fields["organisation"])
    prepared = prepare_member(fields, id_number=id_number, member=member)
    prepared.raise_errors()
    new_number = prepared.member.id_number_digest != member.id_number_digest
    if new_number:
        check_id_number_free(prepared.member)
    member = prepared.member
    member.full_clean(exclude=_BUILT_FIELDS)
    after = {**audit.snapshot(member, MEMBER_FIELDS), "id_number": member.id_number_masked}
    changes = audit.diff(before, after)
    if new_number:
        # Another number can have the same mask: the change is still recorded and saved.
        changes["id_number"] = [before["id_number"], after["id_number"]]
    if prepared.member.phone_digest != before_phone_digest:
        changes["phone"] = [before["phone"], after["phone"]]
    if not changes:
        return member
    member.save()
    if member.organisation_id != old_organisation.pk:
        today = timezone.localdate()
        MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).update(ended_on=today)
        MembershipPeriod.objects.create(
            member=member, organisation=member.organisation, started_on=today
        )
        notify(
            recipients=[
                u for u in selectors.secretaries_over(member.organisation) if u.pk != actor.pk
            ],
            title=_("%(name)s 已转入 %(org)s")
            % {"name": member.name, "org": member.organisation.name},
            link=reverse("organisations:member_detail", args=[member.pk]),
        )
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=member,
        organisation=member.organisation,
        changes=changes,
        request=request,
        batch=batch,
    )
    return member


@transaction.atomic
def member_reveal_id_number(
    *, actor: Actor, member: Member, reason: str, request: HttpRequest | None = None
) -> str:
    """The clear ID number, for someone who may edit the member and says why. Audited."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("请填写查看身份证号码的事由。")})
    require_editable(actor, member.organisation)
    audit.record(
        actor=actor,
        action=Action.REVEAL,
        target=member,
        organisation=member.organisation,
        changes={"field": "id_number"},
        reason=reason,
        request=request,
    )
    return member.id_number


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    parent: Organisation | None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Organisation:
    if parent is None:
        if not policy.can_create_root(actor):
            raise PermissionDenied
    else:
        require_editable(actor, parent)
    organisation = Organisation(**fields)
    organisation.full_clean(exclude=["path", "depth", "numchild"])
    policy.check_kind_under(parent.kind if parent else None, organisation.kind)
    if parent is None:
        organisation = Organisation.objects.add_root(instance=organisation)
    else:
        organisation = Organisation.objects.add_child(parent, instance=organisation)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=organisation,
        organisation=organisation,
        changes=audit.diff({}, audit.snapshot(organisation, ORGANISATION_FIELDS)),
        request=request,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    organisation: Organisation,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Organisation:
    # The diff is against the stored row (locked), whatever the caller's object went through.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require_editable(actor, organisation)
    before = audit.snapshot(organisation, ORGANISATION_FIELDS)
    if organisation.dissolved_on is not None and fields.get("is_active"):
        raise ValidationError(
            {
                "is_active": _("该组织已于 %(day)s 撤销，不能恢复为有效。")
                % {"day": organisation.dissolved_on.isoformat()}
            }
        )
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean(exclude=["path", "depth", "numchild"])
    if "kind" in fields:
        parent = Organisation.objects.get_parent(organisation)
        policy.check_kind_under(parent.kind if parent else None, organisation.kind)
        for child in Organisation.objects.get_children(organisation):
            policy.check_kind_under(organisation.kind, child.kind)
    changes = audit.diff(before, audit.snapshot(organisation, ORGANISATION_FIELDS))
    if changes:
        organisation.save(update_fields=list(fields))
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            target=organisation,
            organisation=organisation,
            changes=changes,
            request=request,
        )
    return organisation


def default_term_end(organisation: Organisation, term_start: date) -> date:
    """The term's end by the organisation's term length (党委 5 years, 总支 and 支部 3)."""
    years = TERM_YEARS[OrganisationKind(organisation.kind)]
    if term_start.year + years > date.max.year:
        raise ValidationError(
            {"term_start": _("任期开始日期过晚，无法推算任期届满日期，请核对任期开始日期。")}
        )
    return years_after(term_start, years)


@transaction.atomic
def position_create(
    *,
    actor: Actor,
    organisation: Organisation,
    member: Member,
    title: str,
    term_start: date,
    term_end: date | None = None,
    request: HttpRequest | None = None,
) -> Position:
    require_editable(actor, organisation)
    position = Position(
        organisation=organisation,
        member=member,
        title=title,
        term_start=term_start,
        term_end=term_end or default_term_end(organisation, term_start),
    )
    position.full_clean()
    if not Member.objects.visible_to(actor).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("只能任命本组织范围内的党员。")})
    policy.check_one_secretary(organisation_id=organisation.pk, title=title)
    position.save()
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=position,
        organisation=organisation,
        changes=audit.diff(
            {}, audit.snapshot(position, ("member", "title", "term_start", "term_end"))
        ),
        request=request,
    )
    return position


@transaction.atomic
def position_end(
    *, actor: Actor, position: Position, ended_on: date, request: HttpRequest | None = None
) -> Position:
    position = (
        Position.objects.select_for_update().select_related("organisation").get(pk=position.pk)
    )
    require_editable(actor, position.organisation)
    if position.ended_on is not None:
        raise ValidationError({"ended_on": _("该班子成员已离任。")})
    if ended_on < position.term_start:
        raise ValidationError({"ended_on": _("离任日期不能早于任期开始。")})
    position.ended_on = ended_on
    position.save(update_fields=["ended_on"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=position,
        organisation=position.organisation,
        changes={"ended_on": [None, ended_on.isoformat()]},
        request=request,
    )
    return position


# What other apps keep about an organisation's existence (meetings: compliance cells) is
# brought up to date by the functions they add here in their AppConfig.ready(); each runs in
# the dissolution's transaction. organisations imports no domain app (docs/development.md).
DISSOLUTION_HOOKS: list[Callable[[Organisation], None]] = []
# How many names a refusal lists before "等 N 人".
NAMES_SHOWN = 5


def on_dissolve(hook: Callable[[Organisation], None]) -> Callable[[Organisation], None]:
    DISSOLUTION_HOOKS.append(hook)
    return hook


@transaction.atomic
def organisation_dissolve(
    *,
    actor: Actor,
    organisation: Organisation,
    dissolved_on: date,
    reason: str,
    request: HttpRequest | None = None,
) -> Organisation:
    """撤销: the organisation ceases to exist on `dissolved_on` (it existed on the days before).
    Whoever may change the organisation above it decides (a root: only the committee admin).
    Refused while members are still on its rolls (or on those of an organisation under it) or
    an organisation under it is still active: they are named, to be transferred or dissolved
    first. Sets is_active False and dissolved_on; audited with the reason."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not policy.can_dissolve(actor, organisation):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if len(reason) < 2:
        errors.setdefault("reason", []).append(_("请填写撤销依据（如上级批复文号）。"))
    if organisation.dissolved_on is not None:
        errors.setdefault("dissolved_on", []).append(
            _("该组织已于 %(day)s 撤销。") % {"day": organisation.dissolved_on.isoformat()}
        )
    elif dissolved_on > timezone.localdate():
        errors.setdefault("dissolved_on", []).append(_("撤销日期不能晚于今天。"))
    elif organisation.founded_on and dissolved_on <= organisation.founded_on:
        errors.setdefault("dissolved_on", []).append(
            _("撤销日期须晚于成立日期（%(day)s）。") % {"day": organisation.founded_on.isoformat()}
        )
    members = Member.objects.filter(
        organisation__in=policy.subtree_ids(organisation.path), status=MemberStatus.ACTIVE
    ).order_by("name_pinyin", "pk")
    member_count = members.count()
    if member_count:
        names = list(members.values_list("name", flat=True)[:NAMES_SHOWN])
        errors.setdefault("__all__", []).append(
            _("尚有在册党员：%(names)s（共 %(n)s 人），请先办理组织关系转出后再撤销。")
            % {"names": "、".join(names), "n": member_count}
        )
    children = Organisation.objects.filter(
        path__startswith=organisation.path, depth__gt=organisation.depth, is_active=True
    ).order_by("path")
    child_count = children.count()
    if child_count:
        names = list(children.values_list("name", flat=True)[:NAMES_SHOWN])
        errors.setdefault("__all__", []).append(
            _("尚有未撤销的下级组织：%(names)s（共 %(n)s 个），请先撤销下级组织。")
            % {"names": "、".join(names), "n": child_count}
        )
    if errors:
        raise ValidationError(errors)
    fields = ("is_active", "dissolved_on")
    before = audit.snapshot(organisation, fields)
    organisation.is_active = False
    organisation.dissolved_on = dissolved_on
    organisation.save(update_fields=list(fields))
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=organisation,
        organisation=organisation,
        changes=audit.diff(before, audit.snapshot(organisation, fields)),
        reason=reason,
        request=request,
    )
    for hook in DISSOLUTION_HOOKS:
        hook(organisation)
    return organisation
