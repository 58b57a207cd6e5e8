"""Columns matched by their header and checked against their content.

A header says what a column should hold; the first rows say what it does hold. In published
templates 党籍状态 often holds 正式党员 / 预备党员 (the category, not the status), and 人员类别
holds 在职教职工 (a personnel type, not the party category). So each column the header
matched is read through its field's own value reader: a column whose values do not fit keeps
no field, and where another field fits them the column is proposed for it, with the reason
(shown in the preview, where the importer may change it). A column whose header is unknown
but whose values are unmistakable (ID numbers, 正式党员, 汉族 …) is proposed the same way.
Nothing is forced: a column that fits nothing stays unmatched.
"""

from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.utils import translation

from core.stored_text import Message
from core.stored_text import deferred as _
from organisations.id_numbers import parse_id_number

from . import normalise
from .columns import FIELD_BY_KEY
from .normalise import CellError
from .reader import _looks_like_id_number

# A column fits its field when at least this share of its (non-blank) sample values reads.
FITS = 0.5
# A column is proposed for another field only when nearly all its values read as that field.
PROPOSE = 0.8
# Sample values shown in a reason.
EXAMPLES = 3


def _id_number(value: object) -> object:
    if _looks_like_id_number(value):
        return value  # 15 digits are converted, a wrong check digit is the row's error
    return parse_id_number(normalise.id_number_cell(value))


def _date(value: object) -> object:
    return normalise.parse_date(value, typed=True)


READERS: dict[str, Callable[[object], object]] = {
    "id_number": _id_number,
    "category": normalise.parse_category,
    "status": normalise.parse_status,
    "sex": normalise.parse_sex,
    "ethnicity": normalise.parse_ethnicity,
    "education": normalise.parse_education,
    "birth_date": _date,
    "joined_on": _date,
    "full_member_on": _date,
    "phone": normalise.parse_phone,
}
# Fields holding one of a few coded values: a column under their header whose values are not
# among them holds something else.
CODED = ("category", "status", "sex", "ethnicity", "education")
# Fields whose values tell them apart whatever the header says (a date or a phone could be
# anything: 入职时间, 家属联系方式; 正常 could be any state), tried in this order.
DISTINCTIVE = ("id_number", "category", "sex", "ethnicity", "education", "status")


def fit(field: str, values: Sequence[object]) -> float:
    """The share of `values` (non-blank) that the field's reader accepts."""
    reader = READERS[field]
    good = 0
    for value in values:
        try:
            reader(value)
        except normalise.NotAMember:
            pass  # 群众 in a 政治面貌 column: the column is the category's, the row is refused
        except (CellError, ValidationError, TypeError, ValueError):
            continue
        good += 1
    return good / len(values) if values else 0.0


def _examples(field: str | None, values: Sequence[object]) -> str:
    """A few distinct values as the reason quotes them; never an ID number or a phone."""
    if field in ("id_number", "phone"):
        return ""
    seen: list[str] = []
    for value in values:
        shown = normalise.text(value)[:20]
        if shown and shown not in seen and not _looks_like_id_number(shown):
            seen.append(shown)
        if len(seen) >= EXAMPLES:
            break
    return "、".join(f"“{shown}”" for shown in seen)


def _label(field: str) -> Message:
    """A field's label as a stored message (a reason is read later, in its reader's language):
    the labels' msgids are their Chinese, the source language."""
    with translation.override("zh-hans"):
        msgid = str(FIELD_BY_KEY[field].label)
    return Message(msgid)


def check(columns: list[dict], sample: Sequence[Sequence[object]]) -> list[dict]:
    """The automatic mapping of `columns` (dicts with index, header, field), each checked
    against its values in `sample` (rows of cells or values). Returns the columns with
    `field` possibly changed and `reason` saying why."""
    values_of = {
        c["index"]: [
            value
            for row in sample
            if c["index"] < len(row)
            and not normalise.is_blank(value := getattr(row[c["index"]], "value", row[c["index"]]))
        ]
        for c in columns
    }
    checked = [dict(c, reason="") for c in columns]
    misfits = []
    for column in checked:
        field, values = column["field"], values_of[column["index"]]
        # Only coded fields are judged by their values (正式党员 is no 党籍状态): an ID
        # number, a date or a phone that cannot be read is that row's problem to explain
        # (masked or Excel-mangled numbers, "abc" for a phone), not a reason to lose the column.
        checkable = field in CODED
        if checkable and values and fit(field, values) < FITS:
            misfits.append((column, field))
            column["field"] = None
    taken = {c["field"] for c in checked if c["field"]}
    for column, field in misfits:
        values = values_of[column["index"]]
        proposal = _propose(values, taken)
        examples = _examples(None, values)
        if proposal:
            taken.add(proposal)
            column["field"] = proposal
            column["reason"] = _(
                "“%(header)s”列的内容（%(examples)s）不是%(field)s，而是%(proposal)s，"
                "已按“%(proposal)s”读取。"
            ) % {
                "header": column["header"],
                "examples": examples or _("身份证号码"),
                "field": _label(field),
                "proposal": _label(proposal),
            }
        else:
            column["reason"] = _(
                "“%(header)s”列的内容（%(examples)s）不是%(field)s，也不像其他可导入的项，"
                "该列不导入；如确属此项，请在“列对应”中指定。"
            ) % {"header": column["header"], "examples": examples, "field": _label(field)}
    for column in checked:
        if column["field"] or column["reason"]:
            continue
        values = values_of[column["index"]]
        proposal = _propose(values, taken - {None}, content_only=True)
        if proposal:
            taken.add(proposal)
            column["field"] = proposal
            examples = _examples(proposal, values)
            column["reason"] = _(
                "“%(header)s”列的列名未能识别，但内容%(examples)s是%(proposal)s，"
                "已按“%(proposal)s”读取。"
            ) % {
                "header": column["header"] or _("第 %(n)s 列") % {"n": column["index"] + 1},
                "examples": f"（{examples}）" if examples else "",
                "proposal": _label(proposal),
            }
    return checked


def _propose(values: Sequence[object], taken: set, *, content_only: bool = False) -> str | None:
    if not values:
        return None
    candidates = DISTINCTIVE[:-1] if content_only else DISTINCTIVE
    for field in candidates:
        if field not in taken and fit(field, values) >= PROPOSE:
            return field
    return None
