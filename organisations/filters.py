import html
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from core import crypto

from .id_numbers import parse_id_number
from .members import normalise_name, normalise_phone
from .models import Member, MemberCategory, MemberStatus, Organisation, Sex
from .reference_data import Education, Ethnicity
from .search import grams_decide, marked_as_gram_search, name_candidates

LAST4 = re.compile(r"^\d{3}[\dXx]$")
LETTERS = re.compile(r"^[A-Za-z]+$")
# A full phone number as people type it: digits, perhaps +86, spaces, dashes or brackets.
PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 ()\-]{8,}$")


def _full_identifier(value: str) -> Q | None:
    """A full ID number or phone number, as a lookup of its digest (both are stored encrypted,
    so there is nothing else to compare); None when `value` is neither."""
    compact = "".join(value.split())
    if len(compact) == 18:
        try:
            info = parse_id_number(compact)
        except ValidationError:
            pass
        else:
            return Q(id_number_digest=crypto.digest(info.number))
    if PHONE_LIKE.match(compact):
        try:
            phone = normalise_phone(compact)
        except ValidationError:
            return None
        return Q(phone_digest=crypto.digest(phone))
    return None


def search_members(queryset, value: str):
    """One box for a name, pinyin initials or full pinyin (zxcr / zhaxi), an ID's last 4, or
    a full ID number or phone number (found by digest)."""
    value = value.strip()
    if not value:
        return queryset
    full = _full_identifier(value)
    if full is not None:
        return queryset.filter(full)
    if LAST4.match(value):
        return queryset.filter(id_last4=value.upper())
    if LETTERS.match(value):
        value = value.lower()
        # The initials are the heads of the pinyin's syllables, so both keys start with the
        # same letter: bounding name_pinyin by it confines the search to one stretch of the
        # roster index (status, name_pinyin, …, see Member.Meta), read in page order.
        return queryset.filter(
            _key_prefix("name_pinyin", value[0]),
            _key_prefix("name_initials", value) | _key_prefix("name_pinyin", value),
        )
    return _name_contains(queryset, value)


def _name_contains(queryset, value: str):
    """Names containing `value`, written any way people type a name: 扎西·次仁, 扎西次仁,
    扎西 次仁, 扎西•次仁 and 扎西.次仁 all find 扎西·次仁. The query is normalised as names are
    stored (members.normalise_name); a query without the middle dot is compared with the names
    without theirs."""
    value = normalise_name(value)
    # The gram index (organisations.search) narrows the roster to names that may contain
    # `value`; the test below then decides, so the answer is the plain search's.
    queryset = marked_as_gram_search(name_candidates(queryset, value))
    if grams_decide(queryset, value):
        return queryset
    if "·" in value:
        return queryset.filter(name__contains=value)
    undotted = Replace(F("name"), Value("·"), Value(""))
    return queryset.alias(undotted_name=undotted).filter(undotted_name__contains=value)


def _key_prefix(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written as a range so that an index can seek it.

    SQLite never uses an index for LIKE 'zx%' (its LIKE ignores case), PostgreSQL only with
    a pattern operator class. The search keys hold only the letters a–z, so every key that
    starts with the prefix sorts between the prefix and the prefix padded with z to the
    column's length, in any collation."""
    width = Member._meta.get_field(field).max_length
    return Q(**{f"{field}__gte": prefix, f"{field}__lte": prefix.ljust(width, "z")})


def _flat_attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html: True writes the bare name, False leaves the attribute out."""
    return mark_safe(  # noqa: S308 — each piece is escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


_TRANSLATED: dict[tuple[int, str], tuple[Promise, str]] = {}


def _escape(text) -> str:
    """django.utils.html.conditional_escape without its lazy-argument wrapper, which cost more
    than the escaping itself over ~170 options."""
    if isinstance(text, Promise):
        text = str(text)
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


def _label_html(label) -> str:
    """An option's escaped label. Translating a lazy label costs a gettext call each time, and
    the filter form shows ~80 fixed ones (民族, 学历, …), so keep each per language."""
    if not isinstance(label, Promise):
        return _escape(label)
    key = (id(label), get_language())
    known = _TRANSLATED.get(key)
    if known is None or known[0] is not label:  # an id can be reused once a label is gone
        if len(_TRANSLATED) > 4096:  # labels made on the fly must not pile up
            _TRANSLATED.clear()
        known = _TRANSLATED[key] = (label, _escape(label))
    return known[1]


class QuickSelect(forms.Select):
    """Django's <select> markup, written in Python instead of one template per <option>.

    The filter form carries ~170 options (organisations, 56 ethnicities, …); rendering each
    through the form renderer's templates cost more than the whole table of 50 members.
    The output is byte for byte what forms/widgets/select.html writes."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        parts = [f'<select name="{_escape(name)}"']
        parts.append(_flat_attrs(self.build_attrs(self.attrs, attrs)) + ">")
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                group, options = option_value, option_label
            else:
                blank_for_none = "" if option_value is None else option_value
                group, options = None, [(blank_for_none, option_label)]
            if group:
                parts.append(f'\n  <optgroup label="{_escape(group)}">')
            for sub_value, sub_label in options:
                sub_value = str(sub_value)
                selected = not has_selected and sub_value in chosen
                has_selected |= selected
                # select_option.html ends with a newline, hence the blank lines.
                mark = " selected" if selected else ""
                parts.append(
                    f'\n  <option value="{html.escape(sub_value)}"{mark}>'
                    f"{_label_html(sub_label)}</option>\n"
                )
            if group:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value and label is escaped


def _chosen_only(choices, values: list[str]):
    """The options a remote picker writes: the empty one and the chosen organisation (member),
    read by its key (one query, none when nothing is chosen). `choices` is a model choice
    iterator; the others come from the remote search."""
    field = choices.field
    options = []
    if field.empty_label is not None:
        options.append(("", field.empty_label))
    # A key past the database's integer range (a tampered form) is no organisation: filtering by
    # it would overflow SQLite's integer, a server error.
    keys = [v for v in values if v.isascii() and v.isdigit() and int(v) < 2**63][:1]
    if keys:
        options += list(choices.queryset.filter(pk__in=keys).values_list("pk", "name"))
    return options


class RemoteSearchSelect(QuickSelect):
    """A picker whose <select> holds only the chosen option; Tom Select (static/js/app.js,
    `data-remote-search`) asks `search_url()` for the others as the user types, so a
    province-sized list is never sent. Without JavaScript it still submits the chosen option."""

    placeholder = ""

    def __init__(self, attrs=None, *, url: str = ""):
        super().__init__(attrs)
        self.url = url

    def search_url(self) -> str:
        return self.url

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {
            **(attrs or {}),
            "data-remote-search": self.search_url(),
            "data-placeholder": str(self.placeholder),
        }
        every = self.choices
        self.choices = _chosen_only(every, self.format_value(value))
        try:
            return super().render(name, value, attrs, renderer)
        finally:
            self.choices = every


class OrganisationSearchSelect(RemoteSearchSelect):
    """An organisation picker that scales to a province's 150,000 organisations
    (organisations:organisation_search). `editable`: the search offers the organisations the
    user may change (forms) rather than those they may see (filters)."""

    placeholder = _("输入名称搜索党组织")

    def __init__(self, attrs=None, *, editable: bool = False):
        super().__init__(attrs)
        self.editable = editable

    def search_url(self) -> str:
        url = reverse("organisations:organisation_search")
        return url + ("?scope=edit" if self.editable else "")


class MemberSearchSelect(RemoteSearchSelect):
    """The position form's member picker: `url` is position_member_search, the organisation's
    subtree."""

    placeholder = _("输入姓名、拼音或身份证号后 4 位搜索党员")


class _OrganisationChoices(django_filters.fields.ModelChoiceIterator):
    """(id, name) pairs read straight from the database: the filter lists every organisation
    the user can see, and writing the options needs no model instances. The label is what
    Organisation.__str__ gives, its name."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self.queryset.values_list("pk", "name")


class _OrganisationField(django_filters.fields.ModelChoiceField):
    iterator = _OrganisationChoices


class SubtreeFilter(django_filters.ModelChoiceFilter):
    field_class = _OrganisationField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting that ends on the id: many members share a date (whole branches join on 1 July),
    and pages of an order with ties could repeat some rows and never show others."""

    # Dates a record may lack (资料不全: an imported member without 入党时间) sort after the
    # known ones both ways, and alike on SQLite and PostgreSQL (which differ by default).
    nullable = ("joined_on",)

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name in self.nullable:
            column = F(name)
            return (
                column.desc(nulls_last=True)
                if value.startswith("-")
                else column.asc(nulls_last=True)
            )
        return value

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "id") if value else qs


# 入党年份: nobody joined before the party's founding (1921), and a year past 9999 has no date
# at all: the year lookup would build an impossible date, a server error, so refuse it here.
FIRST_JOINED_YEAR = 1921
LAST_YEAR = 9999


@extend_schema_field({"type": "integer", "minimum": FIRST_JOINED_YEAR, "maximum": LAST_YEAR})
class YearFilter(django_filters.NumberFilter):
    """A whole year within [FIRST_JOINED_YEAR, LAST_YEAR]; anything else is a field error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        message = _("请输入 1921 至 9999 之间的年份。")
        kwargs.setdefault("min_value", FIRST_JOINED_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        kwargs.setdefault(
            "error_messages",
            {"invalid": message, "min_value": message, "max_value": message},
        )
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # the field's own bounds are tighter than django-filter's 1e50


def labelled_errors(filterset) -> dict[str, list[str]]:
    """The filter form's errors, each preceded by its field's label (入党年份：…), as the
    member list shows them; for the API's 400 and the export's message."""
    form = filterset.form
    return {
        name: [
            _("%(label)s：%(error)s") % {"label": form.fields[name].label, "error": error}
            if name in form.fields
            else error
            for error in errors
        ]
        for name, errors in form.errors.items()
    }


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_q",
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母或身份证后四位")}),
    )
    organisation = SubtreeFilter(
        label=_("党组织（含下级）"),
        queryset=Organisation.objects.none(),
        method="filter_subtree",
        empty_label=_("全部"),
        widget=OrganisationSearchSelect,
    )
    category = django_filters.ChoiceFilter(
        label=_("人员类别"),
        choices=MemberCategory.choices,
        empty_label=_("全部"),
        widget=QuickSelect,
    )
    sex = django_filters.ChoiceFilter(
        label=_("性别"), choices=Sex.choices, empty_label=_("全部"), widget=QuickSelect
    )
    ethnicity = django_filters.ChoiceFilter(
        label=_("民族"), choices=Ethnicity.choices, empty_label=_("全部"), widget=QuickSelect
    )
    education = django_filters.ChoiceFilter(
        label=_("学历"), choices=Education.choices, empty_label=_("全部"), widget=QuickSelect
    )
    joined_year = YearFilter(label=_("入党年份"), field_name="joined_on", lookup_expr="year")
    status = django_filters.ChoiceFilter(
        label=_("党籍状态"),
        choices=MemberStatus.choices,
        empty_label=_("全部状态"),
        widget=QuickSelect,
    )
    incomplete = django_filters.ChoiceFilter(
        label=_("档案资料"),
        choices=[("1", _("资料不全"))],
        empty_label=_("全部"),
        method="filter_incomplete",
        widget=QuickSelect,
    )
    order = StableOrderingFilter(
        label=_("排序"),
        widget=QuickSelect,
        # No blank choice: it sorted exactly as 姓名（拼音顺序）, the same order offered twice.
        empty_label=None,
        fields=(("name_pinyin", "name"), ("joined_on", "joined_on"), ("birth_date", "birth_date")),
        # Every label spelled out: django-filter would build "… (descending)" at import time,
        # before any language is chosen.
        choices=[
            ("name", _("姓名（拼音顺序）")),
            ("-name", _("姓名（拼音倒序）")),
            ("joined_on", _("入党日期（从早到晚）")),
            ("-joined_on", _("入党日期（从晚到早）")),
            ("birth_date", _("出生日期（从早到晚）")),
            ("-birth_date", _("出生日期（从晚到早）")),
        ],
    )

    class Meta:
        model = Member
        fields: list[str] = []

    def __init__(self, data=None, *args, user, **kwargs):
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

    def filter_incomplete(self, queryset, name, value):
        """资料不全: the records lacking what models.INCOMPLETE_FIELDS names."""
        return queryset.incomplete() if value else queryset

    def filter_subtree(self, queryset, name, value):
        return queryset.in_subtree(value)
