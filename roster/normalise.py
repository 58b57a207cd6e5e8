"""Cell parsers for roster files: pure functions, no database, one per kind of cell.

Each returns the normalised value (or None for a blank cell) and raises CellError with a
Chinese message when the cell cannot be understood. Warnings (the value was understood but
something deserves a look) come back alongside the value.

Identity numbers are not parsed here: organisations.id_numbers is the one place for that.
The rules a member must meet (dates not in the future, age at joining, phone numbers, ...)
are the member builder's (organisations.members); a parser here only reads the cell, and
where a cell holds a person's value (name, phone) it uses the builder's own normaliser.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from openpyxl.utils.datetime import from_excel

from core.stored_text import deferred as _
from core.text import drop_invisible
from organisations.id_numbers import mask_id_number
from organisations.members import normalise_name, normalise_phone
from organisations.models import DatePrecision, Education, MemberCategory, MemberStatus
from organisations.reference_data import ETHNICITY_BY_NAME, Ethnicity


class CellError(ValueError):
    """A cell that cannot be imported; `message` says why, in the user's words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def display(value: object) -> str:
    """How a raw cell value reads in a message: 1985.03, 533401199001011234, 1985-03-12."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def text(value: object) -> str:
    """A cell as clean text: full-width folded (NFKC), invisible characters dropped, runs of
    whitespace (also inside) collapsed to one space, trimmed. Idempotent."""
    if value is None:
        return ""
    return _clean(value if type(value) is str else display(value))


# A row's cells are read several times over (skip rules, hints, each field's reader), and
# many values repeat down a column (汉族, 正式党员, 1985.03): each string is cleaned once.
@functools.lru_cache(maxsize=16384)
def _clean(raw: str) -> str:
    if raw.isascii():
        # NFKC leaves ASCII as it is, and no invisible character is ASCII.
        return " ".join(raw.split())
    while True:
        cleaned = drop_invisible(unicodedata.normalize("NFKC", raw))
        cleaned = " ".join(cleaned.split())
        if cleaned == raw:
            return cleaned
        raw = cleaned


def is_blank(value: object) -> bool:
    return text(value) == ""


def person_name(value: object) -> str:
    """姓名 as the member builder writes it: no inner spaces ("王  芳" → 王芳), one middle
    dot for every variant (扎西·次仁)."""
    return normalise_name(text(value))


def id_number_cell(value: object) -> object:
    """The cell value to hand to parse_id_number; raises for a masked number, which would
    otherwise read as a mere "wrong character" error."""
    if isinstance(value, str) and ("*" in value or "＊" in value):
        raise CellError(
            _("“%(value)s”是脱敏显示的号码，无法导入；请使用含完整号码的名册。")
            % {"value": mask_id_number(value)}
        )
    return value


# --- dates ------------------------------------------------------------------------------

EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class ParsedDate:
    value: date
    precision: str  # DatePrecision
    warning: str = ""


_DATE_TEXT = re.compile(
    r"(?P<y>\d{4})\s*[.\-/年]\s*(?P<m>\d{1,2})\s*"
    r"(?:(?:[.\-/月]\s*(?P<d>\d{1,2})\s*[日号]?)|月)?"
)
# The midnight a date read back from another program carries: 1985-03-12 00:00:00.
_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_DATE_DIGITS = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?")
_TWO_DIGIT_YEAR = re.compile(r"\d{2}[.\-/年]\d{1,2}([.\-/月]\d{1,2}日?)?月?")
_YEAR_ONLY = re.compile(r"\d{4}年?")
# A quoted literal or a [colour]/[locale] section of an Excel number format.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _format_has_day(number_format: str | None) -> bool:
    """Whether an Excel date format shows the day: 'yyyy.mm' and 'yyyy"年"m"月"' do not."""
    if not number_format:
        return True
    cleaned = _FORMAT_NOISE.sub("", number_format.lower())
    if "y" not in cleaned and "m" not in cleaned:
        return True  # not a date format at all (General on a date cell): assume a full date
    return "d" in cleaned


def _build(year: int, month: int, day: int | None, shown: str) -> ParsedDate:
    try:
        value = date(year, month, day or 1)
    except ValueError:
        raise CellError(
            _("“%(value)s”不是有效的日期（月份或日期超出范围）。") % {"value": shown}
        ) from None
    if value < EARLIEST:
        raise CellError(_("日期 %(value)s 早于 1900 年。") % {"value": shown})
    precision = DatePrecision.DAY if day is not None else DatePrecision.MONTH
    return ParsedDate(value, str(precision))


def _ambiguous_month(year: int, shown: str) -> str:
    return _(
        "“%(value)s”可能是 %(year)s 年 1 月，也可能是 10 月（Excel 会把 %(year)s.10 "
        "显示成 %(year)s.1）；已按 1 月导入，请核对。把该列设为“文本”格式可避免这一问题。"
    ) % {"value": shown, "year": year}


def parse_date(
    value: object,
    number_format: str | None = None,
    *,
    typed: bool = True,
) -> ParsedDate | None:
    """A date cell as (date, precision). Month-only dates ("1985.03", "1985年3月", 198503, an
    Excel date formatted yyyy.mm) keep month precision and are stored as the 1st.

    `typed` is False for text sources (CSV), where a cell "1985.1" may have been a number
    Excel showed without its trailing zero (1985.10, October); it then carries a warning."""
    if value is None:
        return None
    if isinstance(value, bool | time):
        raise CellError(_("“%(value)s”不是日期。") % {"value": display(value)})
    if isinstance(value, datetime | date):
        day_value = value.date() if isinstance(value, datetime) else value
        shown = day_value.isoformat()
        has_day = _format_has_day(number_format)
        return _build(day_value.year, day_value.month, day_value.day if has_day else None, shown)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        if len(digits) in (6, 8):
            return parse_date(digits, typed=True)
        if len(digits) == 5:
            # An Excel serial day number, left when a date column was reformatted as General.
            serial = from_excel(value)
            return _build(serial.year, serial.month, serial.day, serial.date().isoformat())
        if len(digits) == 4:
            raise CellError(
                _("“%(value)s”只有年份，请至少写到月份，如 1985.03。") % {"value": digits}
            )
        raise CellError(
            _("“%(value)s”不是可识别的日期，请写成 1985.03 或 1985-03-12 的形式。")
            % {"value": digits}
        )
    if isinstance(value, float):
        # A number like 1985.03 typed into a General cell. Use the decimals the cell shows.
        match = re.fullmatch(r"0\.(0+)", (number_format or "").strip())
        shown = f"{value:.{len(match.group(1))}f}" if match else f"{value:.10g}"
        parsed = parse_date(shown, typed=True)
        if parsed and not match and re.fullmatch(r"\d{4}\.1", shown):
            return ParsedDate(
                parsed.value, parsed.precision, _ambiguous_month(parsed.value.year, shown)
            )
        return parsed
    shown = text(value)
    compact = _TIME_OF_DAY.sub("", shown).replace(" ", "").rstrip(".。")
    if not compact:
        return None
    match = _DATE_TEXT.fullmatch(compact) or _DATE_DIGITS.fullmatch(compact)
    if match:
        day = match.group("d")
        parsed = _build(
            int(match.group("y")), int(match.group("m")), int(day) if day else None, shown
        )
        if not typed and re.fullmatch(r"\d{4}\.1", compact):
            return ParsedDate(
                parsed.value, parsed.precision, _ambiguous_month(parsed.value.year, shown)
            )
        return parsed
    if _YEAR_ONLY.fullmatch(compact):
        raise CellError(_("“%(value)s”只有年份，请至少写到月份，如 1985.03。") % {"value": shown})
    if _TWO_DIGIT_YEAR.fullmatch(compact):
        raise CellError(_("“%(value)s”的年份应写 4 位，如 1985.03。") % {"value": shown})
    raise CellError(
        _("“%(value)s”不是可识别的日期，请写成 1985.03 或 1985-03-12 的形式。") % {"value": shown}
    )


# --- coded values -----------------------------------------------------------------------

_SEXES = {
    "男": "male",
    "男性": "male",
    "m": "male",
    "male": "male",
    "女": "female",
    "女性": "female",
    "f": "female",
    "female": "female",
}


def parse_sex(value: object) -> str | None:
    cleaned = text(value).replace(" ", "").lower()
    if not cleaned:
        return None
    try:
        return _SEXES[cleaned]
    except KeyError:
        raise CellError(
            _("“%(value)s”不是有效的性别，可填：%(accepted)s。")
            % {"value": text(value), "accepted": ACCEPTED["sex"]}
        ) from None


_ETHNICITY_CODES = frozenset(Ethnicity.values)


def parse_ethnicity(value: object) -> str | None:
    """民族 → GB/T 3304 code: 藏族, 藏 and 04 all give "04"."""
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return None
    if cleaned.isdigit() and cleaned.zfill(2) in _ETHNICITY_CODES:
        return cleaned.zfill(2)
    code = ETHNICITY_BY_NAME.get(cleaned) or ETHNICITY_BY_NAME.get(cleaned.removesuffix("族"))
    if code is None:
        raise CellError(
            _("“%(value)s”不是 56 个民族之一（可填全称如“藏族”，或简称如“藏”）。")
            % {"value": cleaned}
        )
    return code


_EDUCATION_SYNONYMS = {
    Education.POSTGRADUATE: (
        "研究生",
        "研究生学历",
        "硕士",
        "博士",
        "硕士研究生",
        "博士研究生",
        "博士生",
        "硕士生",
        "在职研究生",
        "研究生及以上",
        "党校研究生",
        "中央党校研究生",
        "省委党校研究生",
    ),
    Education.BACHELOR: (
        "大学本科",
        "本科",
        "大学",
        "本科学历",
        "大学本科学历",
        "本科及以上",
        "党校大学",
        "党校本科",
        "中央党校大学",
        "省委党校大学",
    ),
    Education.COLLEGE: (
        "大学专科",
        "大专",
        "专科",
        "大专学历",
        "高职",
        "党校大专",
        "党校专科",
        "省委党校大专",
    ),
    Education.SECONDARY_VOCATIONAL: (
        "中等专科",
        "中专",
        "中技",
        "技校",
        "中等职业教育",
        "党校中专",
    ),
    Education.HIGH_SCHOOL: ("高中", "职高", "普通高中", "高中学历", "大专以下", "高中及以下"),
    Education.JUNIOR_OR_BELOW: ("初中及以下", "初中", "小学", "初中以下", "小学及以下", "文盲"),
}
_EDUCATION = {
    synonym: str(code) for code, synonyms in _EDUCATION_SYNONYMS.items() for synonym in synonyms
}
# "大学本科（等效）", "研究生(同等学力)": education counted as equivalent reads as its level.
_EQUIVALENT = re.compile(r"[（(](?:等效|同等学力|同等学历|相当|在职)[）)]$")
# What the messages list as accepted (the values, not every synonym).
ACCEPTED = {
    "sex": "男、女",
    "category": "正式党员、预备党员（或简写“正”“预”）",
    "education": "研究生、大学本科、大学专科（大专）、中专、高中、初中及以下，"
    "及党校研究生、党校大学、党校大专，可带“（等效）”",
    "status": "正常、已转出、已故、自行脱党、退党、开除党籍、停止党籍",
}


def parse_education(value: object) -> str | None:
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return None
    code = _EDUCATION.get(cleaned) or _EDUCATION.get(_EQUIVALENT.sub("", cleaned))
    if code is None:
        raise CellError(
            _("“%(value)s”不是可识别的学历，可填：%(accepted)s。")
            % {"value": cleaned, "accepted": ACCEPTED["education"]}
        )
    return code


_CATEGORIES = {
    "正式党员": MemberCategory.FULL,
    "正式": MemberCategory.FULL,
    "正": MemberCategory.FULL,
    "中共党员": MemberCategory.FULL,  # the 政治面貌 of a full member
    "中共正式党员": MemberCategory.FULL,
    "预备党员": MemberCategory.PROBATIONARY,
    "预备": MemberCategory.PROBATIONARY,
    "预": MemberCategory.PROBATIONARY,
    "中共预备党员": MemberCategory.PROBATIONARY,
}


# 政治面貌 of people who are not party members: a staff roster lists them beside the members.
# Such a row is refused (importing it would make the registry wrong), but the values still
# show that the column is the category's (roster.mapping counts them as fitting).
_NOT_MEMBERS = (
    "群众",
    "共青团员",
    "团员",
    "中共党员（已出党）",
    "民主党派",
    "无党派人士",
    "无党派",
    "民革党员",
    "民盟盟员",
    "民建会员",
    "民进会员",
    "农工党党员",
    "致公党党员",
    "九三学社社员",
    "台盟盟员",
)


class NotAMember(CellError):
    """A 政治面貌 that says the person is no party member (群众, 共青团员)."""


def parse_category(value: object) -> str | None:
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return None
    try:
        return str(_CATEGORIES[cleaned])
    except KeyError:
        if cleaned in _NOT_MEMBERS:
            raise NotAMember(
                _("“%(value)s”表明此人不是中共党员，不能登记为党员。") % {"value": cleaned}
            ) from None
        raise CellError(
            _("“%(value)s”不是有效的人员类别，可填：%(accepted)s。")
            % {"value": cleaned, "accepted": ACCEPTED["category"]}
        ) from None


# Roster files are in Chinese whatever language the page is in: the labels, and synonyms.
_STATUSES = {
    "正常": MemberStatus.ACTIVE,
    "在册": MemberStatus.ACTIVE,
    "在籍": MemberStatus.ACTIVE,
    "正常党籍": MemberStatus.ACTIVE,
    "保留党籍": MemberStatus.ACTIVE,  # 出国（境）保留党籍: still a member
    "出国（境）保留党籍": MemberStatus.ACTIVE,
    "出国(境)保留党籍": MemberStatus.ACTIVE,
    "已转出": MemberStatus.TRANSFERRED_OUT,
    "转出": MemberStatus.TRANSFERRED_OUT,
    "组织关系转出": MemberStatus.TRANSFERRED_OUT,
    "组织关系已转出": MemberStatus.TRANSFERRED_OUT,
    "已故": MemberStatus.DECEASED,
    "去世": MemberStatus.DECEASED,
    "死亡": MemberStatus.DECEASED,
    "逝世": MemberStatus.DECEASED,
    "病故": MemberStatus.DECEASED,
    "自行脱党": MemberStatus.LAPSED,
    "脱党": MemberStatus.LAPSED,
    "退党": MemberStatus.WITHDRAWN,
    "开除党籍": MemberStatus.EXPELLED,
    "开除": MemberStatus.EXPELLED,
    "停止党籍": MemberStatus.SUSPENDED,
    "停止党籍中": MemberStatus.SUSPENDED,
    "已停止党籍": MemberStatus.SUSPENDED,
}
# Statuses organs record that the registry has no state for yet: refused with the reason,
# never guessed into another status.
_UNRECORDED_STATUSES = ("除名", "予以除名", "劝退", "失联")


def parse_status(value: object) -> str | None:
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return None
    code = _STATUSES.get(cleaned)
    if code is None and cleaned in _UNRECORDED_STATUSES:
        raise CellError(
            _(
                "“%(value)s”是本平台尚未登记的党籍状态，不能按其他状态导入；"
                "请先按“正常”导入，再按规定办理。可填：%(accepted)s。"
            )
            % {"value": cleaned, "accepted": ACCEPTED["status"]}
        )
    if code is None:
        raise CellError(
            _("“%(value)s”不是有效的党籍状态，可填：%(accepted)s。")
            % {"value": cleaned, "accepted": ACCEPTED["status"]}
        )
    return str(code)


def parse_phone(value: object) -> str | None:
    """联系电话, by the member builder's rule: an 11-digit mobile (a +86 prefix dropped) or a
    fixed line with its area code."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return normalise_phone(text(value)) or None
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def split_unit_post(value: object) -> tuple[str, str]:
    """工作单位及职务 → (工作单位, 职务): split at the last space or 、/，; else all unit."""
    cleaned = text(value)
    for separator in (" ", "、", "，", ","):
        if separator in cleaned:
            unit, _sep, post = cleaned.rpartition(separator)
            return unit.strip(), post.strip()
    return cleaned, ""
