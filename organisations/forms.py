from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Member, Organisation, Position

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(forms.ModelForm):
    """Input of the member form. The service validates the ID and saves."""

    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=40,
        help_text=_("18 位，最后一位可为 X。"),
    )
    # Stored encrypted (Member.phone is not a column): the builder normalises and checks it.
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "sex",
            "ethnicity",
            "birth_date",
            "education",
            "joined_on",
            "full_member_on",
            "category",
            "organisation",
            "unit",
            "post",
            "phone",
            "status",
        ]
        widgets = {"birth_date": DATE, "joined_on": DATE, "full_member_on": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.editable_by(user).order_by(
            "path"
        )
        if self.instance.pk:
            self.initial["phone"] = self.instance.phone
            # Editing: the stored number stays unless a new one is typed.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空则不变。") % {
                "masked": self.instance.id_number_masked
            }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "code", "founded_on", "organ", "is_active"]
        widgets = {"founded_on": DATE}


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ["member", "title", "term_start", "term_end"]
        widgets = {"term_start": DATE, "term_end": DATE}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.in_subtree(organisation).order_by(
            "name_pinyin"
        )
        self.fields["term_end"].required = False
        self.fields["term_end"].help_text = _(
            "留空则按届期自动计算（党委 5 年，总支、支部 3 年）。"
        )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("例如：办理组织关系转接，核对身份")}),
    )
