"""Cell normalisers of the roster import, and the ID validator as the import uses it."""

import random
import unicodedata
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from organisations.id_numbers import generate_id_number, parse_id_number
from roster import normalise
from roster.columns import auto_mapping, field_for_header, header_key
from roster.normalise import CellError

TODAY = date(2025, 6, 30)
FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789Xx"}


def parse(value, number_format=None, typed=True):
    return normalise.parse_date(value, number_format, typed=typed)


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("1985.03", date(1985, 3, 1), "month"),
        ("1985.3", date(1985, 3, 1), "month"),
        ("1985年3月", date(1985, 3, 1), "month"),
        ("1985年03月", date(1985, 3, 1), "month"),
        ("1985/03", date(1985, 3, 1), "month"),
        ("1985-03", date(1985, 3, 1), "month"),
        ("198503", date(1985, 3, 1), "month"),
        (198503, date(1985, 3, 1), "month"),
        ("1985-3-12", date(1985, 3, 12), "day"),
        ("1985.03.12", date(1985, 3, 12), "day"),
        ("1985/3/12", date(1985, 3, 12), "day"),
        ("1985年3月12日", date(1985, 3, 12), "day"),
        ("1985年3月12号", date(1985, 3, 12), "day"),
        ("19850312", date(1985, 3, 12), "day"),
        (19850312, date(1985, 3, 12), "day"),
        (19850312.0, date(1985, 3, 12), "day"),
        ("１９８５．０３", date(1985, 3, 1), "month"),
        (" 1985 . 03 ", date(1985, 3, 1), "month"),
        ("1985-03-12 00:00:00", date(1985, 3, 12), "day"),
        (datetime(1985, 3, 12), date(1985, 3, 12), "day"),
        (date(1985, 3, 12), date(1985, 3, 12), "day"),
        (1985.03, date(1985, 3, 1), "month"),
        (1985.12, date(1985, 12, 1), "month"),
        (31118, date(1985, 3, 12), "day"),  # an Excel serial day number
    ],
)
def test_dates_as_people_type_them(value, expected, precision):
    parsed = parse(value)
    assert (parsed.value, parsed.precision, parsed.warning) == (expected, precision, "")


def test_excel_date_formatted_to_the_month_keeps_month_precision():
    assert parse(datetime(1985, 3, 1), "yyyy.mm").precision == "month"
    assert parse(datetime(1985, 3, 1), 'yyyy"年"m"月"').precision == "month"
    assert parse(datetime(1985, 3, 1), "yyyy-mm-dd h:mm:ss").precision == "day"
    assert parse(datetime(1985, 3, 1), "General").precision == "day"


def test_a_number_that_lost_its_trailing_zero_is_flagged():
    # Excel shows 1985.10 (October) typed into a General cell as 1985.1.
    parsed = parse(1985.1)
    assert parsed.value == date(1985, 1, 1)
    assert "10 月" in parsed.warning
    # With two decimals shown, the cell is unambiguous.
    assert parse(1985.1, "0.00") == normalise.ParsedDate(date(1985, 10, 1), "month")
    # Typed as text in a workbook it is January; from a CSV it may have been a number.
    assert parse("1985.1").warning == ""
    assert parse("1985.1", typed=False).warning


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1985", "只有年份"),
        (1985, "只有年份"),
        ("85.03", "4 位"),
        ("1985.13", "超出范围"),
        ("1985-02-30", "超出范围"),
        ("1899.12", "早于 1900"),
        ("去年三月", "不是可识别的日期"),
        (True, "不是日期"),
    ],
)
def test_dates_that_cannot_be_understood_say_why(value, fragment):
    with pytest.raises(CellError, match=fragment):
        parse(value)


def test_a_future_date_is_read_and_left_to_the_member_rules():
    # Whether a date may lie in the future is the member builder's rule, the same for the
    # form, the API and the import (organisations/tests/test_members.py).
    assert parse("2099.01") == normalise.ParsedDate(date(2099, 1, 1), "month")


def test_blank_date_is_none():
    assert parse(None) is None
    assert parse("  ") is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_every_day_written_every_way_reads_back(day):
    for value in (
        datetime(day.year, day.month, day.day),
        f"{day.year}-{day.month}-{day.day}",
        f"{day:%Y.%m.%d}",
        f"{day.year}年{day.month}月{day.day}日",
        int(day.strftime("%Y%m%d")),
        f"{day:%Y/%m/%d}".translate(FULL_WIDTH),
    ):
        assert parse(value) == normalise.ParsedDate(day, "day"), value


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_every_month_written_every_way_reads_back_as_a_month(day):
    first = day.replace(day=1)
    for value in (f"{day.year}.{day.month:02d}", f"{day.year}年{day.month}月", f"{day:%Y/%m}"):
        assert parse(value) == normalise.ParsedDate(first, "month"), value


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=True)))
def test_date_parser_never_fails_otherwise(value):
    try:
        parsed = parse(value)
    except CellError as exc:
        assert exc.message
    else:
        assert parsed is None or date(1900, 1, 1) <= parsed.value


# --- text and names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("王  芳", "王芳"),
        (" 王　芳 ", "王芳"),  # ideographic space
        ("扎西·次仁", "扎西·次仁"),
        ("扎西•次仁", "扎西·次仁"),
        ("扎西‧次仁", "扎西·次仁"),
        ("扎西・次仁", "扎西·次仁"),
        ("扎西･次仁", "扎西·次仁"),
        ("扎西.次仁", "扎西·次仁"),
        ("扎西∙次仁", "扎西·次仁"),
        ("阿\u200b布", "阿布"),
    ],
)
def test_names(raw, expected):
    assert normalise.person_name(raw) == expected


@given(st.text(max_size=30))
def test_text_is_idempotent_and_trimmed(value):
    once = normalise.text(value)
    assert normalise.text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert unicodedata.normalize("NFKC", once) == once


@given(st.text(max_size=30))
def test_person_name_is_idempotent_without_spaces_or_odd_dots(value):
    once = normalise.person_name(value)
    assert normalise.person_name(once) == once
    assert not any(c.isspace() for c in once)
    assert not set(once) & set("•‧・･∙")


# --- coded values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("藏族", "04"),
        ("藏", "04"),
        (" 藏 ", "04"),
        ("汉", "01"),
        ("傈僳", "20"),
        ("04", "04"),
        (4, "04"),
        ("维族", "05"),
        ("纳西族", "27"),
    ],
)
def test_ethnicity_short_forms(raw, code):
    assert normalise.parse_ethnicity(raw) == code


def test_unknown_ethnicity():
    with pytest.raises(CellError, match="56 个民族"):
        normalise.parse_ethnicity("火星族")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("男", "male"), ("女性", "female"), ("M", "male"), ("Ｆ", "female"), ("", None)],
)
def test_sex(raw, value):
    assert normalise.parse_sex(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("本科", "bachelor"),
        ("大学本科", "bachelor"),
        ("大专", "college"),
        ("硕士研究生", "postgraduate"),
        ("中专", "secondary_vocational"),
        ("初中", "junior_or_below"),
    ],
)
def test_education(raw, value):
    assert normalise.parse_education(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (13887654321, "13887654321"),
        (13887654321.0, "13887654321"),
        ("138 8765 4321", "13887654321"),
        ("+86 13887654321", "13887654321"),
        ("0887-8221234", "0887-8221234"),
        ("", None),
    ],
)
def test_phone(raw, value):
    assert normalise.parse_phone(raw) == value


def test_bad_phone():
    with pytest.raises(CellError):
        normalise.parse_phone("12345")


def test_unit_and_post_split():
    assert normalise.split_unit_post("州财政局 科长") == ("州财政局", "科长")
    assert normalise.split_unit_post("州财政局办公室、主任") == ("州财政局办公室", "主任")
    assert normalise.split_unit_post("州财政局") == ("州财政局", "")


def test_category_and_status():
    assert normalise.parse_category("预备") == "probationary"
    assert normalise.parse_status("已转出") == "transferred_out"
    with pytest.raises(CellError):
        normalise.parse_category("积极分子")


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("身份证号", "id_number"),
        ("身份证号码", "id_number"),
        ("公民身份号码", "id_number"),
        ("*身份证号码（18位）", "id_number"),
        ("出生年月", "birth_date"),
        ("出生日期", "birth_date"),
        ("入党时间", "joined_on"),
        ("入党日期", "joined_on"),
        ("转正时间", "full_member_on"),
        ("人员类别", "category"),
        ("党员类别", "category"),
        ("联系电话", "phone"),
        ("手机号码", "phone"),
        ("所在党支部", "organisation"),
        ("工作单位及职务", "unit_post"),
        ("姓  名", "name"),
        ("入党\n时间", "joined_on"),
        ("备注", None),
    ],
)
def test_header_synonyms(header, field):
    assert field_for_header(header) == field


def test_second_column_with_the_same_meaning_stays_unmatched():
    assert auto_mapping(["姓名", "职务", "现任职务"]) == ["name", "post", None]
    assert header_key(" 姓 名： ") == "姓名"


# --- the ID validator on cells ------------------------------------------------------------

people = st.builds(
    lambda seed, day, sex: generate_id_number(
        random.Random(seed), region_code="533401", birth_date=day, sex=sex
    ),
    st.integers(0, 2**32),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.sampled_from(["male", "female"]),
)


@given(people)
def test_an_id_typed_any_way_parses_to_the_same_number(number):
    variants = [
        number,
        number.translate(FULL_WIDTH),
        f" {number[:6]} {number[6:]} ",
        number.lower(),
    ]
    if number[-1] != "X":
        variants.append(int(number))
    for variant in variants:
        assert parse_id_number(normalise.id_number_cell(variant), today=TODAY).number == number


@given(people)
def test_an_id_excel_stored_as_a_number_is_refused_with_the_reason(number):
    if number[-1] == "X":
        return
    mangled = float(number)  # what openpyxl reads from a cell Excel keeps as a number
    with pytest.raises(ValidationError) as caught:
        parse_id_number(mangled, today=TODAY)
    assert caught.value.code == "excel_number"
    # As text, the way a CSV carries it.
    with pytest.raises(ValidationError) as caught:
        parse_id_number(f"{mangled:.5E}".replace("E+", "E+"), today=TODAY)
    assert caught.value.code == "excel_number"


def test_a_masked_id_says_it_is_masked():
    with pytest.raises(CellError, match="脱敏"):
        normalise.id_number_cell("5334**********1234")
