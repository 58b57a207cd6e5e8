"""Input forms of the learning app: they validate input; services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import RichTextField, model_field
from organisations.models import Member, MemberStatus, Organisation

from .models import (
    AttendanceStatus,
    Audience,
    ClassSession,
    Course,
    ExternalTraining,
    LearningPlan,
    Lesson,
    Question,
    QuestionBank,
    Quiz,
    ReviewStatus,
    Theme,
    TrainingClass,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _editable_organisations(user):
    return Organisation.objects.editable_by(user).order_by("path")


class CourseForm(forms.Form):
    title = model_field(Course, "title")
    theme = forms.ModelChoiceField(label=_("专题"), queryset=Theme.objects.all())
    summary = model_field(Course, "summary")


class CourseCreateForm(CourseForm):
    organisation = forms.ModelChoiceField(
        label=_("发布范围（党组织及下级）"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _editable_organisations(user)


class LessonForm(forms.Form):
    title = model_field(Lesson, "title")
    body = RichTextField(label=_("正文"), required=False, max_length=100_000)
    file = forms.FileField(
        label=_("附件（PDF、视频、音频）"),
        required=False,
        help_text=_("MP4/WEBM 视频、MP3/M4A 音频或 PDF，500 MB 以内。"),
    )
    link_url = model_field(Lesson, "link_url", assume_scheme="https")
    hours = forms.DecimalField(
        label=_("学时"), min_value=0, max_value=20, max_digits=4, decimal_places=1
    )
    quiz = forms.ModelChoiceField(label=_("课后测验"), queryset=Quiz.objects.none(), required=False)

    def __init__(self, *args, user, course, has_file=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_file = has_file  # editing a lesson that already has its file
        self.fields["quiz"].queryset = Quiz.objects.available_to(user).filter(theme=course.theme)

    def clean(self):
        data = super().clean()
        if not (data.get("body") or data.get("file") or self.has_file or data.get("link_url")):
            raise forms.ValidationError(_("请填写正文、上传附件或给出内网资源链接（至少一项）。"))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过并发布")), ("return", _("退回修改"))]
    )
    comment = forms.CharField(
        label=_("审核意见"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=200)


class PlanForm(forms.Form):
    title = model_field(LearningPlan, "title")
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    organisation = forms.ModelChoiceField(label=_("制定单位"), queryset=Organisation.objects.none())
    description = model_field(LearningPlan, "description")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _editable_organisations(user)


class PlanItemForm(forms.Form):
    course = forms.ModelChoiceField(label=_("课程"), queryset=Course.objects.none())
    due_on = forms.DateField(label=_("完成期限"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.available_to(user).filter(
            status=ReviewStatus.PUBLISHED
        )


class PlanAssignForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("党组织（含下级）"), queryset=Organisation.objects.none()
    )
    audience = forms.ChoiceField(label=_("对象"), choices=Audience.choices)
    member = forms.ModelChoiceField(
        label=_("党员（指定党员时填写）"), queryset=Member.objects.none(), required=False
    )

    def __init__(self, *args, user, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _editable_organisations(user).filter(
            path__startswith=plan.organisation.path
        )
        self.fields["member"].queryset = Member.objects.editable_by(user).filter(
            status=MemberStatus.ACTIVE
        )


class BankForm(forms.Form):
    title = model_field(QuestionBank, "title")
    theme = forms.ModelChoiceField(label=_("专题"), queryset=Theme.objects.all())
    organisation = forms.ModelChoiceField(
        label=_("所属党组织"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _editable_organisations(user)


class QuestionForm(forms.Form):
    kind = model_field(Question, "kind")
    text = forms.CharField(
        label=_("题干"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    options = forms.CharField(
        label=_("选项"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("选择题每行一个选项，依次为 A、B、C……"),
    )
    answer = forms.CharField(
        label=_("答案"),
        max_length=500,
        help_text=_("选择题填字母（如 AC）；判断题填“对”或“错”；填空题多个可接受答案用 | 分隔。"),
    )
    explanation = forms.CharField(
        label=_("解析"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    difficulty = model_field(Question, "difficulty")

    def clean_options(self):
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class BankUploadForm(forms.Form):
    file = forms.FileField(label=_("题库文件（.xlsx、.xls、.ods）"))


class QuizForm(forms.Form):
    title = model_field(Quiz, "title")
    organisation = forms.ModelChoiceField(
        label=_("发布范围（党组织及下级）"), queryset=Organisation.objects.none()
    )
    theme = forms.ModelChoiceField(label=_("专题"), queryset=Theme.objects.all())
    difficulty = model_field(Quiz, "difficulty")
    question_count = forms.IntegerField(label=_("题目数量"), min_value=1, max_value=100, initial=10)
    time_limit_minutes = forms.IntegerField(
        label=_("限时（分钟）"), min_value=1, max_value=300, required=False
    )
    pass_mark = forms.IntegerField(
        label=_("及格分（百分制）"), min_value=0, max_value=100, initial=60
    )
    attempt_limit = forms.IntegerField(
        label=_("可作答次数"), min_value=1, max_value=100, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _editable_organisations(user)


class ClassForm(forms.Form):
    title = model_field(TrainingClass, "title")
    organisation = forms.ModelChoiceField(
        label=_("主办党组织"), queryset=Organisation.objects.none()
    )
    description = model_field(TrainingClass, "description")
    starts_on = forms.DateField(label=_("开班日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结业日期"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _editable_organisations(user)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结业日期不能早于开班日期。"))
        return data


class QuotaForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("党组织"), queryset=Organisation.objects.none())
    seats = forms.IntegerField(label=_("名额"), min_value=1, max_value=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.visible_to(user).order_by(
            "path"
        )


class NominateForm(forms.Form):
    member = forms.ModelChoiceField(label=_("党员"), queryset=Member.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.editable_by(user).filter(
            status=MemberStatus.ACTIVE
        )


class SessionForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DATE)
    hours = forms.DecimalField(
        label=_("学时"), min_value=0.5, max_value=12, max_digits=4, decimal_places=1
    )
    topic = model_field(ClassSession, "topic")
    lecturer = model_field(ClassSession, "lecturer")
    place = model_field(ClassSession, "place")


ATTENDANCE_CHOICES = [("", "—"), *AttendanceStatus.choices]


class ReflectionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(
        label=_("正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 14})
    )


class ReflectionReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审阅结果"), choices=[("accept", _("通过")), ("return", _("退回修改"))]
    )
    comment = forms.CharField(
        label=_("审阅意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExternalTrainingForm(forms.Form):
    title = model_field(ExternalTraining, "title")
    provider = model_field(ExternalTraining, "provider")
    on = forms.DateField(label=_("结业日期"), widget=DATE)
    hours = forms.DecimalField(
        label=_("学时"), min_value=0.5, max_value=100, max_digits=5, decimal_places=1
    )
    evidence = model_field(
        ExternalTraining, "evidence", help_text=_("如：结业证书编号、培训通知文号")
    )
    evidence_file = forms.FileField(label=_("证明文件（可选）"), required=False)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("证书验证码"), max_length=20)
