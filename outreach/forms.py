import html
import re

import nh3
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation

from .models import Area, AreaKind, Category, Rating, RequestKind, Status

PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str) -> str:
    """No HTML (nh3 strips every tag), no control characters; entities back to characters, as
    the templates escape on output."""
    value = CONTROL.sub("", value or "")
    return html.unescape(nh3.clean(value, tags=set())).strip()


class PlainTextMixin:
    plain_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()  # type: ignore[misc]
        for name in self.plain_fields:
            if isinstance(data.get(name), str):
                data[name] = plain_text(data[name])
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class SubmitForm(PlainTextMixin, forms.Form):
    plain_fields = ("title", "text", "name")

    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), empty_label=_("请选择")
    )
    area = forms.ModelChoiceField(
        label=_("所在村（社区）"), queryset=Area.objects.none(), empty_label=_("请选择")
    )
    title = forms.CharField(label=_("标题"), max_length=100)
    text = forms.CharField(
        label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    name = forms.CharField(label=_("姓名（可不填）"), max_length=40, required=False)
    phone = forms.CharField(label=_("联系电话（可不填）"), max_length=20, required=False)
    images = MultipleImageField(label=_("图片（可不传，最多 3 张）"), required=False)
    # The honeypot: hidden from people by CSS; a robot fills it. The submission is then held,
    # never dropped.
    website = forms.CharField(label=_("网址"), required=False, max_length=200)

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(active=True)
        if kind:
            categories = categories.filter(kind=kind)
        self.fields["category"].queryset = categories
        self.fields["area"].queryset = Area.objects.filter(active=True)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_phone(self):
        phone = re.sub(r"\s+", "", self.cleaned_data.get("phone") or "")
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("联系电话格式不正确，请填写手机号或带区号的座机号。"))
        return phone

    def clean_images(self):
        from core.uploads import strip_image_metadata, validate_upload

        files = self.cleaned_data.get("images") or []
        if len(files) > settings.OUTREACH_MAX_IMAGES:
            raise forms.ValidationError(
                _("最多上传 %(n)s 张图片。") % {"n": settings.OUTREACH_MAX_IMAGES}
            )
        cleaned = []
        for upload in files:
            validate_upload(
                upload,
                kinds={"image"},
                max_mb=settings.OUTREACH_MAX_IMAGE_MB,
                field_label=str(_("图片")),
            )
            cleaned.append(strip_image_metadata(upload))
        return cleaned


class RateForm(PlainTextMixin, forms.Form):
    plain_fields = ("reason",)
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("原因（不满意时必填）"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=16)

    def clean_code(self):
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()


ACTIONS = [
    (Status.ACCEPTED, _("受理")),
    (Status.IN_PROGRESS, _("开始办理")),
    (Status.ANSWERED, _("答复")),
    (Status.CLOSED, _("办结")),
    (Status.REJECTED, _("不予受理")),
    (Status.DUPLICATE, _("标为重复")),
    (Status.TRANSFERRED, _("转办")),
]


class TransitionForm(PlainTextMixin, forms.Form):
    plain_fields = ("reason", "answer", "transferred_to")
    to = forms.ChoiceField(label=_("操作"), choices=ACTIONS)
    answer = forms.CharField(
        label=_("公开答复"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason = forms.CharField(label=_("理由"), max_length=300, required=False)
    duplicate_code = forms.CharField(label=_("原诉求查询码"), max_length=16, required=False)
    transferred_to = forms.CharField(label=_("转办单位"), max_length=100, required=False)


class ReassignForm(PlainTextMixin, forms.Form):
    plain_fields = ("reason",)
    organisation = forms.ModelChoiceField(
        label=_("改派给"), queryset=Organisation.objects.all(), empty_label=_("请选择")
    )
    reason = forms.CharField(label=_("改派理由"), max_length=300)


class NoteForm(PlainTextMixin, forms.Form):
    plain_fields = ("text",)
    text = forms.CharField(
        label=_("内部备注"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RuleForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.all(), required=False, empty_label=_("任意类别")
    )
    area = forms.ModelChoiceField(
        label=_("村（社区）"),
        queryset=Area.objects.all(),
        required=False,
        empty_label=_("任意村（社区）"),
    )
    organisation = forms.ModelChoiceField(
        label=_("承办党组织"), queryset=Organisation.objects.all(), empty_label=_("请选择")
    )


class CategoryDaysForm(forms.Form):
    accept_days = forms.IntegerField(label=_("受理时限（工作日）"), min_value=1, max_value=30)
    answer_days = forms.IntegerField(label=_("办结时限（工作日）"), min_value=1, max_value=90)


class AreaForm(PlainTextMixin, forms.Form):
    plain_fields = ("name",)
    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=AreaKind.choices)


class WorkdayForm(PlainTextMixin, forms.Form):
    plain_fields = ("note",)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("调整为"),
        choices=[("0", _("休息日")), ("1", _("工作日"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("说明"), max_length=100, required=False)


class ConsultationForm(PlainTextMixin, forms.Form):
    plain_fields = ("title", "body")
    organisation = forms.ModelChoiceField(
        label=_("发布党组织"), queryset=Organisation.objects.none(), empty_label=_("请选择")
    )
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("征求意见内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    deadline = forms.DateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations


class ResponseForm(PlainTextMixin, forms.Form):
    plain_fields = ("text", "name")
    text = forms.CharField(
        label=_("您的意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    name = forms.CharField(label=_("姓名（可不填）"), max_length=40, required=False)
    area = forms.ModelChoiceField(
        label=_("所在村（社区）"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("不填"),
    )
    website = forms.CharField(label=_("网址"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(active=True)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class ReplyForm(PlainTextMixin, forms.Form):
    plain_fields = ("summary", "public_reply")
    summary = forms.CharField(
        label=_("意见汇总（内部）"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    public_reply = forms.CharField(
        label=_("公开答复"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class FulfilForm(PlainTextMixin, forms.Form):
    plain_fields = ("note",)
    note = forms.CharField(label=_("完成情况"), max_length=300)


KIND_CHOICES = RequestKind.choices
