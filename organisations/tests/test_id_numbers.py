"""居民身份证号码: parsing, check digits, masking and synthetic numbers. No database.

Messages are lazy and only render with configured settings, so these tests assert on error
codes and params, never on message text.
"""

import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from organisations.id_numbers import (
    DIQING_COUNTY_CODES,
    MESSAGES,
    PROVINCE_CODES,
    IdNumberInfo,
    check_digit,
    consistency_problems,
    generate_id_number,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    parse_id_number,
)

# A fixed "today" keeps the tests independent of the clock and of Django settings.
TODAY = date(2025, 6, 30)

# The worked example of GB 11643-1999: 北京市朝阳区, born 1949-12-31, female.
STANDARD_EXAMPLE = "11010519491231002X"
# 香格里拉市, born 1990-01-01, male; check digit worked out by hand.
DIQING_EXAMPLE = "533401199001011234"

DIGITS = "0123456789"
FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in DIGITS + "Xx"}

region_codes = st.builds(
    str.__add__,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(DIGITS, min_size=4, max_size=4),
)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["male", "female"])


@st.composite
def people(draw):
    """A generated number with the facts it was built from."""
    region_code = draw(region_codes)
    birth_date = draw(birth_dates)
    sex = draw(sexes)
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    number = generate_id_number(rng, region_code=region_code, birth_date=birth_date, sex=sex)
    return number, region_code, birth_date, sex


def parse(value):
    return parse_id_number(value, today=TODAY)


def rejection(value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        parse(value)
    return excinfo.value


# --- check digit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("11010519491231002", "X"), ("53340119900101123", "4"), ("53342219850615052", "8")],
)
def test_check_digit_examples(first17, expected):
    assert check_digit(first17) == expected


@given(st.text(DIGITS, min_size=17, max_size=17))
def test_check_digit_satisfies_iso_7064_definition(first17):
    # The standard's own definition: sum of a_i * 2^(i-1) mod 11 over all 18 positions
    # (counted from the right, check character X = 10) is 1. Independent of the lookup tables.
    number = first17 + check_digit(first17)
    values = [10 if c == "X" else int(c) for c in number]
    total = sum(value * pow(2, 17 - index, 11) for index, value in enumerate(values))
    assert total % 11 == 1


@pytest.mark.parametrize("bad", ["", "1" * 16, "1" * 18, "1101051949123100X", "１" * 17])
def test_check_digit_rejects_anything_but_17_ascii_digits(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


# --- parsing valid numbers ------------------------------------------------------------------


def test_standard_example_parses():
    assert parse(STANDARD_EXAMPLE) == IdNumberInfo(
        number=STANDARD_EXAMPLE,
        region_code="110105",
        birth_date=date(1949, 12, 31),
        sex="female",
    )


def test_diqing_example_parses_from_text_and_from_an_integer_cell():
    expected = IdNumberInfo(
        number=DIQING_EXAMPLE, region_code="533401", birth_date=date(1990, 1, 1), sex="male"
    )
    assert parse(DIQING_EXAMPLE) == expected
    assert parse(int(DIQING_EXAMPLE)) == expected
    assert parse(" 5334 0119 9001 0112 34 ") == expected
    assert DIQING_COUNTY_CODES[expected.region_code] == "香格里拉市"


def test_lowercase_x_is_accepted():
    assert parse(STANDARD_EXAMPLE.lower()).number == STANDARD_EXAMPLE


def test_born_today_and_on_1900_01_01_are_accepted():
    rng = random.Random(0)
    for birth_date in (TODAY, date(1900, 1, 1)):
        number = generate_id_number(rng, region_code="533422", birth_date=birth_date, sex="female")
        assert parse(number).birth_date == birth_date


@given(people())
def test_generated_number_parses_back_to_its_facts(person):
    number, region_code, birth_date, sex = person
    info = parse(number)
    assert info.number == number
    assert info.region_code == region_code
    assert info.birth_date == birth_date
    assert info.sex == sex


@given(people(), st.integers(min_value=0, max_value=16), st.sampled_from(DIGITS))
def test_changing_one_of_the_first_17_digits_never_stays_valid(person, position, digit):
    number = person[0]
    if number[position] == digit:
        digit = str((int(digit) + 1) % 10)
    mutated = number[:position] + digit + number[position + 1 :]
    assert check_digit(mutated[:17]) != number[17]
    assert rejection(mutated).code in {
        "checksum",
        "region",
        "birth_date",
        "birth_date_future",
        "birth_date_too_old",
    }


@given(people(), st.integers(min_value=0, max_value=2**32))
def test_generation_is_deterministic(person, seed):
    _, region_code, birth_date, sex = person
    first, second = (
        generate_id_number(
            random.Random(seed), region_code=region_code, birth_date=birth_date, sex=sex
        )
        for _ in range(2)
    )
    assert first == second


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region_code": "53340", "birth_date": date(1990, 1, 1), "sex": "male"},
        {"region_code": "５３３４０１", "birth_date": date(1990, 1, 1), "sex": "male"},
        {"region_code": "533401", "birth_date": date(1990, 1, 1), "sex": "男"},
    ],
)
def test_generation_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        generate_id_number(random.Random(0), **kwargs)


# --- one error code per failure -------------------------------------------------------------

ERROR_EXAMPLES = [
    (None, "empty"),
    ("", "empty"),
    ("  \u3000\t", "empty"),
    ("5.33401E+17", "excel_number"),
    ("5.33401e17", "excel_number"),
    ("5.33401199001011E+17", "excel_number"),
    ("533401199001011234.0", "excel_number"),
    (5.33401199001011e17, "excel_number"),
    # An integer cell after Excel kept 15 significant digits.
    (533401199001011000, "excel_number"),
    ("53340119900101123", "length"),
    ("5334011990010112345", "length"),
    ("533401900101123", "length"),
    ("53340119900101123A", "characters"),
    ("5334011990010112X4", "characters"),
    ("53340119900101123٤", "characters"),
    ("003401199001011234", "region"),
    ("993401199001011234", "region"),
    ("533401199002301234", "birth_date"),
    ("533401000001011234", "birth_date"),
    ("533401203001011234", "birth_date_future"),
    ("533401189912311234", "birth_date_too_old"),
    ("11010519491231002３", "checksum"),
    ("533401199001011230", "checksum"),
]


@pytest.mark.parametrize(("value", "code"), ERROR_EXAMPLES)
def test_each_failure_has_its_code(value, code):
    error = rejection(value)
    assert error.code == code
    assert error.message is MESSAGES[code]


def test_every_message_code_is_exercised():
    assert {code for _, code in ERROR_EXAMPLES} == set(MESSAGES)


def test_error_params_name_the_problem():
    assert rejection("53340119900101123").params == {"length": 17}
    assert rejection("5334011990010112X4").params == {"position": 17, "character": "X"}
    assert rejection("993401199001011234").params == {"code": "99"}
    assert rejection("533401199002301234").params == {"digits": "19900230"}
    assert rejection("533401203001011234").params == {"date": "2030-01-01"}
    assert rejection(STANDARD_EXAMPLE[:17] + "3").params == {"expected": "X", "actual": "3"}


def test_a_typed_number_ending_in_000_is_a_checksum_error_not_excel():
    assert rejection("533401199001011000").code == "checksum"


def test_future_is_relative_to_today():
    tomorrow = generate_id_number(
        random.Random(0), region_code="533423", birth_date=date(2025, 7, 1), sex="male"
    )
    assert rejection(tomorrow).code == "birth_date_future"
    assert parse_id_number(tomorrow, today=date(2025, 7, 1)).birth_date == date(2025, 7, 1)


# --- normalising ----------------------------------------------------------------------------


@given(st.one_of(st.text(), st.integers()))
def test_normalise_is_idempotent(raw):
    once = normalise_id_number(raw)
    assert normalise_id_number(once) == once


@given(st.text())
def test_normalised_text_has_no_spaces_and_no_lowercase_x(raw):
    normalised = normalise_id_number(raw)
    assert not any(c.isspace() for c in normalised)
    assert "x" not in normalised


@given(people(), st.lists(st.sampled_from([" ", "\u3000", "\t", "\u00a0", "\u200b"])))
def test_full_width_input_equals_ascii_input(person, spaces):
    number = person[0]
    full_width = list(number.lower().translate(FULL_WIDTH))
    for index, space in enumerate(spaces):
        full_width.insert(index * 3 % (len(full_width) + 1), space)
    assert normalise_id_number("".join(full_width)) == number
    assert parse("".join(full_width)) == parse(number)


def test_normalise_examples():
    assert normalise_id_number(533401199001011234) == "533401199001011234"
    assert normalise_id_number("１１０１０５１９４９１２３１００２ｘ") == STANDARD_EXAMPLE
    assert normalise_id_number(None) == ""
    with pytest.raises(TypeError):
        normalise_id_number(True)


# --- consistency with other recorded facts ---------------------------------------------------


def test_consistent_facts_give_no_problems():
    info = parse(STANDARD_EXAMPLE)
    assert (
        consistency_problems(
            info, sex="female", birth_date=date(1949, 12, 31), birth_month=(1949, 12)
        )
        == []
    )
    assert consistency_problems(info, sex="女") == []
    assert consistency_problems(info) == []


def test_each_contradiction_is_one_problem():
    info = parse(STANDARD_EXAMPLE)
    assert len(consistency_problems(info, sex="male")) == 1
    assert len(consistency_problems(info, sex="男")) == 1
    assert len(consistency_problems(info, birth_date=date(1949, 12, 30))) == 1
    assert len(consistency_problems(info, birth_month=(1949, 11))) == 1
    assert len(consistency_problems(info, birth_month=(1950, 12))) == 1
    assert (
        len(
            consistency_problems(
                info, sex="male", birth_date=date(1950, 1, 1), birth_month=(1950, 1)
            )
        )
        == 3
    )


def test_unknown_sex_is_a_programming_error():
    with pytest.raises(ValueError):
        consistency_problems(parse(STANDARD_EXAMPLE), sex="F")


def test_age_on():
    info = parse(DIQING_EXAMPLE)
    assert info.age_on(date(2007, 12, 31)) == 17
    assert info.age_on(date(2008, 1, 1)) == 18
    assert info.province_code == "53"


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (DIQING_EXAMPLE, "5334**********1234"),
        (STANDARD_EXAMPLE.lower(), "1101**********002X"),
        ("", ""),
        (None, ""),
        ("1234567", "*******"),
        ("12345678", "********"),
        ("123456789", "1234*6789"),
    ],
)
def test_mask_id_number_examples(raw, masked):
    assert mask_id_number(raw) == masked


@given(people())
def test_mask_never_reveals_the_birth_date_and_sequence(person):
    number = person[0]
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[4:14] == "*" * 10
    assert masked[:4] + masked[14:] == number[:4] + number[14:]


@given(st.text())
def test_mask_keeps_at_most_eight_characters(raw):
    masked = mask_id_number(raw)
    assert len(masked.replace("*", "")) <= 8
    assert len(masked) == len(normalise_id_number(raw))


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0887-8221234", "088******34"),
        ("8221234", "822**34"),
        ("123456", "123*56"),
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone_examples(raw, masked):
    assert mask_phone(raw) == masked
