"""The header synonym table (roster.columns), entry by entry, and the value readers
(roster.normalise) on every value form they accept, with Hypothesis for the rest."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roster import mapping, normalise
from roster.columns import FIELDS, auto_mapping, field_for_header, header_key
from roster.normalise import CellError

SYNONYMS = [(synonym, field.key) for field in FIELDS for synonym in field.synonyms]


@pytest.mark.parametrize(("synonym", "field"), SYNONYMS, ids=[s for s, _f in SYNONYMS])
def test_each_synonym_names_its_field(synonym, field):
    assert field_for_header(synonym) == field
    # As templates decorate it: a required marker, a hint, spaces, full-width letters.
    assert field_for_header(f"*{synonym}（必填）") == field
    assert field_for_header(" ".join(synonym)) == field


def test_no_synonym_names_two_fields():
    keys = [header_key(synonym) for synonym, _field in SYNONYMS]
    assert len(keys) == len(set(keys))


def test_a_second_column_of_a_field_stays_unmatched():
    assert auto_mapping(["姓名", "职务", "现任职务"]) == ["name", "post", None]


VALUES = {
    normalise.parse_category: {
        "正式党员": "full",
        "正": "full",
        "中共党员": "full",
        "预备党员": "probationary",
        "预": "probationary",
        "中共预备党员": "probationary",
    },
    normalise.parse_status: {
        "正常": "active",
        "在籍": "active",
        "出国（境）保留党籍": "active",
        "已转出": "transferred_out",
        "组织关系转出": "transferred_out",
        "逝世": "deceased",
        "自行脱党": "lapsed",
        "退党": "withdrawn",
        "开除党籍": "expelled",
        "停止党籍": "suspended",
        "停止党籍中": "suspended",
    },
    normalise.parse_education: {
        "博士生": "postgraduate",
        "党校研究生": "postgraduate",
        "研究生（同等学力）": "postgraduate",
        "党校大学": "bachelor",
        "大学本科（等效）": "bachelor",
        "大学本科(等效)": "bachelor",
        "党校大专": "college",
        "大专以下": "high_school",
        "初中": "junior_or_below",
    },
    normalise.parse_sex: {"男": "male", "女性": "female"},
}


@pytest.mark.parametrize(
    ("reader", "value", "expected"),
    [(reader, value, code) for reader, values in VALUES.items() for value, code in values.items()],
)
def test_value_forms_organs_use(reader, value, expected):
    assert reader(value) == expected
    assert reader(f" {value} ") == expected  # padded cells


@pytest.mark.parametrize(
    ("reader", "value", "accepted"),
    [
        (normalise.parse_category, "党员", "可填：正式党员、预备党员"),
        (normalise.parse_status, "予以除名", "尚未登记的党籍状态"),
        (normalise.parse_status, "在逃", "可填：正常、已转出"),
        (normalise.parse_education, "博士后", "可填：研究生、大学本科"),
        (normalise.parse_sex, "未知", "可填：男、女"),
    ],
)
def test_a_value_that_cannot_be_read_lists_the_accepted_ones(reader, value, accepted):
    with pytest.raises(CellError, match=accepted):
        reader(value)


@given(st.text(max_size=12))
def test_value_readers_never_fail_otherwise(value):
    """Any text: a code, None for blank, or a CellError with a message; nothing else."""
    for reader in (
        normalise.parse_category,
        normalise.parse_status,
        normalise.parse_education,
        normalise.parse_sex,
        normalise.parse_ethnicity,
    ):
        try:
            result = reader(value)
        except CellError as exc:
            assert exc.message
        else:
            assert result is None or isinstance(result, str)


@given(
    st.sampled_from(sorted(VALUES[normalise.parse_education])), st.sampled_from(["（等效）", ""])
)
def test_equivalent_education_reads_as_its_level(value, suffix):
    if value.endswith(("）", ")")):
        suffix = ""
    assert normalise.parse_education(value + suffix) == normalise.parse_education(value)


def columns(*headers):
    return [{"index": i, "header": h, "field": f} for i, (h, f) in enumerate(headers)]


def test_content_check_keeps_fitting_columns_and_never_forces():
    checked = mapping.check(
        columns(("党籍状态", "status"), ("备注", None), ("学历", "education")),
        [["正常", "调入", "本科"], ["已故", "", "大学（等效）"]],
    )
    assert [c["field"] for c in checked] == ["status", None, "education"]
    assert not any(c["reason"] for c in checked)


def test_content_check_never_quotes_id_numbers():
    checked = mapping.check(
        columns(("号码", None)), [["533401198503120028"], ["53340119850312002X"]]
    )
    assert checked[0]["field"] == "id_number" and "5334" not in checked[0]["reason"]
