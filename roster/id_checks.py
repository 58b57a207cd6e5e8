"""What the roster import checks of an ID number beyond its form (organisations.id_numbers):
15-digit legacy numbers, and the county code against GB/T 2260's history.

People keep the number they were given: a county code unknown in its province, or one
abolished before the holder was born, is a warning for someone to look at, never a rejection.
The history is the one python-stdnum ships (stdnum/cn/loc.dat: every county code with the
years it was valid, e.g. 533421 "[-2000]中甸县,[2001-2013]香格里拉县").
"""

import re
from functools import lru_cache

from core.stored_text import deferred as _
from organisations.id_numbers import check_digit, mask_id_number, normalise_id_number

# 港澳台居民居住证 (2018): region codes 810000, 820000, 830000, not in the county history.
RESIDENCE_PERMIT_CODES = frozenset({"810000", "820000", "830000"})
_LEGACY = re.compile(r"[0-9]{15}", re.ASCII)
_YEARS = re.compile(r"\[(\d{4})?-(\d{4})?\]")


def upgrade_legacy(value: object) -> tuple[object, str]:
    """A 15-digit number (issued before 1999: 6-digit region, yymmdd, 3-digit sequence) as its
    18-digit form, "19" put before the year and the check digit computed, with a warning
    showing both (masked, like every number in a message); any other value unchanged."""
    if isinstance(value, float):
        return value, ""  # a number Excel mangled: parse_id_number explains it
    number = normalise_id_number(value)
    if not _LEGACY.fullmatch(number):
        return value, ""
    first17 = number[:6] + "19" + number[6:]
    upgraded = first17 + check_digit(first17)
    return upgraded, _(
        "15 位旧身份证号码 %(old)s 已换算为 18 位 %(new)s（出生年份前补“19”并计算校验码），请核对。"
    ) % {"old": mask_id_number(number), "new": mask_id_number(upgraded)}


@lru_cache(maxsize=4096)
def _counties(region_code: str) -> tuple[str, ...] | None:
    """The county names (with their [from-to] years) of a code; None when the code is not in
    the history at all, () when its province is known but not the county."""
    from stdnum import numdb

    info: dict[str, str] = {}
    for _part, properties in numdb.get("cn/loc").info(region_code):
        info.update(properties)
    if "province" not in info:
        return None
    if "county" not in info:
        return ()
    return tuple(info["county"].split(","))


def region_warning(region_code: str, birth_year: int) -> str:
    """Why the county code deserves a look, or ""."""
    if region_code in RESIDENCE_PERMIT_CODES:
        return ""
    counties = _counties(region_code)
    if counties is None:
        return ""  # the province itself is checked by parse_id_number
    if not counties:
        return _(
            "身份证号码前 6 位（行政区划代码 %(code)s）在 GB/T 2260 中查不到对应的县级单位，"
            "请核对号码（号码不会因区划调整而改变，确认无误可照常导入）。"
        ) % {"code": region_code}
    last_year = 0
    for county in counties:
        match = _YEARS.match(county)
        if match is None or match.group(2) is None:
            return ""  # still valid
        last_year = max(last_year, int(match.group(2)))
    if last_year and birth_year > last_year:
        return _(
            "身份证号码的行政区划代码 %(code)s 在 %(year)s 年已撤销，早于出生年份 %(birth)s，"
            "请核对号码。"
        ) % {"code": region_code, "year": last_year, "birth": birth_year}
    return ""
