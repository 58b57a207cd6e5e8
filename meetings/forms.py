"""Input forms of organisational life: plain forms that validate input; services save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import model_field
from organisations.models import Member, Organisation

from .models import (
    AttendanceStatus,
    Decision,
    DecisionKind,
    ExcuseReason,
    Frequency,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NotCountedReason,
)
from .services import MAX_STUDY_HOURS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_VOTES = 100000


def _no_nul(value: str, label) -> str:
    if "\x00" in (value or ""):
        raise forms.ValidationError(_("%(field)s含有无效字符。") % {"field": label})
    return value


class MeetingForm(forms.Form):
    kind = model_field(Meeting, "kind")
    status = forms.ChoiceField(
        label=_("状态"), choices=MeetingStatus.choices, initial=MeetingStatus.PLANNED
    )
    title = model_field(Meeting, "title")
    starts_at = model_field(
        Meeting, "starts_at", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ends_at = model_field(
        Meeting, "ends_at", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = model_field(Meeting, "place")
    host = forms.ModelChoiceField(label=_("主持人"), queryset=Member.objects.none(), required=False)
    recorder = forms.ModelChoiceField(
        label=_("记录人"), queryset=Member.objects.none(), required=False
    )
    joint_organisations = forms.ModelMultipleChoiceField(
        label=_("联合参会党组织"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("联合主题党日、联合党课等：会议记录一次，对每个参会党组织都计入。"),
    )
    topics = model_field(Meeting, "topics", widget=forms.Textarea(attrs={"rows": 3}))
    minutes = model_field(Meeting, "minutes", widget=forms.Textarea(attrs={"rows": 8}))
    study_topic = model_field(Meeting, "study_topic")
    study_material = model_field(
        Meeting, "study_material", widget=forms.Textarea(attrs={"rows": 3})
    )
    study_hours = forms.DecimalField(
        label=_("计入学时"),
        min_value=0,
        max_value=MAX_STUDY_HOURS,
        decimal_places=1,
        max_digits=4,
        initial=0,
        required=False,
        help_text=_("会议学习部分计入每位出席党员的学时。"),
    )

    def __init__(self, *args, user, organisation, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(
            organisation__in=Organisation.objects.filter(path__startswith=organisation.path)
        ).order_by("name_pinyin")
        self.fields["host"].queryset = members
        self.fields["recorder"].queryset = members
        self.fields["joint_organisations"].queryset = (
            Organisation.objects.editable_by(user).exclude(pk=organisation.pk).order_by("path")
        )
        if editing:
            self.fields["edit_reason"] = forms.CharField(
                label=_("修改原因"),
                max_length=300,
                required=False,
                help_text=_("会议召开 7 天后修改记录须填写原因，并记入审计日志。"),
            )

    def clean(self):
        data = super().clean()
        for name in ("title", "place", "topics", "minutes", "study_topic", "study_material"):
            if name in data:
                try:
                    _no_nul(data[name], self.fields[name].label)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        if data.get("study_hours") is None and "study_hours" in data:
            data["study_hours"] = 0
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["study_hours"] = data.get("study_hours") or 0
        return data


class OrganisationChoiceForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("主办党组织"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.editable_by(user).order_by(
            "path"
        )


class DecisionForm(forms.Form):
    title = model_field(Decision, "title")
    kind = forms.ChoiceField(label=_("事项类型"), choices=DecisionKind.choices)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0, max_value=MAX_VOTES)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0, max_value=MAX_VOTES)
    votes_abstain = forms.IntegerField(label=_("弃权票"), min_value=0, max_value=MAX_VOTES)

    def clean_title(self):
        return _no_nul(self.cleaned_data["title"], _("表决事项"))


ATTENDANCE_STATUSES = AttendanceStatus.values
EXCUSES = ExcuseReason.values
NOT_COUNTED = NotCountedReason.values


class RuleSetForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE)
    half_included = forms.BooleanField(
        label=_("半数含本数"),
        required=False,
        help_text=_("默认“半数以上”理解为超过半数；勾选后恰好半数也视为达到。"),
    )
    election_ratio = forms.DecimalField(
        label=_("选举到会比例"), min_value=0.5, max_value=0.99, decimal_places=2, initial=0.8
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in MeetingKind.choices:
            self.fields[f"frequency_{kind}"] = forms.ChoiceField(
                label=label,
                choices=[("", _("沿用上级规则")), *Frequency.choices],
                required=False,
            )

    def clean_name(self):
        return _no_nul(self.cleaned_data["name"], _("名称"))
