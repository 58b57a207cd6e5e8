"""居民身份证号码 — resident ID numbers (GB 11643-1999): normalise, parse, check, mask.

An 18-character number is a 6-digit region code, an 8-digit birth date, a 3-digit sequence
(odd 17th digit = male) and an ISO 7064 MOD 11-2 check character (0–9 or X).

Pure functions, no database: the roster import, member forms and the demo seed all share them.
"""

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.text import drop_invisible

# Province-level codes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macao included: residents
# there can hold mainland-format numbers; 83 is the Taiwan residents' residence permit).
PROVINCE_CODES = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,  # 830000: residence permits of Taiwan residents (港澳台居民居住证, 2018)
    )
)

# 迪庆藏族自治州. 533421 中甸县 became 香格里拉县 in 2001 and 香格里拉市 (533401) in 2014;
# a person's number never changes with the county's name, so many IDs still carry 533421.
DIQING_COUNTY_CODES = {
    "533401": "香格里拉市",
    "533421": "中甸县",
    "533422": "德钦县",
    "533423": "维西傈僳族自治县",
}

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"

# Excel shows long numbers as 5.33401E+17 and keeps only 15 significant digits; a number
# read back through a float can also arrive as "533401199001011000.0".
_EXCEL_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+|[0-9]+\.[0-9]*", re.ASCII)
_WELL_FORMED = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)

MESSAGES = {
    "empty": _("请填写身份证号码。"),
    "excel_number": _(
        "身份证号码“%(value)s”已被 Excel 当作数字保存，后几位已经丢失。"
        "请把该列设置为“文本”格式，再重新输入完整号码。"
    ),
    "length": _("身份证号码应为 18 位，实为 %(length)s 位。"),
    "characters": _(
        "身份证号码前 17 位只能是数字，最后一位只能是数字或 X"
        "（第 %(position)s 位是“%(character)s”）。"
    ),
    "region": _("身份证号码前两位“%(code)s”不是有效的省级行政区划代码。"),
    "birth_date": _("身份证号码第 7–14 位“%(digits)s”不是有效的出生日期。"),
    "birth_date_future": _("身份证号码中的出生日期 %(date)s 晚于今天。"),
    "birth_date_too_old": _("身份证号码中的出生日期 %(date)s 早于 1900 年。"),
    "checksum": _("身份证号码校验码应为 %(expected)s，实为 %(actual)s，请核对号码是否抄错。"),
}

_SEX_LABELS = {"male": _("男"), "female": _("女")}
_SEX_ALIASES = {"male": "male", "female": "female", "男": "male", "女": "female"}


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid ID number tells: its normalised form, region, birth date and sex."""

    number: str
    region_code: str
    birth_date: date
    sex: str  # "male" or "female"

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    def age_on(self, day: date) -> int:
        """Whole years of age on `day` (a 29 February birthday counts from 1 March)."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


def _compact(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raise TypeError("expected text or a number, got a boolean")
    text = str(raw)
    # Removing a space can join a base letter to a combining mark that NFKC then composes, so
    # repeat until nothing changes: this keeps normalising idempotent (it settles in 2–3 rounds).
    while True:
        cleaned = "".join(drop_invisible(unicodedata.normalize("NFKC", text)).split())
        if cleaned == text:
            return cleaned
        text = cleaned


def normalise_id_number(raw: object) -> str:
    """The canonical text of an ID number as typed, pasted or read from a cell.

    Removes every space (also inside), maps full-width digits and letters to ASCII (NFKC) and
    writes the check character x as X. An int gives its digits. Does not validate: see
    parse_id_number.
    """
    return _compact(raw).replace("x", "X")


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (0–9 or X) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _invalid(error_code: str, /, **params: object) -> ValidationError:
    return ValidationError(MESSAGES[error_code], code=error_code, params=params or None)


def _looks_truncated_by_excel(raw: object, number: str) -> bool:
    # A cell Excel stored as a number reaches us as int/float with only 15 significant digits:
    # the last three are zeros and the check digit almost never fits. A typed string ending in
    # 000 is left to the checksum message, since it may be just a typo.
    return (
        not isinstance(raw, str)
        and _WELL_FORMED.fullmatch(number) is not None
        and number.endswith("000")
        and check_digit(number[:17]) != number[17]
    )


def parse_id_number(value: object, *, today: date | None = None) -> IdNumberInfo:
    """Validate an ID number and return what it encodes.

    Raises ValidationError with the first failing check, each with its own code (see MESSAGES)
    so the roster import can report the exact problem per row.
    """
    number = normalise_id_number(value)
    if not number:
        raise _invalid("empty")
    if isinstance(value, float) or _EXCEL_NUMBER.fullmatch(number):
        raise _invalid("excel_number", value=number)
    if len(number) != 18:
        raise _invalid("length", length=len(number))
    if not _WELL_FORMED.fullmatch(number):
        position = next(
            index
            for index, character in enumerate(number)
            if not ("0" <= character <= "9" or (index == 17 and character == "X"))
        )
        raise _invalid("characters", position=position + 1, character=number[position])
    if _looks_truncated_by_excel(value, number):
        raise _invalid("excel_number", value=number)
    if number[:2] not in PROVINCE_CODES:
        raise _invalid("region", code=number[:2])
    digits = number[6:14]
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise _invalid("birth_date", digits=digits) from None
    if today is None:
        today = timezone.localdate()
    if birth_date > today:
        raise _invalid("birth_date_future", date=birth_date.isoformat())
    if birth_date < EARLIEST_BIRTH_DATE:
        raise _invalid("birth_date_too_old", date=birth_date.isoformat())
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise _invalid("checksum", expected=expected, actual=number[17])
    return IdNumberInfo(
        number=number,
        region_code=number[:6],
        birth_date=birth_date,
        sex="male" if int(number[16]) % 2 else "female",
    )


def consistency_problems(
    info: IdNumberInfo,
    *,
    sex: str | None = None,
    birth_date: date | None = None,
    birth_month: tuple[int, int] | None = None,
) -> list[str]:
    """Where separately recorded facts contradict the ID number; empty when they agree.

    `sex` is "male"/"female" (男/女 accepted); `birth_month` is (year, month) for records that
    only keep the month, as many paper rosters do. Messages are lazy, translated when shown.
    """
    problems = []
    if sex is not None:
        try:
            given = _SEX_ALIASES[sex]
        except KeyError:
            raise ValueError(f"unknown sex {sex!r}: expected 'male' or 'female'") from None
        if given != info.sex:
            problems.append(
                format_lazy(_("性别与身份证号码不符：号码显示为{sex}"), sex=_SEX_LABELS[info.sex])
            )
    if birth_date is not None and birth_date != info.birth_date:
        problems.append(
            format_lazy(
                _("出生日期与身份证号码不符：号码显示为 {date}"),
                date=info.birth_date.isoformat(),
            )
        )
    if birth_month is not None and tuple(birth_month) != (
        info.birth_date.year,
        info.birth_date.month,
    ):
        problems.append(
            format_lazy(
                _("出生年月与身份证号码不符：号码显示为 {year} 年 {month} 月"),
                year=info.birth_date.year,
                month=info.birth_date.month,
            )
        )
    return problems


def mask_id_number(number: object) -> str:
    """Show only the first 4 and last 4 characters: 5334**********1234.

    The region and the sequence stay readable for telling people apart in a list; the birth
    date, the most identifying part, never shows. Up to 8 characters everything is hidden,
    since keeping 4 + 4 would hide nothing.
    """
    text = normalise_id_number(number)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(phone: object) -> str:
    """Mask a phone number: 138****5678 for a mobile, else first 3 and last 2 kept."""
    text = _compact(phone).replace("-", "")
    if len(text) == 11 and text.isascii() and text.isdigit() and text.startswith("1"):
        return text[:3] + "****" + text[-4:]
    if len(text) < 6:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]


def generate_id_number(rng: random.Random, *, region_code: str, birth_date: date, sex: str) -> str:
    """A valid synthetic ID number for demo and test data; same rng state, same number."""
    if len(region_code) != 6 or not region_code.isascii() or not region_code.isdigit():
        raise ValueError(f"region_code must be 6 ASCII digits, got {region_code!r}")
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    sequence = f"{rng.randrange(100):02d}"
    sex_digit = rng.randrange(1 if sex == "male" else 0, 10, 2)
    first17 = (
        f"{region_code}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"
        f"{sequence}{sex_digit}"
    )
    return first17 + check_digit(first17)
