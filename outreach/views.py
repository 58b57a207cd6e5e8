"""Views of the party–masses channel: the public pages (no account) and the handlers' pages."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from audit.services import record
from core import network
from core.editing import service_errors
from core.permissions import role_required
from core.uploads import serve_file
from organisations.models import Organisation

from . import selectors, services
from .exports import consultation_workbook
from .forms import (
    AreaForm,
    CategoryDaysForm,
    ConsultationForm,
    FulfilForm,
    NoteForm,
    RateForm,
    ReassignForm,
    ReplyForm,
    ResponseForm,
    RuleForm,
    SubmitForm,
    TrackForm,
    TransitionForm,
    WorkdayForm,
)
from .models import (
    Area,
    Category,
    Consultation,
    ConsultationResponse,
    Request,
    RequestImage,
    RequestKind,
    RoutingRule,
    Status,
)

PAGE_SIZE = 30
handler_required = role_required(Role.COMMITTEE_ADMIN, Role.SECRETARY)
committee_required = role_required(Role.COMMITTEE_ADMIN)


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    page.query = query.urlencode()  # for includes/pagination.html
    return page


def _too_many(request) -> HttpResponse:
    return render(request, "outreach/public/too_many.html", status=429)


# --- public -------------------------------------------------------------------------------------


def public_home(request, kind: str = RequestKind.REQUEST):
    """Submit a request (or a 微心愿): no account, no app."""
    form = SubmitForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            req = services.request_submit(
                category=data["category"],
                area=data["area"],
                title=data["title"],
                text=data["text"],
                name=data["name"],
                phone=data["phone"],
                images=data["images"],
                honeypot=data["website"],
                address=network.client_ip(request),
                http_request=request,
            )
        except services.RateLimited:
            return _too_many(request)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            # Held or not, the sender sees the same page and the same code.
            request.session["outreach_new"] = req.code
            return redirect("outreach:track", code=req.code)
    return render(
        request,
        "outreach/public/submit.html",
        {"form": form, "kind": kind, "is_wish": kind == RequestKind.WISH},
    )


def public_wish_submit(request):
    return public_home(request, kind=RequestKind.WISH)


def track_lookup(request):
    form = TrackForm(request.GET or None)
    if form.is_valid():
        return redirect("outreach:track", code=form.cleaned_data["code"])
    return render(request, "outreach/public/track_lookup.html", {"form": form})


def _by_code(code: str) -> Request:
    # The code is the only key the public holds; a wrong one is 404 like a missing one.
    return get_object_or_404(
        Request.objects.select_related("category", "area", "organisation"), code=code.upper()
    )


def track(request, code):
    req = _by_code(code)
    is_new = request.session.pop("outreach_new", None) == req.code
    # De-identified like every public page: a tracking link may be passed on.
    public = selectors.public_view(req, with_code=True)
    return render(
        request,
        "outreach/public/track.html",
        {
            "req": req,
            "public": public,
            "is_new": is_new,
            "rate_form": RateForm() if req.can_be_rated else None,
            "can_confirm": req.kind == RequestKind.WISH
            and req.fulfilled_at
            and not req.confirmed_at,
            "deadline": req.answer_due if req.status not in (Status.HELD, Status.SPAM) else None,
        },
    )


@require_POST
def rate(request, code):
    req = _by_code(code)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.request_rate(
                req=req,
                rating=form.cleaned_data["rating"],
                reason=form.cleaned_data["reason"],
                http_request=request,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("感谢您的评价。"))
    else:
        messages.error(request, _("请选择评价。"))
    return redirect("outreach:track", code=req.code)


@require_POST
def wish_confirm(request, code):
    req = _by_code(code)
    try:
        services.wish_confirm(req=req, http_request=request)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("感谢您的确认。"))
    return redirect("outreach:track", code=req.code)


def answered(request):
    qs = selectors.public_answered(
        category=request.GET.get("category", ""), organisation=request.GET.get("organisation", "")
    )
    page = _page(request, qs)
    return render(
        request,
        "outreach/public/answered.html",
        {
            "page": page,
            "rows": [selectors.public_view(r) for r in page],
            "categories": Category.objects.filter(kind=RequestKind.REQUEST),
        },
    )


def statistics(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        quarter = int(request.GET.get("quarter") or 0)
    except ValueError:
        year, quarter = today.year, 0
    if not (2000 <= year <= today.year + 1) or quarter not in range(5):
        year, quarter = today.year, 0
    start, end = selectors.period_bounds(year, quarter or None)
    return render(
        request,
        "outreach/public/statistics.html",
        {
            "rows": selectors.statistics(start=start, end=end),
            "year": year,
            "quarter": quarter,
            "years": range(today.year, today.year - 5, -1),
        },
    )


def wishes(request):
    page = _page(request, selectors.open_wishes())
    member = getattr(request.user, "member", None) if request.user.is_authenticated else None
    rows = [(selectors.public_view(r), r) for r in page]
    return render(
        request,
        "outreach/public/wishes.html",
        {"page": page, "rows": rows, "can_claim": member is not None},
    )


def consultations(request):
    page = _page(request, selectors.public_consultations())
    return render(
        request, "outreach/public/consultations.html", {"page": page, "now": timezone.now()}
    )


def consultation(request, code):
    item = get_object_or_404(
        Consultation.objects.published().select_related("organisation"), code=code
    )
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consultation_respond(
                consultation=item,
                text=data["text"],
                name=data["name"],
                area=data["area"],
                honeypot=data["website"],
                address=network.client_ip(request),
                http_request=request,
            )
        except services.RateLimited:
            return _too_many(request)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("您的意见已收到，感谢参与。"))
            return redirect("outreach:consultation", code=item.code)
    return render(request, "outreach/public/consultation.html", {"item": item, "form": form})


# --- handlers -----------------------------------------------------------------------------------


@handler_required
def handle_list(request):
    status = request.GET.get("status", "")
    if status and status not in Status.values:
        status = ""
    qs = selectors.handler_requests(
        request.user,
        status=status,
        overdue=request.GET.get("overdue") == "1",
        kind=request.GET.get("kind", "") if request.GET.get("kind") in RequestKind.values else "",
        q=request.GET.get("q", "").strip()[:50],
    )
    page = _page(request, qs)
    return render(
        request,
        "outreach/handle_list.html",
        {
            "page": page,
            "statuses": [s for s in Status if s not in (Status.HELD, Status.SPAM)],
            "status": status,
            "counts": selectors.open_counts(request.user),
            "now": timezone.now(),
        },
    )


@committee_required
def triage(request):
    page = _page(request, selectors.triage_queue(request.user))
    return render(
        request,
        "outreach/triage.html",
        {"page": page, "now": timezone.now(), "reassign": ReassignForm()},
    )


@committee_required
def moderation(request):
    spam = request.GET.get("spam") == "1"
    page = _page(request, selectors.moderation_queue(request.user, spam=spam))
    return render(request, "outreach/moderation.html", {"page": page, "spam": spam})


@committee_required
@require_POST
def moderate(request, pk, decision):
    req = get_object_or_404(Request.objects.editable_by(request.user), pk=pk)
    try:
        if decision == "release":
            services.request_release(actor=request.user, req=req, http_request=request)
            messages.success(request, _("已审核通过，进入分办。"))
        else:
            services.request_mark_spam(actor=request.user, req=req, http_request=request)
            messages.success(request, _("已标记为垃圾信息（仍保留，不公开）。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("outreach:moderation")


def _handled(request, pk) -> Request:
    return get_object_or_404(
        Request.objects.visible_to(request.user).select_related(
            "category", "area", "organisation", "claimed_by", "duplicate_of"
        ),
        pk=pk,
    )


@handler_required
def handle_detail(request, pk):
    req = _handled(request, pk)
    if req.status in (Status.HELD, Status.SPAM) and not request.user.is_committee_admin:
        raise Http404
    return render(
        request,
        "outreach/handle_detail.html",
        {
            "req": req,
            "entries": selectors.request_history(req),
            "images": req.images.all(),
            "transition": TransitionForm(),
            "reassign": ReassignForm(),
            "note": NoteForm(),
            "allowed": services.TRANSITIONS.get(req.status, frozenset()),
            "now": timezone.now(),
        },
    )


def _back(req):
    return redirect("outreach:handle_detail", pk=req.pk)


def _fail(request, form, exc=None):
    if exc is not None:
        service_errors(form, exc)
    errors = [
        f"{form.fields[f].label if f in form.fields else ''}：{'；'.join(e)}".lstrip("：")
        for f, e in form.errors.items()
    ]
    messages.error(request, "；".join(errors) or _("操作未完成。"))


@handler_required
@require_POST
def handle_action(request, pk):
    req = _handled(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        _fail(request, form)
        return _back(req)
    data = form.cleaned_data
    duplicate_of = None
    if data["to"] == Status.DUPLICATE and data["duplicate_code"]:
        duplicate_of = (
            Request.objects.visible_to(request.user)
            .filter(code=data["duplicate_code"].strip().upper())
            .first()
        )
    try:
        services.request_transition(
            actor=request.user,
            req=req,
            to=data["to"],
            reason=data["reason"],
            answer=data["answer"],
            duplicate_of=duplicate_of,
            transferred_to=data["transferred_to"],
            http_request=request,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _fail(request, form, exc)
    else:
        messages.success(request, _("已更新为“%(s)s”。") % {"s": Status(data["to"]).label})
    return _back(req)


@handler_required
@require_POST
def handle_reassign(request, pk):
    req = _handled(request, pk)
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            services.request_reassign(
                actor=request.user,
                req=req,
                organisation=form.cleaned_data["organisation"],
                reason=form.cleaned_data["reason"],
                http_request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _fail(request, form, exc)
            return _back(req)
        messages.success(request, _("已改派。"))
        if Request.objects.visible_to(request.user).filter(pk=req.pk).exists():
            return _back(req)
        return redirect("outreach:handle_list")
    _fail(request, form)
    return _back(req)


@handler_required
@require_POST
def handle_note(request, pk):
    req = _handled(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.request_note(
                actor=request.user, req=req, text=form.cleaned_data["text"], http_request=request
            )
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("备注已保存（仅内部可见）。"))
    else:
        _fail(request, form)
    return _back(req)


@handler_required
@require_POST
def handle_approve(request, pk):
    req = _handled(request, pk)
    try:
        services.request_approve_answer(actor=request.user, req=req, http_request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("答复已审核，群众可见。"))
    return _back(req)


@handler_required
def request_image(request, pk):
    image = get_object_or_404(RequestImage.objects.visible_to(request.user), pk=pk)
    return serve_file(request, image.file, filename=f"image-{image.pk}", inline=True)


# --- 微心愿 (members) ----------------------------------------------------------------------------


@role_required(Role.MEMBER, Role.SECRETARY, Role.COMMITTEE_ADMIN)
@require_POST
def wish_claim(request, pk):
    req = get_object_or_404(selectors.open_wishes(), pk=pk)
    try:
        services.wish_claim(actor=request.user, req=req, http_request=request)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("outreach:wishes")
    messages.success(request, _("认领成功，请尽快帮助实现心愿。"))
    return redirect("outreach:my_wishes")


@role_required(Role.MEMBER, Role.SECRETARY, Role.COMMITTEE_ADMIN)
def my_wishes(request):
    member = getattr(request.user, "member", None)
    qs = Request.objects.none()
    if member is not None:
        qs = Request.objects.filter(kind=RequestKind.WISH, claimed_by=member).select_related(
            "category", "area"
        )
    return render(
        request,
        "outreach/my_wishes.html",
        {"page": _page(request, qs.order_by("-claimed_at")), "form": FulfilForm()},
    )


@role_required(Role.MEMBER, Role.SECRETARY, Role.COMMITTEE_ADMIN)
@require_POST
def wish_fulfil(request, pk):
    member = getattr(request.user, "member", None)
    req = get_object_or_404(
        Request.objects.filter(kind=RequestKind.WISH, claimed_by__isnull=False),
        pk=pk,
        claimed_by=member,
    )
    form = FulfilForm(request.POST)
    if form.is_valid():
        try:
            services.wish_fulfil(
                actor=request.user, req=req, note=form.cleaned_data["note"], http_request=request
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已登记完成，待心愿人确认。"))
    else:
        _fail(request, form)
    return redirect("outreach:my_wishes")


# --- the committee's lists: rules, areas, working-day overrides --------------------------------


@committee_required
def settings_page(request):
    from core.models import WorkdayOverride

    rule_form = RuleForm(request.POST or None)
    if request.method == "POST" and rule_form.is_valid():
        data = rule_form.cleaned_data
        services.rule_save(
            actor=request.user,
            category=data["category"],
            area=data["area"],
            organisation=data["organisation"],
            http_request=request,
        )
        messages.success(request, _("分办规则已保存。"))
        return redirect("outreach:settings")
    return render(
        request,
        "outreach/settings.html",
        {
            "rules": selectors.rules(request.user).order_by("category__position", "area__name"),
            "rule_form": rule_form,
            "areas": Area.objects.all(),
            "area_form": AreaForm(),
            "categories": Category.objects.all(),
            "overrides": WorkdayOverride.objects.filter(day__gte=timezone.localdate())[:50],
            "workday_form": WorkdayForm(),
        },
    )


@committee_required
@require_POST
def rule_delete(request, pk):
    rule = get_object_or_404(RoutingRule.objects.editable_by(request.user), pk=pk)
    services.rule_delete(actor=request.user, rule=rule, http_request=request)
    messages.success(request, _("分办规则已删除。"))
    return redirect("outreach:settings")


@committee_required
@require_POST
def category_update(request, pk):
    category = get_object_or_404(Category, pk=pk)
    form = CategoryDaysForm(request.POST)
    if form.is_valid():
        try:
            services.category_update(
                actor=request.user, category=category, http_request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("办理时限已保存。"))
    else:
        _fail(request, form)
    return redirect("outreach:settings")


@committee_required
@require_POST
def area_create(request):
    form = AreaForm(request.POST)
    if form.is_valid():
        try:
            services.area_create(actor=request.user, http_request=request, **form.cleaned_data)
        except ValidationError as exc:
            _fail(request, form, exc)
        else:
            messages.success(request, _("村（社区）已添加。"))
    else:
        _fail(request, form)
    return redirect("outreach:settings")


@committee_required
@require_POST
def workday_save(request):
    form = WorkdayForm(request.POST)
    if form.is_valid():
        services.workday_override_save(
            actor=request.user, http_request=request, **form.cleaned_data
        )
        messages.success(request, _("工作日调整已保存。"))
    else:
        _fail(request, form)
    return redirect("outreach:settings")


# --- consultations (handlers) ---------------------------------------------------------------


@handler_required
def consultation_list(request):
    page = _page(request, selectors.handler_consultations(request.user))
    return render(request, "outreach/consultation_list.html", {"page": page, "now": timezone.now()})


@handler_required
def consultation_create(request):
    organisations = Organisation.objects.editable_by(request.user)
    form = ConsultationForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.consultation_create(
                actor=request.user, http_request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("征求意见已发布。"))
            return redirect("outreach:consultation_manage", pk=item.pk)
    return render(request, "outreach/consultation_form.html", {"form": form})


@handler_required
def consultation_manage(request, pk):
    item = get_object_or_404(
        Consultation.objects.visible_to(request.user).select_related("organisation"), pk=pk
    )
    form = ReplyForm(
        request.POST or None, initial={"summary": item.summary, "public_reply": item.public_reply}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_reply(
                actor=request.user, consultation=item, http_request=request, **form.cleaned_data
            )
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("已保存。"))
        return redirect("outreach:consultation_manage", pk=item.pk)
    responses = selectors.consultation_responses(item)
    return render(
        request,
        "outreach/consultation_manage.html",
        {
            "item": item,
            "form": form,
            "page": _page(request, responses),
            "digest": selectors.consultation_digest(item),
        },
    )


@handler_required
@require_POST
def response_release(request, pk):
    response = get_object_or_404(
        ConsultationResponse.objects.editable_by(request.user).select_related("consultation"), pk=pk
    )
    services.response_release(actor=request.user, response=response, http_request=request)
    messages.success(request, _("意见已审核通过。"))
    return redirect("outreach:consultation_manage", pk=response.consultation_id)


@handler_required
def consultation_export(request, pk):
    from django.db import transaction

    item = get_object_or_404(Consultation.objects.visible_to(request.user), pk=pk)
    content = consultation_workbook(item, selectors.consultation_responses(item))
    with transaction.atomic():
        record(
            actor=request.user,
            action="export",
            target=item,
            organisation=item.organisation_id,
            request=request,
        )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = datetime.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="consultation-{item.pk}-{stamp}.xlsx"'
    return response
