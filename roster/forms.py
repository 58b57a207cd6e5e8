from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .columns import FIELDS, REQUIRED
from .services import max_upload_bytes


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy(
            "Excel（.xlsx、.xls）、.ods 或 CSV 文件。上传后先预览，确认后才会导入。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("文件超过 %(mb)s MB，请分成几个文件上传。") % {"mb": max_upload_bytes() >> 20}
            )
        return upload


class ColumnsForm(forms.Form):
    """Which field each column of the file holds: the automatic match, adjusted by hand."""

    def __init__(self, *args, columns: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("不导入"))] + [
            (field.key, field.label) for field in FIELDS if field.key != "ignore"
        ]
        self.columns = columns
        for column in columns:
            self.fields[f"col_{column['index']}"] = forms.ChoiceField(
                label=column["header"] or _("第 %(n)s 列") % {"n": column["index"] + 1},
                choices=choices,
                required=False,
                initial=column["field"] if column["field"] != "ignore" else "",
            )

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"col_{c['index']}") for c in self.columns]
        used = [field for field in chosen if field]
        for field in set(used):
            if used.count(field) > 1:
                label = next(f.label for f in FIELDS if f.key == field)
                raise forms.ValidationError(_("“%(field)s”只能对应一列。") % {"field": label})
        for key in REQUIRED:
            if key not in used:
                label = next(f.label for f in FIELDS if f.key == key)
                raise forms.ValidationError(_("请指定“%(field)s”所在的列。") % {"field": label})
        return data

    def mapping(self) -> list[str | None]:
        return [self.cleaned_data.get(f"col_{c['index']}") or None for c in self.columns]

    def bound_columns(self):
        """(column, bound field) pairs for the template."""
        return [(c, self[f"col_{c['index']}"]) for c in self.columns]


class ExportRevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("显示完整身份证号码的事由"),
        min_length=2,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("例如：报送上级党委年度统计")}),
    )


class OrganisationValuesForm(forms.Form):
    """Which organisation each unknown 所在党支部 value of the file means."""

    def __init__(self, *args, values: list[str], organisations, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.values = values
        self.by_pk = {str(o.pk): o for o in organisations}
        choices = [("", _("暂不指定"))] + [
            (str(o.pk), _("本组织（%(name)s）") % {"name": o.name} if o.pk == target.pk else o.name)
            for o in organisations
        ]
        for index, value in enumerate(values):
            self.fields[f"org_{index}"] = forms.ChoiceField(
                label=value, choices=choices, required=False
            )

    def chosen(self) -> dict:
        """{value as written: Organisation} for the values given an organisation."""
        return {
            value: self.by_pk[self.cleaned_data[f"org_{index}"]]
            for index, value in enumerate(self.values)
            if self.cleaned_data.get(f"org_{index}")
        }

    def bound_values(self):
        return [(value, self[f"org_{index}"]) for index, value in enumerate(self.values)]
