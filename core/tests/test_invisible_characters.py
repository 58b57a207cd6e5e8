"""One set of invisible characters (core/text.py) for every parser of pasted personal data:
the ID number parser, the member builder's name and phone rules, and the roster's cells.
An ID number pasted with a soft hyphen was refused as 19 characters long by the ID parser
while the roster's own cleaning dropped it."""

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text import INVISIBLE, drop_invisible
from organisations.id_numbers import generate_id_number, normalise_id_number, parse_id_number
from organisations.members import normalise_name, normalise_phone
from roster import normalise

TODAY = date(2025, 6, 30)
NUMBER = generate_id_number(
    random.Random(1), region_code="533401", birth_date=date(1990, 5, 4), sex="female"
)


@pytest.mark.parametrize("character", sorted(INVISIBLE), ids=lambda c: f"U+{ord(c):04X}")
def test_each_invisible_character_is_dropped_by_every_parser(character):
    pasted = NUMBER[:6] + character + NUMBER[6:]
    assert parse_id_number(pasted, today=TODAY).number == NUMBER
    assert parse_id_number(normalise.id_number_cell(pasted), today=TODAY).number == NUMBER
    assert normalise.text(f"王{character}芳") == "王芳"
    assert normalise.person_name(f"王{character}芳") == "王芳"
    assert normalise_name(f"王{character}芳") == "王芳"
    assert normalise_phone(f"138{character}87654321") == "13887654321"


def test_a_soft_hyphen_no_longer_makes_an_id_number_19_characters_long():
    assert normalise_id_number(NUMBER[:10] + "\u00ad" + NUMBER[10:]) == NUMBER


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["male", "female"]),
    seed=st.integers(0, 2**16),
    insertions=st.lists(
        st.tuples(st.integers(0, 18), st.sampled_from(sorted(INVISIBLE))), max_size=6
    ),
)
def test_invisible_characters_anywhere_leave_the_number_intact(birth, sex, seed, insertions):
    number = generate_id_number(
        random.Random(seed), region_code="533401", birth_date=birth, sex=sex
    )
    pasted = number
    for position, character in insertions:
        pasted = pasted[:position] + character + pasted[position:]
    assert drop_invisible(pasted) == number
    assert parse_id_number(pasted, today=TODAY).number == number
    assert normalise.text(pasted) == number
