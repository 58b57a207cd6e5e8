"""Pages of the learning app: thin — parse input, call a selector or a service, render."""

from decimal import Decimal

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import network
from core.editing import edit_form, submit
from core.pdf import render_pdf
from core.permissions import party_data_required
from core.roles import Role
from core.uploads import serve_file
from organisations import policy
from organisations.models import Member, Organisation

from . import bank_import, exports, selectors, services, tasks
from .forms import (
    ATTENDANCE_CHOICES,
    BankForm,
    BankUploadForm,
    ClassForm,
    CourseCreateForm,
    CourseForm,
    ExternalTrainingForm,
    LessonForm,
    NominateForm,
    PlanAssignForm,
    PlanForm,
    PlanItemForm,
    QuestionForm,
    QuizForm,
    QuotaForm,
    ReasonForm,
    ReflectionForm,
    ReflectionReviewForm,
    ReviewForm,
    SessionForm,
    VerifyForm,
)
from .grading import option_letters
from .models import (
    ClassSession,
    CopyFlag,
    Course,
    LearningPlan,
    Lesson,
    LessonCompletion,
    Participant,
    Question,
    QuestionBank,
    Quiz,
    QuizAttempt,
    Reflection,
    ReflectionStatus,
    ReviewStatus,
    SessionAttendance,
    StudyRecord,
    TrainingClass,
)

PAGE_SIZE = 50


def _is_manager(user) -> bool:
    """Those who run an organisation: the committee admin and secretaries."""
    return user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY)


def _manager(request) -> None:
    """Pages for those who run an organisation: 404 for everyone else."""
    if not _is_manager(request.user):
        raise Http404


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _act(request, action, *, success: str, next_url: str):
    """Run a POSTed action: a service error becomes a message, never a 500."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, success)
    return redirect(next_url)


def _form_page(request, form, save, *, success: str, next_url, title: str, **extra):
    """The shape every create, add and edit view here shares: a valid POST runs `save` (a
    service call) through core.editing.submit and redirects to `next_url(saved)`; otherwise
    the form page (`learning/form.html`) with `title` and any `extra` (multipart, returned)."""
    done = submit(request, form, save, success=success, next_url=next_url)
    return done or render(request, "learning/form.html", {"form": form, "title": title, **extra})


# --- my study and hours -----------------------------------------------------------------------


@party_data_required
def my_study(request):
    """我的学习: this year's hours against the requirement, the plan (done / next / overdue),
    recommendations, recent entries and own quiz results. No ranking, no time counter."""
    year = _year(request)
    context: dict = {"year": year, "member": None}
    if request.user.member_id is not None:
        study = selectors.my_study(request.user, request.user.member_id, year)
        context.update(
            member=study.member,
            status=study.status,
            plan=study.plan,
            recommendations=study.recommendations,
            records=study.records,
            attempts=study.attempts,
        )
    return render(request, "learning/my_study.html", context)


@party_data_required
def hours_dashboard(request):
    """学时统计: an organisation's members done, on track and behind; the list of members."""
    _manager(request)
    year = _year(request)
    organisations = Organisation.objects.editable_by(request.user).order_by("path")
    organisation = None
    if request.GET.get("organisation", "").isdigit():
        organisation = organisations.filter(pk=request.GET["organisation"]).first()
    if organisation is None:
        organisation = organisations.first()
    if organisation is None:
        raise Http404
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUS_LABELS else ""
    # The hourly job's figures when it has run; otherwise counted now (a fresh install, tests).
    progress = selectors.stored_progress(
        request.user, organisation, year
    ) or selectors.organisation_year_progress(request.user, organisation, year)
    rows = selectors.organisation_member_rows(request.user, organisation, year, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for row in page:
        row.progress = selectors.progress_status(row.year_hours, row.requirement, year, today)
        row.progress_label = selectors.STATUS_LABELS[row.progress]
    query = request.GET.copy()
    query.pop("page", None)
    children = list(
        organisations.filter(path__startswith=organisation.path, depth=organisation.depth + 1)[:50]
    )
    return render(
        request,
        "learning/hours_dashboard.html",
        {
            "year": year,
            "organisation": organisation,
            "children": children,
            "progress": progress,
            "page": page,
            "status": status,
            "status_label": selectors.STATUS_LABELS.get(status, ""),
            "query": query.urlencode(),
        },
    )


@party_data_required
def member_hours(request, pk):
    """A member's ledger for a year, with the requirement and how it was decided."""
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("organisation"), pk=pk
    )
    year = _year(request)
    records = selectors.member_records(request.user, member, year)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/member_hours.html",
        {
            "member": member,
            "year": year,
            "status": selectors.member_year(member, year),
            "page": page,
            "query": f"year={year}",
            "editable": policy.can_edit(request.user, member.organisation),
            "reason_form": ReasonForm(),
        },
    )


@party_data_required
@require_POST
def record_reverse(request, pk):
    record = get_object_or_404(
        StudyRecord.objects.editable_by(request.user).select_related("member"), pk=pk
    )
    url = reverse("learning:member_hours", args=[record.member_id]) + f"?year={record.year}"
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写冲销原因。"))
        return redirect(url)

    def reverse_it():
        if (
            services.study_record_reverse(
                actor=request.user, record=record, reason=form.cleaned_data["reason"]
            )
            is None
        ):
            raise ValidationError(_("该来源的学时已冲销，无需再次冲销。"))

    return _act(request, reverse_it, success=_("已记入冲销记录。"), next_url=url)


@party_data_required
def external_create(request, pk):
    member = get_object_or_404(Member.objects.editable_by(request.user), pk=pk)
    form = ExternalTrainingForm(request.POST or None, request.FILES or None)
    return _form_page(
        request,
        form,
        lambda data: services.external_training_create(actor=request.user, member=member, **data),
        success=_("外部培训已登记，学时已记入。"),
        next_url=lambda entry: (
            reverse("learning:member_hours", args=[member.pk]) + f"?year={entry.on.year}"
        ),
        title=_("登记外部培训：%(name)s") % {"name": member.name},
        multipart=True,
    )


# --- courses and lessons ----------------------------------------------------------------------


@party_data_required
def course_list(request):
    courses = (
        Course.objects.available_to(request.user)
        .select_related("theme", "organisation")
        .annotate(lesson_count=Count("lessons", filter=Q(lessons__archived_at__isnull=True)))
        .order_by("theme__order", "title", "pk")
    )
    is_manager = request.user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY)
    if not is_manager:
        courses = courses.filter(status=ReviewStatus.PUBLISHED)
    theme = request.GET.get("theme", "")
    if theme.isdigit():
        courses = courses.filter(theme_id=theme)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    from .models import Theme

    return render(
        request,
        "learning/course_list.html",
        {
            "page": page,
            "themes": Theme.objects.all(),
            "theme": theme,
            "is_manager": is_manager,
            "query": f"theme={theme}",
        },
    )


@party_data_required
def course_create(request):
    _manager(request)
    form = CourseCreateForm(request.POST or None, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.course_create(actor=request.user, **data),
        success=_("课程已创建，请添加课时。"),
        next_url=lambda course: reverse("learning:course_detail", args=[course.pk]),
        title=_("新建课程"),
    )


@party_data_required
def course_detail(request, pk):
    course = get_object_or_404(
        Course.objects.available_to(request.user).select_related("theme", "organisation", "author"),
        pk=pk,
    )
    editable = policy.can_edit(request.user, course.organisation)
    if (
        course.status != ReviewStatus.PUBLISHED
        and not editable
        and not services.may_review(request.user, course.organisation, course.author_id)
    ):
        raise Http404
    context = _course_context(request, course, editable)
    return render(request, "learning/course_detail.html", context)


def _course_context(request, course: Course, editable: bool) -> dict:
    """What the course page (and its lesson list, the HTMX partial) shows."""
    lessons = list(course.lessons.current().select_related("quiz"))
    done = set()
    if request.user.member is not None:
        done = set(
            LessonCompletion.objects.filter(
                member=request.user.member, lesson__course=course
            ).values_list("lesson_id", flat=True)
        )
    return {
        "course": course,
        "lessons": lessons,
        "archived": list(course.lessons.filter(archived_at__isnull=False)) if editable else [],
        "done": done,
        "editable": editable,
        "lessons_editable": editable
        and course.status not in (ReviewStatus.PUBLISHED, ReviewStatus.IN_REVIEW),
        "can_review": course.status == ReviewStatus.IN_REVIEW
        and services.may_review(request.user, course.organisation, course.author_id),
        "review_form": ReviewForm(),
    }


@party_data_required
def course_update(request, pk):
    course = get_object_or_404(Course.objects.editable_by(request.user), pk=pk)
    form = edit_form(CourseForm, request, course)
    return _form_page(
        request,
        form,
        lambda data: services.course_update(actor=request.user, course=course, **data),
        success=_("已保存。"),
        next_url=lambda c: reverse("learning:course_detail", args=[c.pk]),
        title=_("编辑课程"),
    )


@party_data_required
@require_POST
def course_submit(request, pk):
    course = get_object_or_404(Course.objects.editable_by(request.user), pk=pk)
    return _act(
        request,
        lambda: services.course_submit(actor=request.user, course=course),
        success=_("已提交审核。"),
        next_url=reverse("learning:course_detail", args=[pk]),
    )


@party_data_required
@require_POST
def course_review(request, pk):
    course = get_object_or_404(Course.objects.editable_by(request.user), pk=pk)
    form = ReviewForm(request.POST)
    url = reverse("learning:course_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, _("请选择审核结果。"))
        return redirect(url)
    return _act(
        request,
        lambda: services.course_review(
            actor=request.user,
            course=course,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        ),
        success=_("审核结果已保存。"),
        next_url=url,
    )


@party_data_required
@require_POST
def course_withdraw(request, pk):
    course = get_object_or_404(Course.objects.editable_by(request.user), pk=pk)
    return _act(
        request,
        lambda: services.course_withdraw(actor=request.user, course=course),
        success=_("课程已撤回。"),
        next_url=reverse("learning:course_detail", args=[pk]),
    )


@party_data_required
def lesson_create(request, pk):
    course = get_object_or_404(Course.objects.editable_by(request.user), pk=pk)
    form = LessonForm(request.POST or None, request.FILES or None, user=request.user, course=course)
    return _form_page(
        request,
        form,
        lambda data: services.lesson_create(actor=request.user, course=course, **data),
        success=_("课时已添加。"),
        next_url=lambda lesson: reverse("learning:course_detail", args=[course.pk]),
        title=_("添加课时：%(course)s") % {"course": course.title},
        multipart=True,
    )


@party_data_required
def lesson_update(request, pk):
    lesson = get_object_or_404(
        Lesson.objects.editable_by(request.user).current().select_related("course"), pk=pk
    )
    course = lesson.course
    form = edit_form(
        LessonForm, request, lesson, user=request.user, course=course, has_file=bool(lesson.file)
    )
    if request.method == "POST":
        form.files = request.FILES
    return _form_page(
        request,
        form,
        lambda data: services.lesson_update(actor=request.user, lesson=lesson, **data),
        success=_("已保存。"),
        next_url=lambda saved: reverse("learning:course_detail", args=[course.pk]),
        title=_("编辑课时：%(lesson)s") % {"lesson": lesson.title},
        multipart=True,
    )


def _readable_lesson(request, pk) -> Lesson:
    lesson = get_object_or_404(
        Lesson.objects.filter(course__in=Course.objects.available_to(request.user)).select_related(
            "course__theme", "quiz"
        ),
        pk=pk,
    )
    if (
        lesson.course.status != ReviewStatus.PUBLISHED
        and not policy.can_edit(request.user, lesson.course.organisation)
        and not services.may_review(
            request.user, lesson.course.organisation, lesson.course.author_id
        )
    ):
        raise Http404
    return lesson


@party_data_required
def lesson_detail(request, pk):
    lesson = _readable_lesson(request, pk)
    member = request.user.member
    completion = None
    passed = False
    if member is not None:
        completion = LessonCompletion.objects.filter(member=member, lesson=lesson).first()
        if lesson.quiz_id:
            passed = QuizAttempt.objects.filter(
                member=member, quiz_id=lesson.quiz_id, passed=True
            ).exists()
    siblings = list(lesson.course.lessons.current().values_list("pk", flat=True))
    index = siblings.index(lesson.pk) if lesson.pk in siblings else -1
    return render(
        request,
        "learning/lesson_detail.html",
        {
            "lesson": lesson,
            "completion": completion,
            "quiz_passed": passed,
            "member": member,
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        },
    )


@party_data_required
def lesson_file(request, pk):
    lesson = _readable_lesson(request, pk)
    if not lesson.file:
        raise Http404
    return serve_file(request, lesson.file, filename=lesson.file_name or "lesson", inline=True)


@party_data_required
@require_POST
def lesson_complete(request, pk):
    lesson = _readable_lesson(request, pk)
    return _act(
        request,
        lambda: services.lesson_complete(actor=request.user, lesson=lesson),
        success=_("已学完本课时，学时已记入。"),
        next_url=reverse("learning:lesson_detail", args=[pk]),
    )


# --- plans ------------------------------------------------------------------------------------


def _editable_lesson(request, pk) -> Lesson:
    return get_object_or_404(
        Lesson.objects.editable_by(request.user).select_related(
            "course__theme", "course__organisation", "course__author"
        ),
        pk=pk,
    )


def _lessons_changed(request, course: Course):
    """After a move or a removal: the HTMX request gets the lesson list back (its messages
    inside it), a plain POST goes back to the course page."""
    if request.htmx:
        context = _course_context(request, course, editable=True)
        return render(request, "learning/course_detail.html#lesson-list", context)
    return redirect("learning:course_detail", pk=course.pk)


@party_data_required
@require_POST
def lesson_move(request, pk):
    """Move a lesson up or down (direction=up|down), by a button or an HTMX post."""
    lesson = _editable_lesson(request, pk)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("方向：只能是上移或下移。"))
    try:
        services.lesson_move(actor=request.user, lesson=lesson, up=direction == "up")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    return _lessons_changed(request, lesson.course)


@party_data_required
@require_POST
def lesson_remove(request, pk):
    """Delete a lesson nobody has finished; archive one that members have finished."""
    lesson = _editable_lesson(request, pk)
    try:
        removed = services.lesson_remove(actor=request.user, lesson=lesson)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request,
            _("已有党员学完该课时，已归档：不再显示和计入课程，已记入的学时不变。")
            if removed.archived
            else _("课时已删除。"),
        )
    return _lessons_changed(request, lesson.course)


@party_data_required
def plan_list(request):
    plans = (
        LearningPlan.objects.available_to(request.user)
        .select_related("organisation")
        .annotate(item_count=Count("items"))
    )
    is_manager = request.user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY)
    if not is_manager:
        plans = plans.filter(status=ReviewStatus.PUBLISHED)
    page = Paginator(plans.order_by("-year", "title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "learning/plan_list.html", {"page": page, "is_manager": is_manager, "query": ""}
    )


@party_data_required
def plan_create(request):
    _manager(request)
    form = PlanForm(
        request.POST or None, user=request.user, initial={"year": timezone.localdate().year}
    )
    return _form_page(
        request,
        form,
        lambda data: services.plan_create(actor=request.user, **data),
        success=_("学习计划已创建，请添加课程和学习对象。"),
        next_url=lambda plan: reverse("learning:plan_detail", args=[plan.pk]),
        title=_("新建学习计划"),
    )


@party_data_required
def plan_detail(request, pk):
    """A plan: its courses and whom it reaches; for a secretary, their members' progress."""
    plan = get_object_or_404(
        LearningPlan.objects.available_to(request.user).select_related("organisation"), pk=pk
    )
    editable = policy.can_edit(request.user, plan.organisation)
    if plan.status != ReviewStatus.PUBLISHED and not editable:
        raise Http404
    items = list(plan.items.select_related("course__theme"))
    context = {
        "plan": plan,
        "items": items,
        "assignments": list(plan.assignments.select_related("organisation", "member")),
        "editable": editable,
    }
    if request.user.role in (Role.COMMITTEE_ADMIN, Role.SECRETARY):
        page = Paginator(selectors.plan_members(request.user, plan), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        done = selectors.plan_completion(plan, list(page))
        for member in page:
            member.courses_done = done.get(member.pk, 0)
        context.update(page=page, query="", item_count=len(items))
    if request.user.member is not None:
        context["my_rows"] = [
            row
            for row in selectors.member_plan(request.user.member, plan.year)
            if row.item.plan_id == plan.pk
        ]
    return render(request, "learning/plan_detail.html", context)


@party_data_required
def plan_item_add(request, pk):
    plan = get_object_or_404(LearningPlan.objects.editable_by(request.user), pk=pk)
    form = PlanItemForm(request.POST or None, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.plan_item_add(actor=request.user, plan=plan, **data),
        success=_("课程已加入计划。"),
        next_url=lambda item: reverse("learning:plan_detail", args=[plan.pk]),
        title=_("加入课程：%(plan)s") % {"plan": plan},
    )


@party_data_required
def plan_assign(request, pk):
    plan = get_object_or_404(
        LearningPlan.objects.editable_by(request.user).select_related("organisation"), pk=pk
    )
    form = PlanAssignForm(request.POST or None, user=request.user, plan=plan)
    return _form_page(
        request,
        form,
        lambda data: services.plan_assign(actor=request.user, plan=plan, **data),
        success=_("学习对象已添加。"),
        next_url=lambda a: reverse("learning:plan_detail", args=[plan.pk]),
        title=_("布置学习对象：%(plan)s") % {"plan": plan},
    )


@party_data_required
@require_POST
def plan_publish(request, pk):
    plan = get_object_or_404(LearningPlan.objects.editable_by(request.user), pk=pk)
    return _act(
        request,
        lambda: services.plan_publish(actor=request.user, plan=plan),
        success=_("学习计划已发布。"),
        next_url=reverse("learning:plan_detail", args=[pk]),
    )


# --- question banks ---------------------------------------------------------------------------


@party_data_required
def bank_list(request):
    _manager(request)
    banks = (
        QuestionBank.objects.visible_to(request.user)
        .select_related("theme", "organisation")
        .annotate(question_count=Count("questions"))
        .order_by("theme__order", "title", "pk")
    )
    page = Paginator(banks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learning/bank_list.html", {"page": page, "query": ""})


@party_data_required
def bank_create(request):
    _manager(request)
    form = BankForm(request.POST or None, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.bank_create(actor=request.user, **data),
        success=_("题库已创建。"),
        next_url=lambda bank: reverse("learning:bank_detail", args=[bank.pk]),
        title=_("新建题库"),
    )


@party_data_required
def bank_detail(request, pk):
    bank = get_object_or_404(
        QuestionBank.objects.visible_to(request.user).select_related("theme", "organisation"), pk=pk
    )
    page = Paginator(bank.questions.order_by("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for question in page:
        question.lettered = option_letters(question.options)
    return render(
        request,
        "learning/bank_detail.html",
        {
            "bank": bank,
            "page": page,
            "query": "",
            "editable": policy.can_edit(request.user, bank.organisation),
        },
    )


@party_data_required
def question_create(request, pk):
    bank = get_object_or_404(QuestionBank.objects.editable_by(request.user), pk=pk)
    form = QuestionForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.question_create(actor=request.user, bank=bank, **data),
        success=_("试题已添加。"),
        next_url=lambda q: reverse("learning:bank_detail", args=[bank.pk]),
        title=_("添加试题：%(bank)s") % {"bank": bank},
    )


def _import_key(bank_pk: int) -> str:
    return f"learning-bank-import-{bank_pk}"


@party_data_required
def bank_import_view(request, pk):
    """Upload a bank file: a preview with every row error (row and column), then confirm."""
    bank = get_object_or_404(QuestionBank.objects.editable_by(request.user), pk=pk)
    form = BankUploadForm(request.POST or None, request.FILES or None)
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            preview = bank_import.parse(bank_import.read_sheet(form.cleaned_data["file"]))
        except bank_import.BankFileError as error:
            form.add_error("file", error.message)
            status = 400
        else:
            if preview.ok:
                request.session[_import_key(bank.pk)] = preview.rows
            else:
                request.session.pop(_import_key(bank.pk), None)
                status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "learning/bank_import.html",
        {
            "bank": bank,
            "form": form,
            "preview": preview,
            "rows": list(zip(preview.row_numbers, preview.rows, strict=True)) if preview else [],
        },
        status=status,
    )


@party_data_required
@require_POST
def bank_import_apply(request, pk):
    bank = get_object_or_404(QuestionBank.objects.editable_by(request.user), pk=pk)
    rows = request.session.pop(_import_key(bank.pk), None)
    url = reverse("learning:bank_detail", args=[bank.pk])
    if not rows:
        messages.error(request, _("没有待导入的预览，请重新上传文件。"))
        return redirect(reverse("learning:bank_import", args=[bank.pk]))
    count = 0

    def apply():
        nonlocal count
        count = services.bank_import(actor=request.user, bank=bank, rows=rows)

    response = _act(request, apply, success=_("试题已导入。"), next_url=url)
    return response


@party_data_required
def bank_template(request):
    _manager(request)
    return exports.bank_template()


# --- quizzes ----------------------------------------------------------------------------------


@party_data_required
def quiz_list(request):
    quizzes = (
        Quiz.objects.available_to(request.user)
        .select_related("theme", "organisation")
        .filter(status=ReviewStatus.PUBLISHED)
    )
    page = Paginator(quizzes.order_by("-created_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    mine = {}
    if request.user.member is not None:
        for attempt in QuizAttempt.objects.filter(
            member=request.user.member, quiz__in=list(page), submitted_at__isnull=False
        ).order_by("started_at"):
            mine[attempt.quiz_id] = attempt
    for quiz in page:
        quiz.my_last = mine.get(quiz.pk)
    return render(
        request,
        "learning/quiz_list.html",
        {
            "page": page,
            "query": "",
            "is_manager": _is_manager(request.user),
        },
    )


@party_data_required
def quiz_create(request):
    _manager(request)
    form = QuizForm(request.POST or None, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.quiz_create(actor=request.user, **data),
        success=_("测验已发布。"),
        next_url=lambda quiz: reverse("learning:quiz_detail", args=[quiz.pk]),
        title=_("新建测验"),
    )


@party_data_required
def quiz_detail(request, pk):
    quiz = get_object_or_404(
        Quiz.objects.available_to(request.user).select_related("theme", "organisation"), pk=pk
    )
    attempts = []
    if request.user.member is not None:
        attempts = list(QuizAttempt.objects.filter(quiz=quiz, member=request.user.member))
    left = None if quiz.attempt_limit is None else max(0, quiz.attempt_limit - len(attempts))
    return render(
        request,
        "learning/quiz_detail.html",
        {"quiz": quiz, "attempts": attempts, "left": left, "member": request.user.member},
    )


@party_data_required
@require_POST
def attempt_start(request, pk):
    quiz = get_object_or_404(Quiz.objects.available_to(request.user), pk=pk)
    try:
        attempt = services.attempt_start(actor=request.user, quiz=quiz)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("learning:quiz_detail", args=[pk]))
    except PermissionDenied:
        raise Http404 from None
    return redirect(reverse("learning:attempt_take", args=[attempt.pk]))


def _own_attempt(request, pk) -> QuizAttempt:
    member = request.user.member
    if member is None:
        raise Http404
    return get_object_or_404(
        QuizAttempt.objects.filter(member=member).select_related("quiz"), pk=pk
    )


@party_data_required
def attempt_take(request, pk):
    attempt = _own_attempt(request, pk)
    if attempt.submitted_at is not None:
        return redirect(reverse("learning:attempt_review", args=[pk]))
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    ordered = [questions[i] for i in attempt.question_ids if i in questions]
    if request.method == "POST":
        answers = {}
        for question in ordered:
            key = f"q{question.pk}"
            if question.kind == "multiple":
                answers[str(question.pk)] = "".join(request.POST.getlist(key))[:20]
            else:
                answers[str(question.pk)] = request.POST.get(key, "")[:200]
        try:
            services.attempt_submit(actor=request.user, attempt=attempt, answers=answers)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(reverse("learning:attempt_review", args=[pk]))
    for question in ordered:
        question.lettered = option_letters(question.options)
    remaining = None
    if attempt.deadline:
        remaining = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    return render(
        request,
        "learning/attempt_take.html",
        {"attempt": attempt, "questions": ordered, "remaining": remaining},
    )


@party_data_required
def attempt_review(request, pk):
    """The member's own result, with the wrong answers and their explanations."""
    attempt = _own_attempt(request, pk)
    if attempt.submitted_at is None:
        return redirect(reverse("learning:attempt_take", args=[pk]))
    from .grading import is_correct

    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    wrong = []
    for qid in attempt.question_ids:
        question = questions.get(qid)
        if question is None:
            continue
        given = attempt.answers.get(str(qid), "")
        if attempt.late or not is_correct(question.kind, question.answer, given):
            question.lettered = option_letters(question.options)
            question.given = given
            wrong.append(question)
    return render(request, "learning/attempt_review.html", {"attempt": attempt, "wrong": wrong})


# --- training classes -------------------------------------------------------------------------


@party_data_required
def class_list(request):
    classes = (
        selectors.classes_visible_to(request.user)
        .select_related("organisation")
        .annotate(participant_count=Count("participants", distinct=True))
        .order_by("-starts_on", "pk")
    )
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/class_list.html",
        {
            "page": page,
            "query": "",
            "is_manager": _is_manager(request.user),
        },
    )


@party_data_required
def class_create(request):
    _manager(request)
    form = ClassForm(request.POST or None, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.class_create(actor=request.user, **data),
        success=_("培训班已创建。"),
        next_url=lambda c: reverse("learning:class_detail", args=[c.pk]),
        title=_("新建培训班"),
    )


def _class_for(request, pk, *, run: bool = False) -> TrainingClass:
    training_class = get_object_or_404(
        selectors.classes_visible_to(request.user).select_related("organisation"), pk=pk
    )
    if run and not selectors.runs_class(request.user, training_class):
        raise Http404
    return training_class


@party_data_required
def class_detail(request, pk):
    """A class: its sessions; for those who run it, quotas, every trainee with attendance,
    reflections (and their copy flags) and certificates; for a secretary whose members take
    part, those members' rows (selectors.participants_visible_to) and the nomination form;
    for a trainee, their own reflection and certificate."""
    training_class = _class_for(request, pk)
    runs = selectors.runs_class(request.user, training_class)
    context = {"cls": training_class, "runs": runs, "sessions": list(training_class.sessions.all())}
    trainees = training_class.participants.select_related(
        "member__organisation", "quota__organisation"
    ).prefetch_related(
        Prefetch("reflections", queryset=Reflection.objects.annotate(flag_count=Count("flags")))
    )
    if not runs:
        trainees = trainees.filter(pk__in=selectors.participants_visible_to(request.user))
    participants = list(trainees)
    present: dict[int, int] = {}
    for row in SessionAttendance.objects.filter(
        participant__in=[p.pk for p in participants], status="present"
    ).values("participant_id"):
        present[row["participant_id"]] = present.get(row["participant_id"], 0) + 1
    for p in participants:
        p.present = present.get(p.pk, 0)
    member = request.user.member
    mine = next((p for p in participants if member is not None and p.member_id == member.pk), None)
    context.update(mine=mine, my_reflection=mine and next(iter(mine.reflections.all()), None))
    if runs:
        context.update(
            participants=participants,
            quotas=list(
                training_class.quotas.select_related("organisation").annotate(
                    used=Count("participants")
                )
            ),
            quota_form=QuotaForm(user=request.user),
            session_form=SessionForm(),
        )
    elif _is_manager(request.user):
        context["participants"] = participants
    if _is_manager(request.user):
        context["nominate_form"] = NominateForm(user=request.user)
    return render(request, "learning/class_detail.html", context)


@party_data_required
@require_POST
def quota_set(request, pk):
    training_class = _class_for(request, pk, run=True)
    form = QuotaForm(request.POST, user=request.user)
    url = reverse("learning:class_detail", args=[pk])
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}：{errors[0]}"
            )
        return redirect(url)
    return _act(
        request,
        lambda: services.quota_set(
            actor=request.user, training_class=training_class, **form.cleaned_data
        ),
        success=_("名额已保存。"),
        next_url=url,
    )


@party_data_required
@require_POST
def nominate(request, pk):
    training_class = _class_for(request, pk)
    _manager(request)
    form = NominateForm(request.POST, user=request.user)
    url = reverse("learning:class_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, _("党员：请选择一名党员。"))
        return redirect(url)
    return _act(
        request,
        lambda: services.participant_nominate(
            actor=request.user, training_class=training_class, **form.cleaned_data
        ),
        success=_("已推荐学员。"),
        next_url=url,
    )


@party_data_required
@require_POST
def session_create(request, pk):
    training_class = _class_for(request, pk, run=True)
    form = SessionForm(request.POST)
    url = reverse("learning:class_detail", args=[pk])
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}：{errors[0]}"
            )
        return redirect(url)
    return _act(
        request,
        lambda: services.session_create(
            actor=request.user, training_class=training_class, **form.cleaned_data
        ),
        success=_("课次已添加。"),
        next_url=url,
    )


@party_data_required
def session_attendance(request, pk):
    session = get_object_or_404(
        ClassSession.objects.select_related("training_class__organisation"),
        pk=pk,
        training_class__in=selectors.classes_visible_to(request.user),
    )
    if not selectors.runs_class(request.user, session.training_class):
        raise Http404
    participants = list(session.training_class.participants.select_related("member__organisation"))
    current = dict(
        SessionAttendance.objects.filter(session=session).values_list("participant_id", "status")
    )
    if request.method == "POST":
        statuses = {}
        for p in participants:
            value = request.POST.get(f"p{p.pk}", "")
            if value:
                statuses[p.pk] = value
        url = reverse("learning:session_attendance", args=[pk])
        return _act(
            request,
            lambda: services.attendance_record(
                actor=request.user, session=session, statuses=statuses
            ),
            success=_("出勤已保存，出席学员的学时已记入。"),
            next_url=url,
        )
    for p in participants:
        p.current = current.get(p.pk, "")
    return render(
        request,
        "learning/session_attendance.html",
        {"session": session, "participants": participants, "choices": ATTENDANCE_CHOICES},
    )


@party_data_required
def reflection_submit(request, pk):
    member = request.user.member
    if member is None:
        raise Http404
    participant = get_object_or_404(
        Participant.objects.select_related("training_class"), training_class_id=pk, member=member
    )
    returned = participant.reflections.filter(status=ReflectionStatus.RETURNED).first()
    initial = {"title": returned.title, "body": returned.body} if returned else None
    form = ReflectionForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        lambda data: tasks.submit_reflection(actor=request.user, participant=participant, **data),
        success=_("心得体会已提交。"),
        next_url=lambda r: reverse("learning:reflection_detail", args=[r.pk]),
        title=_("提交心得体会：%(cls)s") % {"cls": participant.training_class.title},
        returned=returned,
    )


@party_data_required
def reflection_detail(request, pk):
    reflection = get_object_or_404(
        selectors.reflections_visible_to(request.user).select_related(
            "participant__member__organisation", "participant__training_class__organisation"
        ),
        pk=pk,
    )
    runs = selectors.runs_class(request.user, reflection.participant.training_class)
    flags = []
    if runs:
        flags = list(
            CopyFlag.objects.filter(reflection=reflection).select_related(
                "other_reflection__participant__member", "other_lesson__course"
            )
        )
        # The other essay may sit in a class this reader does not run: its passage is shown
        # side by side, its page linked only where the same rule lets them open it.
        openable = set(
            selectors.reflections_visible_to(request.user)
            .filter(pk__in=[f.other_reflection_id for f in flags if f.other_reflection_id])
            .values_list("pk", flat=True)
        )
        for f in flags:
            f.openable = f.other_reflection_id in openable
    return render(
        request,
        "learning/reflection_detail.html",
        {
            "reflection": reflection,
            "runs": runs,
            "flags": flags,
            "review_form": ReflectionReviewForm(),
        },
    )


@party_data_required
@require_POST
def reflection_review(request, pk):
    reflection = get_object_or_404(
        selectors.reflections_visible_to(request.user).select_related(
            "participant__training_class__organisation"
        ),
        pk=pk,
    )
    if not selectors.runs_class(request.user, reflection.participant.training_class):
        raise Http404
    form = ReflectionReviewForm(request.POST)
    url = reverse("learning:reflection_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, _("请选择审阅结果。"))
        return redirect(url)
    return _act(
        request,
        lambda: services.reflection_review(
            actor=request.user,
            reflection=reflection,
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["comment"],
        ),
        success=_("审阅意见已保存。"),
        next_url=url,
    )


@party_data_required
def class_report(request, pk):
    training_class = _class_for(request, pk, run=True)
    return exports.class_report(request, training_class)


@party_data_required
@require_POST
def certificate_issue(request, pk):
    participant = get_object_or_404(
        selectors.participants_visible_to(request.user).select_related(
            "training_class__organisation"
        ),
        pk=pk,
    )
    if not selectors.runs_class(request.user, participant.training_class):
        raise Http404
    return _act(
        request,
        lambda: services.certificate_issue(actor=request.user, participant=participant),
        success=_("证书已颁发。"),
        next_url=reverse("learning:class_detail", args=[participant.training_class_id]),
    )


@party_data_required
def certificate_pdf(request, pk):
    participant = get_object_or_404(
        selectors.participants_visible_to(request.user)
        .select_related("member", "training_class__organisation")
        .exclude(certificate_code=""),
        pk=pk,
    )
    hours = sum(
        (
            a.session.hours
            for a in SessionAttendance.objects.filter(
                participant=participant, status="present"
            ).select_related("session")
        ),
        Decimal(0),
    )
    return render_pdf(
        request,
        "learning/certificate_pdf.html",
        {
            "p": participant,
            "hours": hours,
            "verify_url": request.build_absolute_uri(reverse("learning:certificate_verify")),
        },
        filename=f"结业证书-{participant.member.name}.pdf",
    )


VERIFY_LIMIT_PER_HOUR = 30


def certificate_verify(request):
    """Public: is this certificate code genuine? Says the class, the dates and a masked name,
    nothing else. Rate-limited by address."""
    form = VerifyForm(request.GET or None)
    result = None
    status = 200
    if form.is_bound and form.is_valid():
        key = f"learning-verify:{network.client_ip(request)}"
        if cache.get(key, 0) >= VERIFY_LIMIT_PER_HOUR:
            form.add_error("code", _("查询过于频繁，请一小时后再试。"))
            status = 429
        else:
            if not cache.add(key, 1, timeout=3600):
                cache.incr(key)
            code = form.cleaned_data["code"].strip().upper()
            participant = (
                Participant.objects.filter(certificate_code=code)
                .exclude(certificate_code="")
                .select_related("member", "training_class")
                .first()
            )
            result = "invalid"
            if participant is not None:
                name = participant.member.name
                result = {
                    "class": participant.training_class.title,
                    "starts_on": participant.training_class.starts_on,
                    "ends_on": participant.training_class.ends_on,
                    "name": name[:1] + "*" * (len(name) - 1),
                }
    elif form.is_bound:
        status = 400
    return render(
        request, "learning/certificate_verify.html", {"form": form, "result": result}, status=status
    )
