"""Writes of the party–masses channel. Each runs in one transaction with its audit event.

The public acts without an account: its services take the sender's address (only its keyed
digest is stored) and are audited as "public"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from core import crypto
from core.actors import Actor, Operator, operator, require_actor
from core.notifications import notify
from core.workdays import add_workdays
from organisations.models import Organisation
from organisations.policy import can_edit

from . import messaging, scoring
from .models import (
    OPEN_STATES,
    Area,
    Category,
    Consultation,
    ConsultationResponse,
    EntryKind,
    Rating,
    Request,
    RequestEntry,
    RequestImage,
    RequestKind,
    RoutingRule,
    Status,
)

PUBLIC = "public"


class RateLimited(Exception):
    """Too many submissions from one address: refused, and the sender is told so."""


# --- the state machine --------------------------------------------------------------------------

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.HELD: frozenset({Status.RECEIVED, Status.SPAM}),
    Status.SPAM: frozenset({Status.RECEIVED}),
    Status.RECEIVED: frozenset(
        {Status.ACCEPTED, Status.REJECTED, Status.DUPLICATE, Status.TRANSFERRED}
    ),
    Status.ACCEPTED: frozenset(
        {
            Status.IN_PROGRESS,
            Status.ANSWERED,
            Status.REJECTED,
            Status.DUPLICATE,
            Status.TRANSFERRED,
        }
    ),
    Status.IN_PROGRESS: frozenset({Status.ANSWERED, Status.TRANSFERRED}),
    # Reopening (dissatisfied, once) goes back to IN_PROGRESS through request_rate only.
    Status.ANSWERED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.DUPLICATE: frozenset(),
    Status.TRANSFERRED: frozenset(),
}


def check_transition(current: str, to: str) -> None:
    if to not in TRANSITIONS.get(current, frozenset()):
        raise ValidationError(
            _("诉求当前为“%(from)s”，不能改为“%(to)s”。")
            % {"from": Status(current).label, "to": Status(to).label}
        )


# --- helpers ------------------------------------------------------------------------------------


def source_digest(address: str | None) -> str:
    return crypto.digest(f"addr:{address}") if address else ""


def _actor_name(actor: Actor | None) -> str:
    if isinstance(actor, Operator):
        return str(actor)
    if actor is not None and actor.is_authenticated:
        return actor.get_username()
    return _("群众")  # the public: no account, no scope


def _entry(req: Request, kind: str, text: str, actor: Actor | None) -> RequestEntry:
    user = _account(actor)
    return RequestEntry.objects.create(
        request=req, kind=kind, text=text, actor=user, actor_name=_actor_name(actor)
    )


def _account(actor: Actor | None) -> Any:
    """The signed-in account acting, or None (the public, an operator)."""
    if isinstance(actor, Operator) or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _secretaries(organisation_ids: Any) -> QuerySet:
    from accounts.models import Role, User

    return User.objects.filter(
        role=Role.SECRETARY, organisation_id__in=list(organisation_ids), is_active=True
    )


def _committee_admins() -> QuerySet:
    from accounts.models import Role, User

    return User.objects.filter(role=Role.COMMITTEE_ADMIN, is_active=True)


def _tell(recipients: QuerySet, *, title: str, link: str, body: str = "") -> None:
    """In-app notification, and an e-mail to those of the recipients who have an address."""
    accounts = list(recipients)
    notify(recipients=accounts, title=title, body=body, link=link)
    messaging.send(
        [
            messaging.Message("email", user.email, f"{title}\n{body}".strip(), subject=title)
            for user in accounts
            if user.email
        ]
    )


def _tell_submitter(req: Request, text: str) -> None:
    """An SMS to the submitter, if they left a phone number."""
    if req.phone_encrypted:
        messaging.send([messaging.Message("sms", req.phone, text)])


def _answered_text(req: Request) -> str:
    return _("您反映的问题（查询码 %(code)s）已有办理结果，请凭查询码查看并评价。") % {
        "code": req.code
    }


def _link(req: Request) -> str:
    from django.urls import reverse

    return reverse("outreach:handle_detail", args=[req.pk])


def _require_edit(actor: Actor | None, req: Request) -> None:
    """Handlers change requests of their own subtree; the triage queue is the committee's."""
    require_actor(actor)
    if not Request.objects.editable_by(actor).filter(pk=req.pk).exists():
        raise PermissionDenied


# --- rate limits ------------------------------------------------------------------------------


@dataclass
class Limits:
    hold_per_hour: int
    refuse_per_hour: int


def limits() -> Limits:
    return Limits(
        hold_per_hour=settings.OUTREACH_HOLD_PER_HOUR,
        refuse_per_hour=settings.OUTREACH_REFUSE_PER_HOUR,
    )


def _count(key: str) -> int:
    """Add one to the hour's counter of `key` and return it."""
    bucket = f"outreach:rate:{key}:{timezone.now():%Y%m%d%H}"
    cache.add(bucket, 0, timeout=3600)
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=3600)
        return 1


def check_rate(*, address: str | None, phone: str = "") -> list[str]:
    """Count one submission from `address` (and `phone`). Past the refusal line: RateLimited;
    past the hold line: the reasons to hold it (it is still stored)."""
    reasons = []
    lim = limits()
    if address:
        n = _count(source_digest(address))
        if n > lim.refuse_per_hour:
            raise RateLimited
        if n > lim.hold_per_hour:
            reasons.append(_("同一地址一小时内提交 %(n)s 次") % {"n": n})
    if phone:
        n = _count("phone:" + crypto.digest(phone))
        if n > lim.hold_per_hour:
            reasons.append(_("同一联系电话一小时内提交 %(n)s 次") % {"n": n})
    return reasons


def _text_digest(title: str, text: str) -> str:
    return crypto.digest("text:" + scoring.normalise(" ".join((title + text).split())))


# --- routing and deadlines --------------------------------------------------------------------


def find_rule(category_id: int, area_id: int) -> RoutingRule | None:
    """The most specific rule: category and area, then area alone, then category alone."""
    rules = RoutingRule.objects.filter(
        Q(category_id=category_id) | Q(category__isnull=True),
        Q(area_id=area_id) | Q(area__isnull=True),
    ).select_related("organisation")

    def rank(rule: RoutingRule) -> int:
        return (2 if rule.area_id else 0) + (1 if rule.category_id else 0)

    return max(rules, key=rank, default=None)


def _start_clocks(req: Request, start: datetime) -> None:
    req.clock_start = start
    req.accept_due = add_workdays(start, req.category.accept_days)
    req.answer_due = add_workdays(start, req.category.answer_days)
    req.reminded_75_at = req.reminded_due_at = req.escalated_at = None


def _route(req: Request, actor: Actor | None) -> None:
    rule = find_rule(req.category_id, req.area_id)
    req.organisation = rule.organisation if rule else None
    if rule:
        _entry(
            req, EntryKind.ROUTE, _("按分办规则交 %(org)s 办理") % {"org": rule.organisation}, actor
        )
        recipients = _secretaries([rule.organisation_id])
    else:
        _entry(req, EntryKind.ROUTE, _("无匹配的分办规则，进入工委分办队列"), actor)
        recipients = _committee_admins()
    _tell(
        recipients,
        title=_("新的群众诉求：%(title)s") % {"title": req.title[:60]},
        link=_link(req),
    )


# --- the public ---------------------------------------------------------------------------------


@transaction.atomic
def request_submit(
    *,
    category: Category,
    area: Area,
    title: str,
    text: str,
    name: str = "",
    phone: str = "",
    images: list | None = None,
    address: str | None = None,
    honeypot: str = "",
    channel: str = "web",
    http_request: HttpRequest | None = None,
) -> Request:
    """Store a submission from the public. A suspicious one is held for moderation: stored
    all the same, and the sender sees the same answer and tracking code. Raises RateLimited
    (before anything is stored) past the refusal line per address."""
    reasons = check_rate(address=address, phone=phone)
    verdict = scoring.score(title, text, name)
    reasons.extend(verdict.reasons if verdict.hold else [])
    if honeypot:
        reasons.append(_("填写了隐藏字段（自动程序）"))
    digest = _text_digest(title, text)
    since = timezone.now() - timedelta(days=1)
    if Request.objects.filter(text_digest=digest, submitted_at__gte=since).count() >= 2:
        reasons.append(_("一天内重复提交相同内容"))
    now = timezone.now()
    req = Request(
        kind=category.kind,
        category=category,
        area=area,
        title=title,
        text=text,
        name=name,
        source_digest=source_digest(address),
        text_digest=digest,
        channel=channel,
        submitted_at=now,
        spam_score=Decimal(f"{min(verdict.score, 999):.2f}"),
        spam_reasons=reasons or verdict.reasons,
        status=Status.HELD if reasons else Status.RECEIVED,
    )
    req.set_phone(phone)
    if req.status == Status.RECEIVED:
        _start_clocks(req, now)
    req.full_clean(exclude=["code"])
    req.save()
    for image in images or []:
        RequestImage.objects.create(request=req, file=image)
    if req.status == Status.HELD:
        _entry(req, EntryKind.MODERATION, _("待审核：") + "；".join(reasons), None)
    else:
        _route(req, None)
        req.save(update_fields=["organisation"])
    record(
        actor=None,
        actor_name=PUBLIC,
        action="create",
        target=req,
        organisation=req.organisation_id,
        changes={"status": [None, req.status], "category": [None, category.name]},
        request=http_request,
    )
    return req


@transaction.atomic
def request_rate(
    *, req: Request, rating: str, reason: str = "", http_request: HttpRequest | None = None
) -> Request:
    """The submitter rates the answer. 不满意 reopens the request once (with a reason); a
    second 不满意 is recorded and closes it."""
    if not req.can_be_rated:
        raise ValidationError(_("该诉求当前不能评价。"))
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择评价。")})
    now = timezone.now()
    reopen = rating == Rating.DISSATISFIED and req.can_reopen
    if reopen and not reason.strip():
        raise ValidationError({"reason": _("请填写不满意的原因。")})
    before = req.status
    if reopen:
        req.status = Status.IN_PROGRESS
        req.reopened_at = now
        req.reopen_reason = reason.strip()[:300]
        # A fresh answer clock from the reopening; the first answer is kept in the history.
        req.answer_due = add_workdays(now, req.category.answer_days)
        req.reminded_75_at = req.reminded_due_at = req.escalated_at = None
        req.clock_start = now
        _entry(
            req, EntryKind.RATING, _("群众不满意，重新办理：%(r)s") % {"r": req.reopen_reason}, None
        )
        if req.organisation_id:
            _tell(
                _secretaries([req.organisation_id]),
                title=_("群众不满意，诉求重新办理：%(t)s") % {"t": req.title[:60]},
                link=_link(req),
            )
    else:
        req.rating = rating
        req.rated_at = now
        req.status = Status.CLOSED
        req.closed_at = now
        if reason.strip():
            req.reopen_reason = req.reopen_reason or reason.strip()[:300]
        _entry(req, EntryKind.RATING, _("群众评价：%(r)s") % {"r": Rating(rating).label}, None)
    req.save()
    record(
        actor=None,
        actor_name=PUBLIC,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"status": [before, req.status], "rating": [None, rating]},
        request=http_request,
    )
    return req


@transaction.atomic
def wish_confirm(*, req: Request, http_request: HttpRequest | None = None) -> Request:
    """The wish-maker confirms that the wish was fulfilled: the wish is closed."""
    if req.kind != RequestKind.WISH or not req.fulfilled_at or req.confirmed_at:
        raise ValidationError(_("该心愿当前不能确认。"))
    before = req.status
    now = timezone.now()
    req.confirmed_at = now
    req.status = Status.CLOSED
    req.closed_at = now
    req.save(update_fields=["confirmed_at", "status", "closed_at"])
    _entry(req, EntryKind.WISH, _("心愿人确认心愿已实现"), None)
    record(
        actor=None,
        actor_name=PUBLIC,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"status": [before, req.status]},
        request=http_request,
    )
    return req


# --- moderation ---------------------------------------------------------------------------------


@transaction.atomic
def request_release(
    *, actor: Actor, req: Request, http_request: HttpRequest | None = None
) -> Request:
    """A moderator lets a held (or wrongly marked) submission through: it enters routing
    now; its submission time stays, its deadlines count from the release."""
    _require_committee(actor)
    check_transition(req.status, Status.RECEIVED)
    before = req.status
    req.status = Status.RECEIVED
    _start_clocks(req, timezone.now())
    _entry(req, EntryKind.MODERATION, _("审核通过"), actor)
    _route(req, actor)
    req.save()
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"status": [before, req.status]},
        reason=_("审核通过"),
        request=http_request,
    )
    return req


@transaction.atomic
def request_mark_spam(
    *, actor: Actor, req: Request, http_request: HttpRequest | None = None
) -> Request:
    _require_committee(actor)
    check_transition(req.status, Status.SPAM)
    req.status = Status.SPAM
    req.save(update_fields=["status"])
    _entry(req, EntryKind.MODERATION, _("标记为垃圾信息"), actor)
    record(
        actor=actor,
        action="update",
        target=req,
        changes={"status": [Status.HELD, Status.SPAM]},
        reason=_("标记为垃圾信息"),
        request=http_request,
    )
    return req


def _require_committee(actor: Actor | None) -> None:
    from organisations.policy import Reach, scope_for

    if scope_for(actor, write=True).reach is not Reach.ALL:
        raise PermissionDenied


# --- handling -----------------------------------------------------------------------------------


@transaction.atomic
def request_reassign(
    *,
    actor: Actor,
    req: Request,
    organisation: Organisation,
    reason: str,
    http_request: HttpRequest | None = None,
) -> Request:
    """Hand a request to another organisation, with a reason. A secretary hands on within
    reach of the committee's tree (the receiving side is told); the clocks restart."""
    _require_edit(actor, req)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写改派理由。")})
    if req.status not in OPEN_STATES:
        raise ValidationError(_("诉求当前为“%(s)s”，不能改派。") % {"s": Status(req.status).label})
    if organisation.pk == req.organisation_id:
        raise ValidationError({"organisation": _("诉求已由该党组织办理。")})
    before = req.organisation_id
    req.organisation = organisation
    req.status = Status.RECEIVED
    req.accepted_at = None
    _start_clocks(req, timezone.now())
    req.save()
    _entry(
        req,
        EntryKind.ROUTE,
        _("改派给 %(org)s：%(reason)s") % {"org": organisation, "reason": reason.strip()},
        actor,
    )
    _tell(
        _secretaries([organisation.pk]),
        title=_("改派来的群众诉求：%(t)s") % {"t": req.title[:60]},
        link=_link(req),
    )
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=organisation,
        changes={"organisation": [before, organisation.pk]},
        reason=reason.strip(),
        request=http_request,
    )
    return req


@transaction.atomic
def request_transition(
    *,
    actor: Actor,
    req: Request,
    to: str,
    reason: str = "",
    answer: str = "",
    duplicate_of: Request | None = None,
    transferred_to: str = "",
    http_request: HttpRequest | None = None,
) -> Request:
    """Move a request along the state machine; an illegal move is refused in words."""
    _require_edit(actor, req)
    check_transition(req.status, to)
    now = timezone.now()
    before = req.status
    fields = ["status"]
    if to == Status.ACCEPTED:
        req.accepted_at = now
        fields.append("accepted_at")
    elif to == Status.ANSWERED:
        if not answer.strip():
            raise ValidationError({"answer": _("请填写公开答复。")})
        if req.status == Status.ACCEPTED or req.status == Status.IN_PROGRESS:
            pass
        req.public_answer = answer.strip()
        req.answered_at = now
        req.answered_by = _account(actor)
        req.answer_approved = not settings.OUTREACH_ANSWER_APPROVAL
        fields += ["public_answer", "answered_at", "answered_by", "answer_approved"]
    elif to == Status.CLOSED:
        req.closed_at = now
        fields.append("closed_at")
    elif to in (Status.REJECTED, Status.TRANSFERRED):
        if not reason.strip():
            raise ValidationError({"reason": _("请填写理由。")})
        req.reason = reason.strip()[:300]
        req.closed_at = now
        fields += ["reason", "closed_at"]
        if to == Status.TRANSFERRED:
            if not transferred_to.strip():
                raise ValidationError({"transferred_to": _("请填写转办单位。")})
            req.transferred_to = transferred_to.strip()[:100]
            fields.append("transferred_to")
    elif to == Status.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == req.pk:
            raise ValidationError({"duplicate_of": _("请填写原诉求的查询码。")})
        req.duplicate_of = duplicate_of
        req.closed_at = now
        fields += ["duplicate_of", "closed_at"]
    req.status = to
    req.save(update_fields=fields)
    if (to == Status.ANSWERED and req.answer_approved) or to in (
        Status.REJECTED,
        Status.TRANSFERRED,
        Status.DUPLICATE,
    ):
        _tell_submitter(req, _answered_text(req))
    text = Status(to).label + (f"：{reason.strip()}" if reason.strip() else "")
    _entry(req, EntryKind.STATUS, text, actor)
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"status": [before, to]},
        reason=reason.strip(),
        request=http_request,
    )
    return req


@transaction.atomic
def request_approve_answer(
    *, actor: Actor, req: Request, http_request: HttpRequest | None = None
) -> Request:
    """责任编辑审核: another person than the one who answered approves the public answer."""
    _require_edit(actor, req)
    if req.status != Status.ANSWERED or req.answer_approved:
        raise ValidationError(_("没有待审核的答复。"))
    if req.answered_by_id and req.answered_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("答复须由另一位责任编辑审核。"))
    req.answer_approved = True
    req.save(update_fields=["answer_approved"])
    _tell_submitter(req, _answered_text(req))
    _entry(req, EntryKind.STATUS, _("公开答复已审核"), actor)
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"answer_approved": [False, True]},
        request=http_request,
    )
    return req


@transaction.atomic
def request_note(
    *, actor: Actor, req: Request, text: str, http_request: HttpRequest | None = None
) -> RequestEntry:
    """An internal note: seen by the handlers, never by the public."""
    _require_edit(actor, req)
    if not text.strip():
        raise ValidationError({"text": _("请填写备注内容。")})
    entry = _entry(req, EntryKind.NOTE, text.strip()[:2000], actor)
    record(
        actor=actor,
        action="create",
        target=entry,
        organisation=req.organisation_id,
        target_repr=f"{req.code} 内部备注",
        request=http_request,
    )
    return entry


# --- 微心愿 -------------------------------------------------------------------------------------


def _member_of(actor: Actor) -> Any:
    member = getattr(actor, "member", None)
    if member is None:
        raise ValidationError(_("只有关联了党员档案的账号才能认领心愿。"))
    return member


@transaction.atomic
def wish_claim(*, actor: Actor, req: Request, http_request: HttpRequest | None = None) -> Request:
    member = _member_of(actor)
    if req.kind != RequestKind.WISH or req.status not in (Status.RECEIVED, Status.ACCEPTED):
        raise ValidationError(_("该心愿当前不能认领。"))
    if req.claimed_by_id:
        raise ValidationError(_("该心愿已被认领。"))
    now = timezone.now()
    req.claimed_by = member
    req.claimed_at = now
    if req.status == Status.RECEIVED:
        req.accepted_at = now
    req.status = Status.IN_PROGRESS
    req.save(update_fields=["claimed_by", "claimed_at", "status", "accepted_at"])
    _entry(req, EntryKind.WISH, _("党员 %(m)s 认领了心愿") % {"m": member.name}, actor)
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"claimed_by": [None, member.pk]},
        request=http_request,
    )
    return req


@transaction.atomic
def wish_fulfil(
    *, actor: Actor, req: Request, note: str, http_request: HttpRequest | None = None
) -> Request:
    member = _member_of(actor)
    if req.claimed_by_id != member.pk or req.fulfilled_at:
        raise ValidationError(_("只有认领该心愿的党员才能登记完成。"))
    if not note.strip():
        raise ValidationError({"note": _("请简要说明心愿的完成情况。")})
    now = timezone.now()
    req.fulfilled_at = now
    req.fulfilment_note = note.strip()[:300]
    req.status = Status.ANSWERED
    req.answered_at = now
    req.public_answer = req.fulfilment_note
    req.answer_approved = True
    req.save(
        update_fields=[
            "fulfilled_at",
            "fulfilment_note",
            "status",
            "answered_at",
            "public_answer",
            "answer_approved",
        ]
    )
    _entry(req, EntryKind.WISH, _("心愿已完成，待心愿人确认"), actor)
    _tell_submitter(
        req,
        _("您的微心愿（查询码 %(code)s）已由党员帮助实现，请凭查询码查看并确认。")
        % {"code": req.code},
    )
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"status": [Status.IN_PROGRESS, Status.ANSWERED]},
        request=http_request,
    )
    return req


# --- deadlines ----------------------------------------------------------------------------------


@dataclass
class ClockReport:
    reminded_75: int = 0
    reminded_due: int = 0
    escalated: int = 0


def run_deadline_clock(*, actor: Actor | None = None, now: datetime | None = None) -> ClockReport:
    """The periodic deadline clock: a reminder at 75 % of the time, one at the deadline, and
    escalation to the parent organisation once overdue. Each request is told once of each."""
    actor = actor or operator("outreach.deadline_clock")
    now = now or timezone.now()
    report = ClockReport()
    open_requests = (
        Request.objects.visible_to(actor)
        .filter(status__in=OPEN_STATES, answer_due__isnull=False, clock_start__isnull=False)
        .filter(
            Q(reminded_75_at__isnull=True)
            | Q(reminded_due_at__isnull=True)
            | Q(escalated_at__isnull=True)
        )
        .select_related("organisation")
    )
    for req in open_requests.iterator(chunk_size=500):
        assert req.answer_due is not None and req.clock_start is not None
        total = req.answer_due - req.clock_start
        mark_75 = req.clock_start + total * 0.75
        if req.reminded_75_at is None and now >= mark_75 and now < req.answer_due:
            _clock_event(actor, req, "reminded_75_at", now, _("办理时限已过 75%%：%(t)s"))
            report.reminded_75 += 1
        elif req.reminded_due_at is None and now >= req.answer_due and req.escalated_at is None:
            _clock_event(actor, req, "reminded_due_at", now, _("诉求已到办结期限：%(t)s"))
            report.reminded_due += 1
        elif (
            req.escalated_at is None
            and req.reminded_due_at is not None
            and now >= req.answer_due + timedelta(days=1)
        ):
            _escalate(actor, req, now)
            report.escalated += 1
    return report


@transaction.atomic
def _clock_event(actor: Actor, req: Request, field: str, now: datetime, title: str) -> None:
    setattr(req, field, now)
    req.save(update_fields=[field])
    _entry(req, EntryKind.REMINDER, title % {"t": ""}, actor)
    recipients = _secretaries([req.organisation_id]) if req.organisation_id else _committee_admins()
    _tell(recipients, title=title % {"t": req.title[:60]}, link=_link(req))
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={field: [None, now.isoformat()]},
    )


@transaction.atomic
def _escalate(actor: Actor, req: Request, now: datetime) -> None:
    """督办: the organisation above the handler (or the committee) hears of the overdue request."""
    req.escalated_at = now
    req.save(update_fields=["escalated_at"])
    organisation = req.organisation
    parent = (
        Organisation.objects.filter(path=organisation.parent_path).first()
        if organisation and organisation.parent_path
        else None
    )
    _entry(
        req,
        EntryKind.ESCALATION,
        _("逾期未办结，已报 %(p)s 督办") % {"p": parent or _("机关工委")},
        actor,
    )
    recipients = _secretaries([parent.pk]) if parent else _committee_admins()
    _tell(
        recipients,
        title=_("督办：%(org)s 的群众诉求逾期未办结") % {"org": organisation or _("分办队列")},
        body=req.title[:200],
        link=_link(req),
    )
    record(
        actor=actor,
        action="update",
        target=req,
        organisation=req.organisation_id,
        changes={"escalated_at": [None, now.isoformat()]},
    )


# --- routing rules, areas -----------------------------------------------------------------------


@transaction.atomic
def rule_save(
    *,
    actor: Actor,
    category: Category | None,
    area: Area | None,
    organisation: Organisation,
    http_request: HttpRequest | None = None,
) -> RoutingRule:
    if not can_edit(actor, organisation):
        raise PermissionDenied
    _require_committee(actor)
    rule, created = RoutingRule.objects.update_or_create(
        category=category, area=area, defaults={"organisation": organisation}
    )
    record(
        actor=actor,
        action="create" if created else "update",
        target=rule,
        organisation=organisation,
        request=http_request,
    )
    return rule


@transaction.atomic
def rule_delete(
    *, actor: Actor, rule: RoutingRule, http_request: HttpRequest | None = None
) -> None:
    _require_committee(actor)
    record(
        actor=actor,
        action="delete",
        target=rule,
        organisation=rule.organisation_id,
        request=http_request,
    )
    rule.delete()


@transaction.atomic
def category_update(
    *,
    actor: Actor,
    category: Category,
    accept_days: int,
    answer_days: int,
    http_request: HttpRequest | None = None,
) -> Category:
    """The committee sets a category's deadlines (working days); requests already received
    keep the deadlines they were given."""
    _require_committee(actor)
    before = {"accept_days": category.accept_days, "answer_days": category.answer_days}
    category.accept_days, category.answer_days = accept_days, answer_days
    category.full_clean()
    category.save(update_fields=["accept_days", "answer_days"])
    after = {"accept_days": accept_days, "answer_days": answer_days}
    record(
        actor=actor,
        action="update",
        target=category,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        request=http_request,
    )
    return category


@transaction.atomic
def area_create(
    *, actor: Actor, name: str, kind: str, http_request: HttpRequest | None = None
) -> Area:
    _require_committee(actor)
    area = Area(name=name.strip(), kind=kind)
    area.full_clean()
    area.save()
    record(actor=actor, action="create", target=area, request=http_request)
    return area


@transaction.atomic
def workday_override_save(
    *,
    actor: Actor,
    day: date,
    is_workday: bool,
    note: str,
    http_request: HttpRequest | None = None,
) -> Any:
    from core.models import WorkdayOverride

    _require_committee(actor)
    row, created = WorkdayOverride.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "note": note}
    )
    record(
        actor=actor,
        action="create" if created else "update",
        target=row,
        changes={"is_workday": [None, is_workday]},
        request=http_request,
    )
    return row


# --- consultations ------------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *,
    actor: Actor,
    organisation: Organisation,
    title: str,
    body: str,
    deadline: datetime,
    http_request: HttpRequest | None = None,
) -> Consultation:
    if not can_edit(actor, organisation):
        raise PermissionDenied
    if deadline <= timezone.now():
        raise ValidationError({"deadline": _("截止时间须晚于现在。")})
    consultation = Consultation(
        organisation=organisation, title=title, body=body, deadline=deadline
    )
    consultation.full_clean()
    consultation.save()
    record(
        actor=actor,
        action="create",
        target=consultation,
        organisation=organisation,
        request=http_request,
    )
    return consultation


@transaction.atomic
def consultation_respond(
    *,
    consultation: Consultation,
    text: str,
    name: str = "",
    area: Area | None = None,
    address: str | None = None,
    honeypot: str = "",
    http_request: HttpRequest | None = None,
) -> ConsultationResponse:
    if not consultation.is_open:
        raise ValidationError(_("征求意见已截止。"))
    reasons = check_rate(address=address)
    verdict = scoring.score(text, name)
    reasons.extend(verdict.reasons if verdict.hold else [])
    if honeypot:
        reasons.append(_("填写了隐藏字段（自动程序）"))
    response = ConsultationResponse(
        consultation=consultation,
        text=text,
        name=name,
        area=area,
        held=bool(reasons),
        spam_reasons=reasons,
        source_digest=source_digest(address),
    )
    response.full_clean()
    response.save()
    record(
        actor=None,
        actor_name=PUBLIC,
        action="create",
        target=response,
        organisation=consultation.organisation_id,
        request=http_request,
    )
    return response


@transaction.atomic
def consultation_reply(
    *,
    actor: Actor,
    consultation: Consultation,
    summary: str,
    public_reply: str,
    http_request: HttpRequest | None = None,
) -> Consultation:
    if not Consultation.objects.editable_by(actor).filter(pk=consultation.pk).exists():
        raise PermissionDenied
    before: dict[str, Any] = {
        "summary": consultation.summary,
        "public_reply": consultation.public_reply,
    }
    consultation.summary = summary.strip()
    consultation.public_reply = public_reply.strip()
    consultation.replied_at = timezone.now() if consultation.public_reply else None
    consultation.save(update_fields=["summary", "public_reply", "replied_at"])
    record(
        actor=actor,
        action="update",
        target=consultation,
        organisation=consultation.organisation_id,
        changes={k: [v[:50], getattr(consultation, k)[:50]] for k, v in before.items()},
        request=http_request,
    )
    return consultation


@transaction.atomic
def response_release(
    *, actor: Actor, response: ConsultationResponse, http_request: HttpRequest | None = None
) -> ConsultationResponse:
    if not ConsultationResponse.objects.editable_by(actor).filter(pk=response.pk).exists():
        raise PermissionDenied
    response.held = False
    response.save(update_fields=["held"])
    record(
        actor=actor,
        action="update",
        target=response,
        organisation=response.consultation.organisation_id,
        changes={"held": [True, False]},
        request=http_request,
    )
    return response
