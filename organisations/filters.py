import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Member, MemberCategory, MemberStatus, Organisation, Sex
from .reference_data import Education, Ethnicity

LAST4 = re.compile(r"^\d{3}[\dXx]$")
LETTERS = re.compile(r"^[A-Za-z]+$")


def search_members(queryset, value: str):
    """One box for a name, pinyin initials or full pinyin (zxcr / zhaxi), or an ID's last 4."""
    value = value.strip()
    if not value:
        return queryset
    if LAST4.match(value):
        return queryset.filter(id_last4=value.upper())
    if LETTERS.match(value):
        value = value.lower()
        return queryset.filter(
            Q(name_initials__startswith=value) | Q(name_pinyin__startswith=value)
        )
    return queryset.filter(name__contains=value)


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_q",
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母或身份证后四位")}),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("党组织（含下级）"),
        queryset=Organisation.objects.none(),
        method="filter_subtree",
        empty_label=_("全部"),
    )
    category = django_filters.ChoiceFilter(
        label=_("人员类别"), choices=MemberCategory.choices, empty_label=_("全部")
    )
    sex = django_filters.ChoiceFilter(label=_("性别"), choices=Sex.choices, empty_label=_("全部"))
    ethnicity = django_filters.ChoiceFilter(
        label=_("民族"), choices=Ethnicity.choices, empty_label=_("全部")
    )
    education = django_filters.ChoiceFilter(
        label=_("学历"), choices=Education.choices, empty_label=_("全部")
    )
    joined_year = django_filters.NumberFilter(
        label=_("入党年份"), field_name="joined_on", lookup_expr="year"
    )
    status = django_filters.ChoiceFilter(
        label=_("党籍状态"), choices=MemberStatus.choices, empty_label=_("全部状态")
    )
    order = django_filters.OrderingFilter(
        label=_("排序"),
        empty_label=_("按姓名拼音"),
        fields=(("name_pinyin", "name"), ("joined_on", "joined_on"), ("birth_date", "birth_date")),
        field_labels={
            "name_pinyin": _("姓名"),
            "joined_on": _("入党日期"),
            "birth_date": _("出生日期"),
        },
    )

    class Meta:
        model = Member
        fields: list[str] = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        # Active members unless the user asks for another status (including all).
        if "status" not in data:
            data["status"] = MemberStatus.ACTIVE
        super().__init__(data, *args, **kwargs)
        self.filters["organisation"].queryset = Organisation.objects.visible_to(user).order_by(
            "path"
        )

    def filter_q(self, queryset, name, value):
        return search_members(queryset, value)

    def filter_subtree(self, queryset, name, value):
        return queryset.in_subtree(value)
