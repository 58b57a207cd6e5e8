from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.editing import edit_form, saved_redirect, service_errors, submit
from core.pdf import render_pdf
from core.permissions import party_data_required
from core.uploads import serve_file
from organisations.models import Member, Organisation
from organisations.policy import can_edit

from . import attendees, exports, selectors, services
from .forms import (
    ATTENDANCE_STATUSES,
    EXCUSES,
    NOT_COUNTED,
    DecisionForm,
    MeetingForm,
    OrganisationChoiceForm,
    RuleSetForm,
)
from .models import (
    Attachment,
    AttendanceStatus,
    CalendarFeed,
    ComplianceStatus,
    ExcuseReason,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NotCountedReason,
    Rule,
)
from .rules import RuleBook

PAGE_SIZE = 50


def meeting_url(meeting):
    return reverse("meetings:meeting_detail", args=[meeting.pk])


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@party_data_required
def meeting_list(request):
    """会议列表: filtered by organisation, kind, status and dates; paginated."""
    chosen, queryset = selectors.meeting_list(request.user, request.GET)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": page,
            "chosen": chosen,
            "kinds": MeetingKind.choices,
            "statuses": MeetingStatus.choices,
            "query": query.urlencode(),
            "can_create": request.user.role != "member",
        },
    )


@party_data_required
def meeting_calendar(request):
    """月历: the visible meetings of a month, planned and held."""
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        date(year, month, 1)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    previous = date(year - (month == 1), (month - 2) % 12 + 1, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    weeks = selectors.month_calendar(request.user, year, month)
    return render(
        request,
        "meetings/meeting_calendar.html",
        {
            "weeks": weeks,
            "has_meetings": any(d.meetings for week in weeks for d in week if d.in_month),
            "month": date(year, month, 1),
            "previous": previous,
            "following": following,
            "today": today,
            "weekdays": [
                _("周一"),
                _("周二"),
                _("周三"),
                _("周四"),
                _("周五"),
                _("周六"),
                _("周日"),
            ],
            "can_create": request.user.role != "member",
        },
    )


@party_data_required
def meeting_create(request):
    """Schedule a meeting, or record one already held. First the host organisation."""
    if request.user.role == "member":
        raise Http404
    organisation = None
    picked = request.GET.get("organisation")
    if picked:
        try:
            organisation = (
                Organisation.objects.editable_by(request.user).filter(pk=int(picked)).first()
            )
        except ValueError:
            organisation = None
    if organisation is None and getattr(request.user, "organisation_id", None) and not picked:
        organisation = request.user.organisation
    if organisation is None:
        return render(
            request,
            "meetings/meeting_pick.html",
            {"form": OrganisationChoiceForm(user=request.user)},
        )
    initial = {}
    if request.GET.get("date"):
        try:
            initial["starts_at"] = f"{date.fromisoformat(request.GET['date'])}T09:00"
            initial["ends_at"] = f"{date.fromisoformat(request.GET['date'])}T11:00"
        except ValueError:
            pass
    form = MeetingForm(
        request.POST or None, user=request.user, organisation=organisation, initial=initial
    )
    done = submit(
        request,
        form,
        lambda data: services.meeting_create(
            actor=request.user,
            organisation=organisation,
            request=request,
            **{**data, "study_hours": data.get("study_hours") or 0},
        ),
        success=_("会议已保存。"),
        next_url=meeting_url,
    )
    return done or render(
        request, "meetings/meeting_form.html", {"form": form, "organisation": organisation}
    )


@party_data_required
def meeting_detail(request, pk):
    meeting = selectors.meeting_detail(request.user, pk)
    if meeting is None:
        raise Http404
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "attendance": selectors.attendance_of(meeting),
            "editable": can_edit(request.user, meeting.organisation),
            "participants": [p.organisation for p in meeting.participations.all()],
        },
    )


@party_data_required
def meeting_update(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.editable_by(request.user).select_related("organisation"), pk=pk
    )
    form = edit_form(
        MeetingForm,
        request,
        meeting,
        user=request.user,
        organisation=meeting.organisation,
        editing=True,
    )
    if request.method != "POST":
        form.initial["joint_organisations"] = [
            p.organisation_id
            for p in meeting.participations.exclude(organisation=meeting.organisation)
        ]
        form.initial["starts_at"] = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M")
        form.initial["ends_at"] = timezone.localtime(meeting.ends_at).strftime("%Y-%m-%dT%H:%M")
    done = submit(
        request,
        form,
        lambda data: services.meeting_update(
            actor=request.user,
            meeting=meeting,
            request=request,
            **{**data, "study_hours": data.get("study_hours") or 0},
        ),
        success=_("已保存。"),
        next_url=meeting_url,
    )
    return done or render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "organisation": meeting.organisation, "meeting": meeting},
    )


def _attendance_rows(request) -> list[services.AttendanceRow]:
    rows = []
    for raw in request.POST.getlist("member"):
        try:
            member_id = int(raw)
        except ValueError:
            raise ValidationError({"attendance": _("出席名单中有无效的党员编号。")}) from None
        if not 0 < member_id < 2**31:
            raise ValidationError({"attendance": _("出席名单中有无效的党员编号。")})
        status = request.POST.get(f"status_{member_id}", "")
        reason = request.POST.get(f"reason_{member_id}", "")
        not_counted_reason = request.POST.get(f"ncr_{member_id}", "")
        rows.append(
            services.AttendanceRow(
                member_id=member_id,
                status=status if status in ATTENDANCE_STATUSES else "invalid",
                excuse_reason=reason if reason in EXCUSES else "",
                not_counted=request.POST.get(f"nc_{member_id}") == "on",
                not_counted_reason=not_counted_reason if not_counted_reason in NOT_COUNTED else "",
                not_counted_approval=request.POST.get(f"nca_{member_id}", "")[:200].replace(
                    "\x00", ""
                ),
            )
        )
    if len(rows) > 2000:
        raise ValidationError({"attendance": _("出席名单过长（最多 2000 人）。")})
    return rows


@party_data_required
def meeting_attendance(request, pk):
    """登记出席: one row per member due (from the membership history as of the meeting date)."""
    meeting = get_object_or_404(
        Meeting.objects.editable_by(request.user).select_related("organisation"), pk=pk
    )
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.attendance_record(
                actor=request.user,
                meeting=meeting,
                rows=_attendance_rows(request),
                request=request,
            )
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(request, _("出席情况已登记。"))
            return saved_redirect(request, meeting_url(meeting))
    participants = [p.organisation for p in meeting.participations.select_related("organisation")]
    day = timezone.localdate(meeting.starts_at)
    recorded = {a.member_id: a for a in meeting.attendances.all()}
    if meeting.kind in attendees.NOBODY_DUE:
        members = list(attendees.may_attend(participants, day).order_by("name_pinyin", "pk"))
        due = [
            attendees.Due(m, v)
            for m, v in zip(members, attendees.voting(members, day), strict=True)
        ]
    else:
        due = attendees.due_at(meeting.kind, participants, day)
    rows = [
        {
            "member": d.member,
            "has_vote": d.has_vote,
            "record": recorded.get(d.member.pk),
            "status": (
                request.POST.get(f"status_{d.member.pk}")
                if request.method == "POST"
                else getattr(recorded.get(d.member.pk), "status", "")
            )
            or ("absent" if meeting.kind in attendees.NOBODY_DUE else "present"),
        }
        for d in due
    ]
    return render(
        request,
        "meetings/attendance_form.html",
        {
            "meeting": meeting,
            "rows": rows,
            "errors": errors,
            "statuses": AttendanceStatus.choices,
            "excuses": ExcuseReason.choices,
            "not_counted_reasons": NotCountedReason.choices,
            "future": meeting.starts_at > timezone.now(),
        },
        status=400 if errors else 200,
    )


@party_data_required
def decision_create(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.editable_by(request.user).select_related("organisation"), pk=pk
    )
    form = DecisionForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.decision_add(
            actor=request.user, meeting=meeting, request=request, **data
        ),
        success=_("表决事项已登记。"),
        next_url=lambda decision: meeting_url(meeting),
    )
    return done or render(
        request,
        "meetings/decision_form.html",
        {"form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


@party_data_required
def meeting_pdf(request, pk):
    """会议记录 PDF (core.pdf: WeasyPrint; a missing library answers with a clear message)."""
    meeting = selectors.meeting_detail(request.user, pk)
    if meeting is None:
        raise Http404
    context = {
        "meeting": meeting,
        "attendance": selectors.attendance_of(meeting),
        "participants": [p.organisation for p in meeting.participations.all()],
    }
    return render_pdf(
        request, "meetings/minutes_pdf.html", context, filename=f"meeting-{meeting.pk}.pdf"
    )


@party_data_required
def meeting_register(request):
    """会议台账 .xlsx of the meetings the list shows (same filters)."""
    chosen, queryset = selectors.meeting_list(request.user, request.GET)
    title = _("会议台账")
    if "organisation" in chosen:
        title = f"{chosen['organisation'].name}{title}"
    content = exports.register_xlsx(queryset[:20000], title)
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="meeting-register.xlsx"'
    return response


def _dashboard_organisation(request):
    user = request.user
    visible = Organisation.objects.visible_to(user)
    picked = request.GET.get("organisation")
    if picked:
        try:
            return get_object_or_404(visible, pk=int(picked))
        except ValueError:
            raise Http404 from None
    organisation = visible.order_by("depth", "path").first()
    if organisation is None:
        raise Http404
    return organisation


@party_data_required
def compliance_dashboard(request):
    """落实情况: the organisation's own cells, its children's roll-ups and the gaps."""
    organisation = _dashboard_organisation(request)
    year = _year(request)
    return render(
        request,
        "meetings/compliance.html",
        {
            "organisation": organisation,
            "year": year,
            "years": range(timezone.localdate().year - 3, timezone.localdate().year + 1),
            "rows": selectors.own_cells(organisation, year),
            "rollup": selectors.rollup_for(request.user, organisation, year),
            "children": selectors.child_rollups(request.user, organisation, year),
            "gaps": selectors.gaps(request.user, organisation, year),
            "invalid": selectors.invalid_decisions(request.user, organisation, year),
            "statuses": ComplianceStatus,
        },
    )


@party_data_required
def compliance_export(request):
    organisation = _dashboard_organisation(request)
    year = _year(request)
    content = exports.compliance_xlsx(
        selectors.compliance_rows(request.user, organisation, year),
        _("%(org)s %(year)s年组织生活落实情况") % {"org": organisation.name, "year": year},
    )
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="compliance-{year}.xlsx"'
    return response


@party_data_required
def member_attendance(request, pk):
    """A member's own attendance history (参加组织生活情况)."""
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=pk)
    page = Paginator(selectors.attendance_history(member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "meetings/member_attendance.html", {"member": member, "page": page})


@never_cache
@party_data_required
def my_calendar(request):
    """The signed-in member's private .ics address (and a new one on request)."""
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    feed = CalendarFeed.objects.filter(member=member).first()
    if request.method == "POST":
        feed = services.calendar_feed_for(actor=request.user, member=member, renew=feed is not None)
        messages.success(request, _("日历订阅地址已生成。"))
        return redirect("meetings:my_calendar")
    url = (
        request.build_absolute_uri(reverse("meetings:calendar_feed", args=[feed.token]))
        if feed
        else ""
    )
    return render(request, "meetings/my_calendar.html", {"member": member, "url": url})


def calendar_feed(request, token):
    """The .ics feed: its random token is the key (calendar apps cannot sign in)."""
    if len(token) > 64:
        raise Http404
    feed = get_object_or_404(CalendarFeed.objects.select_related("member"), token=token)
    since = timezone.localdate().replace(day=1, month=1)
    body = exports.ics(
        selectors.member_meetings(feed.member, since=since),
        name=_("组织生活"),
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@party_data_required
def rule_set_list(request):
    """组织生活规则: the default and every visible override, newest version first."""
    if request.user.role == "member":
        raise Http404
    return render(
        request,
        "meetings/rule_sets.html",
        {"rule_sets": selectors.rule_sets(request.user)},
    )


@party_data_required
def rule_set_create(request, pk):
    """A new version of an organisation's rules for its subtree (the kinds it overrides)."""
    organisation = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    form = RuleSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        book = RuleBook()
        inherited, _settings = book.for_path(organisation.path, data["effective_from"])
        rules = []
        for kind in MeetingKind.values:
            frequency = data.get(f"frequency_{kind}")
            if not frequency:
                continue
            base: Rule | None = inherited.get(kind)
            rules.append(
                {
                    "meeting_kind": kind,
                    "frequency": frequency,
                    "organisation_kinds": base.organisation_kinds if base else ["branch"],
                    "quorum": base.quorum if base else "none",
                    "binds": base.binds if base else "organisation",
                    "needs_committee": base.needs_committee if base else False,
                }
            )
        try:
            services.rule_set_publish(
                actor=request.user,
                organisation=organisation,
                effective_from=data["effective_from"],
                name=data["name"],
                half_included=data["half_included"],
                election_ratio=data["election_ratio"],
                rules=rules,
                request=request,
            )
        except ValidationError as exc:
            service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("规则已发布，落实情况已按新规则重新计算。"))
            return redirect("meetings:rule_set_list")
    return render(
        request,
        "meetings/rule_set_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


@party_data_required
@require_POST
def meeting_cancel(request, pk):
    meeting = get_object_or_404(Meeting.objects.editable_by(request.user), pk=pk)
    if meeting.status != MeetingStatus.PLANNED:
        messages.error(request, _("只能取消尚未召开的会议。"))
        return saved_redirect(request, meeting_url(meeting))
    try:
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            status=MeetingStatus.CANCELLED,
            request=request,
            edit_reason=request.POST.get("edit_reason", "")[:300],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("会议已取消。"))
    return saved_redirect(request, meeting_url(meeting))


@party_data_required
@require_POST
def attachment_add(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.editable_by(request.user).select_related("organisation"), pk=pk
    )
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("附件：请选择文件。"))
    else:
        try:
            services.attachment_add(
                actor=request.user, meeting=meeting, file=upload, request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("附件已上传。"))
    return saved_redirect(request, meeting_url(meeting))


@party_data_required
def attachment_download(request, pk):
    attachment = get_object_or_404(
        Attachment.objects.filter(meeting__in=Meeting.objects.visible_to(request.user)), pk=pk
    )
    return serve_file(
        request,
        attachment.file,
        filename=attachment.name,
        inline=attachment.kind in ("pdf", "image"),
    )
