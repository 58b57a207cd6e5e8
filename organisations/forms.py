"""Input forms of the organisation tree and the member registry.

Plain forms: they validate input and nothing else. An edit view shows the stored values with
`initial=` (core.editing.edit_form) and hands `cleaned_data` to the service, which loads,
diffs, saves and audits; the form is never bound to the object being changed."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.forms import model_field

from .filters import MemberSearchSelect, OrganisationSearchSelect
from .models import Member, Organisation, Position

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(forms.Form):
    """Input of the member form. The service validates the ID number and saves."""

    name = model_field(Member, "name")
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=40,
        help_text=_("18 位，最后一位可为 X。"),
    )
    sex = model_field(Member, "sex")
    ethnicity = model_field(Member, "ethnicity")
    birth_date = model_field(Member, "birth_date", widget=DATE)
    education = model_field(Member, "education")
    joined_on = model_field(Member, "joined_on", widget=DATE)
    full_member_on = model_field(Member, "full_member_on", widget=DATE)
    category = model_field(Member, "category")
    organisation = model_field(
        Member, "organisation", widget=OrganisationSearchSelect(editable=True)
    )
    unit = model_field(Member, "unit")
    post = model_field(Member, "post")
    # Stored encrypted (Member.phone is not a column): the builder normalises and checks it.
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    status = model_field(Member, "status")

    # 民族 and 入党日期 may be missing from an imported record (资料不全), never from one typed
    # here: the form asks for them, except that editing a record that lacks them saves the
    # rest while they are still unknown (the record stays 资料不全 until they are filled in).
    REQUIRED_HERE = ("ethnicity", "joined_on")

    def __init__(
        self, *args, user, id_number_masked: str = "", missing: tuple[str, ...] = (), **kwargs
    ):
        """`id_number_masked`: the stored number, masked, when an existing member is edited;
        `missing`: the fields that member's record lacks (Member.missing_fields)."""
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED_HERE:
            self.fields[name].required = name not in missing
            if name in missing:
                self.fields[name].help_text = _("资料不全：请补充。")
        self.fields["organisation"].queryset = Organisation.objects.editable_by(user).order_by(
            "path"
        )
        if id_number_masked:
            # Editing: the stored number stays unless a new one is typed.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空则不变。") % {
                "masked": id_number_masked
            }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


class OrganisationForm(forms.Form):
    name = model_field(Organisation, "name")
    short_name = model_field(Organisation, "short_name")
    kind = model_field(Organisation, "kind")
    # Unique: the service's full_clean names a clash, and the view puts it on this field.
    code = model_field(Organisation, "code")
    founded_on = model_field(Organisation, "founded_on", widget=DATE)
    organ = model_field(Organisation, "organ")
    is_active = model_field(Organisation, "is_active")


class PositionForm(forms.Form):
    member = model_field(Position, "member")
    title = model_field(Position, "title")
    term_start = model_field(Position, "term_start", widget=DATE)
    term_end = model_field(
        Position,
        "term_end",
        widget=DATE,
        required=False,
        help_text=_("留空则按届期自动计算（党委 5 年，总支、支部 3 年）。"),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        # A remote search over the subtree (a province's may hold a hundred thousand members).
        field.widget = MemberSearchSelect(
            url=reverse("organisations:position_member_search", args=[organisation.pk])
        )
        field.widget.is_required = field.required
        # Set after the widget: the queryset gives the widget its choices.
        field.queryset = Member.objects.in_subtree(organisation).order_by("name_pinyin")


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("例如：办理组织关系转接，核对身份")}),
    )


class PositionEndForm(forms.Form):
    """离任: the date the person left the position (today unless said otherwise)."""

    ended_on = forms.DateField(label=_("离任日期"), widget=DATE, required=False)

    def clean_ended_on(self):
        from django.utils import timezone

        day = self.cleaned_data["ended_on"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("离任日期不能晚于今天。"))
        return day


class DissolveForm(forms.Form):
    """撤销: the day it takes effect and the decision it rests on (the reason in the audit)."""

    dissolved_on = forms.DateField(label=_("撤销日期"), widget=DATE)
    reason = forms.CharField(
        label=_("撤销依据"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("例如：上级党委批复文号")}),
    )
