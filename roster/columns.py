"""The roster's columns: which Member field each header means, with the synonyms organs use.

Headers are compared after `header_key`: full-width folded, spaces and line breaks removed
("姓  名"), required-markers and bracketed hints dropped ("*身份证号码（18位）")."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    synonyms: tuple[str, ...]
    # Part of the member record (compared in the diff); False for helper columns.
    member_field: bool = True


# Order = the usual 花名册 column order; also the order of the mapping form's choices.
FIELDS = (
    Field("sequence", _("序号"), ("序号", "编号", "顺序号"), member_field=False),
    Field("name", _("姓名"), ("姓名", "党员姓名", "名字")),
    Field("sex", _("性别"), ("性别",)),
    Field("ethnicity", _("民族"), ("民族", "民族名称")),
    Field("birth_date", _("出生日期"), ("出生年月", "出生日期", "出生年月日", "出生时间")),
    Field(
        "id_number",
        _("身份证号码"),
        (
            "身份证号码",
            "身份证号",
            "公民身份号码",
            "公民身份证号码",
            "身份证件号码",
            "公民身份证号",
            "居民身份证号码",
            "身份证",
            "证件号码",
            "证件号",
        ),
    ),
    Field(
        "education",
        _("学历"),
        ("学历", "文化程度", "最高学历", "全日制学历", "教育程度", "学历层次"),
    ),
    Field(
        "joined_on",
        _("入党时间"),
        (
            "入党时间",
            "入党日期",
            "入党年月",
            "加入党组织日期",
            "加入党组织时间",
            "成为预备党员时间",
            "成为预备党员日期",
        ),
    ),
    Field(
        "full_member_on",
        _("转正时间"),
        ("转正时间", "转正日期", "转正年月", "转为正式党员日期", "转为正式党员时间"),
    ),
    Field(
        "category",
        _("人员类别"),
        ("人员类别", "党员类别", "党员身份", "类别", "党员类型", "政治面貌"),
    ),
    Field(
        "organisation",
        _("所在党支部"),
        (
            "所在党支部",
            "所在支部",
            "所属党支部",
            "党支部",
            "所在党组织",
            "所属党组织",
            "支部名称",
            "支部",
            "所属支部",
            "党支部名称",
            "编入党支部",
            "转入党支部",
            "所在党组织名称",
        ),
    ),
    Field(
        "unit_post",
        _("工作单位及职务"),
        ("工作单位及职务", "单位及职务", "工作单位和职务", "工作单位及职务职称"),
        member_field=False,
    ),
    Field(
        "unit",
        _("工作单位"),
        (
            "工作单位",
            "单位",
            "所在单位",
            "工作单位名称",
            "所在部门",
            "部门",
            "工作/学习单位",
            "工作学习单位",
        ),
    ),
    Field("post", _("职务"), ("职务", "现任职务", "职务职称")),
    Field(
        "phone",
        _("联系电话"),
        ("联系电话", "手机号码", "手机号", "手机", "电话", "联系方式", "电话号码", "移动电话"),
    ),
    Field("status", _("党籍状态"), ("党籍状态", "党员状态")),
    # The hidden key of an export (roster.exports.member_key): a masked row is matched by it.
    Field("member_key", _("党员编号"), ("党员编号",), member_field=False),
    # Our own "reason" column on the rejected-rows file: recognised so that it is never imported.
    Field("ignore", _("不导入"), ("错误原因", "导入结果"), member_field=False),
)
FIELD_BY_KEY = {field.key: field for field in FIELDS}
REQUIRED = ("name", "id_number")

_BRACKETED = re.compile(r"[（(\[【〔].*?[）)\]】〕]")
_MARKERS = str.maketrans("", "", "*＊:：")


def header_key(text: object) -> str:
    if text is None:
        return ""
    cleaned = unicodedata.normalize("NFKC", str(text))
    cleaned = _BRACKETED.sub("", cleaned)
    return "".join(cleaned.split()).translate(_MARKERS)


SYNONYMS = {header_key(synonym): field.key for field in FIELDS for synonym in field.synonyms}


def field_for_header(text: object) -> str | None:
    return SYNONYMS.get(header_key(text))


def auto_mapping(headers: list[str]) -> list[str | None]:
    """The field of each header, first occurrence wins (a second 职务 column stays unmatched)."""
    taken: set[str] = set()
    mapping: list[str | None] = []
    for header in headers:
        field = field_for_header(header)
        if field is None or (field in taken and field != "ignore"):
            mapping.append(None)
            continue
        taken.add(field)
        mapping.append(field)
    return mapping


# Column names the upload page gives as examples. A Chinese 花名册's headers are Chinese
# whatever the reader's language, so each is shown as it stands in the file, with its meaning
# in the reader's language beside it where that differs ("入党日期 (Date joined)").
EXAMPLE_HEADERS = ("公民身份号码", "入党日期", "手机号码")
_EXAMPLE_MEANINGS = (_("公民身份号码"), _("入党日期"), _("手机号码"))


def example_headers() -> str:
    """The example column names for the upload page, in the reader's language's punctuation:
    “公民身份号码”“入党日期”“手机号码” in Chinese, “入党日期” (Date joined), … in English."""
    chinese = (get_language() or "").startswith("zh")
    items = []
    for header, meaning in zip(EXAMPLE_HEADERS, _EXAMPLE_MEANINGS, strict=True):
        item = f"“{header}”"
        shown = str(meaning)
        if shown != header:
            item += f"（{shown}）" if chinese else f" ({shown})"
        items.append(item)
    return "".join(items) if chinese else ", ".join(items)
