"""The member builder (organisations/members.py): the rules every way in shares, checked
without a database query. The same rules through the form, the API and the roster import are
in core/tests/test_member_rules_everywhere.py."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.text import INVISIBLE
from organisations import members
from organisations.id_numbers import mask_phone
from organisations.members import (
    MIN_JOINING_AGE,
    PROBATION_YEARS,
    normalise_name,
    normalise_phone,
    prepare_member,
    probation_ends,
    years_after,
)
from organisations.models import Member, Organisation
from organisations.tests.factories import MemberFactory, id_number_for

TODAY = date(2025, 6, 30)
BIRTH = date(1990, 5, 4)


def fields(**overrides):
    values = {
        "name": "卓玛 · 央金",
        "sex": "female",
        "ethnicity": "04",
        "birth_date": BIRTH,
        "education": "bachelor",
        "joined_on": date(2015, 7, 1),
        "full_member_on": date(2016, 7, 1),
        "category": "full",
        # An unsaved organisation: the builder never looks it up.
        "organisation": Organisation(pk=1, name="甲支部", path="0001"),
        "phone": "13988776655",
        "status": "active",
    }
    values.update(overrides)
    return values


def prepare(id_number=None, **overrides):
    return prepare_member(
        fields(**overrides), id_number=id_number or id_number_for(BIRTH, "female"), today=TODAY
    )


@pytest.mark.django_db
def test_a_valid_member_is_normalised_encrypted_and_keyed_without_a_query(
    django_assert_num_queries,
):
    number = id_number_for(BIRTH, "female")
    with django_assert_num_queries(0):
        prepared = prepare(id_number=f" {number[:6]} {number[6:].lower()}\u00ad")
    assert prepared.errors == {}
    member = prepared.member
    assert member.pk is None
    assert member.name == "卓玛·央金"
    assert (member.name_pinyin, member.name_initials) == ("zhuomayangjin", "zmyj")
    assert member.id_number == number and number not in member.id_number_encrypted
    assert member.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert member.id_last4 == number[-4:]
    assert prepared.id_info.birth_date == BIRTH


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"joined_on": date(2030, 1, 1)}, "joined_on", "入党日期不能晚于今天"),
        ({"full_member_on": date(2025, 7, 1)}, "full_member_on", "转正日期不能晚于今天"),
        ({"joined_on": date(2000, 5, 4)}, "joined_on", "年满 18 周岁之日（2008-05-04）"),
        ({"joined_on": date(1989, 1, 1)}, "joined_on", "年满 18 周岁"),
        ({"full_member_on": date(2014, 1, 1)}, "full_member_on", "转正日期不能早于入党日期"),
        ({"category": "probationary"}, "full_member_on", "预备党员时不应填写转正日期"),
        ({"phone": "abc"}, "phone", "联系电话“abc”无效"),
        ({"phone": "12345"}, "phone", "联系电话“12345”无效"),
        ({"sex": "male"}, "sex", "性别与身份证号码不符"),
        ({"birth_date": date(1990, 5, 5)}, "birth_date", "号码显示为 1990-05-04"),
        ({"ethnicity": "99"}, "ethnicity", "99"),
        ({"organisation": None}, "organisation", "请选择所在党组织"),
    ],
)
def test_each_rule_names_its_field(overrides, field, fragment):
    prepared = prepare(**overrides)
    assert list(prepared.messages) == [field]
    assert fragment in " ".join(prepared.messages[field])
    with pytest.raises(ValidationError) as excinfo:
        prepared.raise_errors()
    assert list(excinfo.value.message_dict) == [field]


def test_joining_on_the_eighteenth_birthday_is_allowed():
    of_age = years_after(BIRTH, MIN_JOINING_AGE)
    assert prepare(joined_on=of_age, full_member_on=probation_ends(of_age)).errors == {}
    assert "joined_on" in prepare(joined_on=date(2008, 5, 3)).errors


def test_a_month_only_join_date_counts_from_the_end_of_its_month():
    # 2008.05 may be 4 May or later: not refused; 2008.04 cannot be.
    assert prepare(joined_on=date(2008, 5, 1), joined_on_precision="month").errors == {}
    assert "joined_on" in prepare(joined_on=date(2008, 4, 1), joined_on_precision="month").errors


def test_a_bad_id_number_is_reported_and_nothing_derived_from_it():
    prepared = prepare(id_number="53340119900504002")
    assert "18 位" in prepared.messages["id_number"][0]
    assert not prepared.member.id_number_digest


def test_an_id_number_is_required_to_create():
    prepared = prepare_member(fields(), today=TODAY)
    assert "请填写身份证号码" in prepared.messages["id_number"][0]


def test_unknown_fields_are_a_programming_error():
    with pytest.raises(TypeError, match="id_number_masked"):
        prepare_member(fields(id_number_masked="x"), id_number="1", today=TODAY)


@pytest.mark.django_db
def test_updating_leaves_the_stored_member_alone_and_reads_no_database(
    django_assert_num_queries,
):
    stored = MemberFactory(name="王芳", sex="female", phone="13900001111")
    with django_assert_num_queries(0):
        prepared = prepare_member({"name": "王 小芳", "phone": "0887 8221234"}, member=stored)
    assert prepared.errors == {}
    assert (prepared.member.pk, prepared.member.name, prepared.member.phone) == (
        stored.pk,
        "王小芳",
        "0887-8221234",
    )
    assert prepared.member.name_initials == "wxf"
    assert (stored.name, stored.phone, stored.name_initials) == ("王芳", "13900001111", "wf")


@pytest.mark.django_db
def test_an_update_of_sex_is_checked_against_the_stored_number():
    stored = MemberFactory(sex="male")
    prepared = prepare_member({"sex": "female"}, member=stored)
    assert "性别与身份证号码不符" in prepared.messages["sex"][0]


@pytest.mark.django_db
def test_the_duplicate_check_is_one_query(django_assert_num_queries):
    stored = MemberFactory()
    twin = prepare(id_number=stored.id_number, sex="male", birth_date=stored.birth_date).member
    with django_assert_num_queries(1), pytest.raises(ValidationError) as excinfo:
        members.check_id_number_free(twin)
    assert excinfo.value.message_dict == {"id_number": ["该身份证号码已登记在册。"]}
    members.check_id_number_free(stored)  # its own number is not a duplicate
    with django_assert_num_queries(1):
        assert members.registered_id_digests(
            [stored.id_number_digest, twin.id_number_digest, "x" * 64]
        ) == {stored.id_number_digest}


# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13887654321", "13887654321"),
        ("138 8765 4321", "13887654321"),
        ("138-8765-4321", "13887654321"),
        ("+86 138 8765 4321", "13887654321"),
        ("１３８８７６５４３２１", "13887654321"),
        ("0887-8221234", "0887-8221234"),
        ("0887 8221234", "0887-8221234"),
        ("(0887)8221234", "0887-8221234"),
        ("08878221234", "0887-8221234"),
        ("0887—8221234", "0887-8221234"),
        ("010-62345678", "010-62345678"),
        ("0887-8221234-801", "0887-8221234-801"),
        ("", ""),
        (None, ""),
    ],
)
def test_phones_people_write_are_stored_in_one_form(raw, stored):
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["abc", "12345", "8221234", "12887654321", "1388765432", "138876543210", "0887-12345"],
)
def test_phones_that_are_neither_a_mobile_nor_a_fixed_line_with_area_code(raw):
    with pytest.raises(ValidationError) as excinfo:
        normalise_phone(raw)
    assert "联系电话" in excinfo.value.messages[0] and "0887-8221234" in excinfo.value.messages[0]


@given(st.text(max_size=24))
def test_a_stored_phone_reads_back_as_itself(raw):
    try:
        stored = normalise_phone(raw)
    except ValidationError:
        return
    assert normalise_phone(stored) == stored
    # Stored encrypted; its mask, shown on screen, fits its column without being cut.
    assert len(mask_phone(stored)) <= Member._meta.get_field("phone_masked").max_length


# --- names and dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("王  芳", "王芳"),
        ("扎西•次仁", "扎西·次仁"),
        ("扎西∙次仁", "扎西·次仁"),
        ("扎西\u00ad次仁", "扎西次仁"),
        ("阿\u200b布", "阿布"),
        ("ＡＢ", "AB"),
    ],
)
def test_names(raw, expected):
    assert normalise_name(raw) == expected


@given(st.text(max_size=30))
def test_name_normalisation_is_idempotent_and_leaves_nothing_invisible(value):
    once = normalise_name(value)
    assert normalise_name(once) == once
    assert not set(once) & INVISIBLE
    assert not any(c.isspace() for c in once)


def test_a_latin_name_still_has_search_keys():
    assert members.name_search_keys("Anna·卓玛") == ("annazhuoma", "azm")


def test_probation_is_one_year_and_29_february_ends_on_28_february():
    assert PROBATION_YEARS == 1
    assert probation_ends(date(2023, 7, 1)) == date(2024, 7, 1)
    assert probation_ends(date(2024, 2, 29)) == date(2025, 2, 28)
    assert years_after(date(2024, 2, 29), -1) == date(2023, 2, 28)


def test_checking_only_gives_the_same_verdict_without_deriving():
    for overrides in ({}, {"joined_on": date(2030, 1, 1)}, {"phone": "abc"}):
        full, check = (
            prepare(**overrides),
            prepare_member(
                fields(**overrides),
                id_number=id_number_for(BIRTH, "female"),
                today=TODAY,
                derive=False,
            ),
        )
        assert check.messages == full.messages
        assert not check.member.id_number_encrypted and not check.member.name_pinyin
