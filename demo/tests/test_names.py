"""Synthetic demo names (姓名) for Diqing. No database."""

import random
import re
from collections import Counter

import pytest

from demo.names import ETHNICITY_WEIGHTS, person_name, pick_ethnicity
from organisations.reference_data import Ethnicity

# 2–9 CJK ideographs, with at most one middle dot between two of them.
NAME = re.compile(r"[\u4e00-\u9fff]+(·[\u4e00-\u9fff]+)?")
SAMPLE_SIZE = 3000


def sample(seed: int, size: int = SAMPLE_SIZE) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    people = []
    for _ in range(size):
        ethnicity = pick_ethnicity(rng)
        sex = rng.choice(["male", "female"])
        people.append((ethnicity, sex, person_name(rng, ethnicity, sex)))
    return people


@pytest.fixture(scope="module")
def people():
    return sample(seed=20250630)


def test_same_seed_same_names():
    assert sample(seed=7, size=300) == sample(seed=7, size=300)


def test_different_seeds_differ():
    assert sample(seed=7, size=50) != sample(seed=8, size=50)


def test_names_are_two_to_nine_cjk_characters(people):
    for _, _, name in people:
        assert NAME.fullmatch(name), name
        assert 2 <= len(name.replace("·", "")) <= 9, name


def test_tibetan_names_are_two_two_syllable_names_joined_by_a_dot(people):
    tibetan = [name for ethnicity, _, name in people if ethnicity == Ethnicity.TIBETAN]
    assert tibetan
    for name in tibetan:
        first, second = name.split("·")
        assert len(first) == len(second) == 2
        assert first != second


def test_only_tibetan_names_carry_the_dot(people):
    for ethnicity, _, name in people:
        assert ("·" in name) == (ethnicity == Ethnicity.TIBETAN), name


def test_sex_shapes_tibetan_names():
    rng = random.Random(1)
    female = {person_name(rng, Ethnicity.TIBETAN, "female") for _ in range(300)}
    male = {person_name(rng, Ethnicity.TIBETAN, "male") for _ in range(300)}
    assert any("卓玛" in name or "拉姆" in name for name in female)
    assert not any("卓玛" in name or "拉姆" in name for name in male)
    assert not any("扎西" in name or "多吉" in name for name in female)


def test_naxi_names_are_mostly_he():
    rng = random.Random(2)
    names = [person_name(rng, Ethnicity.NAXI, rng.choice(["male", "female"])) for _ in range(500)]
    assert sum(name.startswith("和") for name in names) > 150


def test_ethnicities_are_gb_codes_in_the_expected_mix(people):
    assert set(ETHNICITY_WEIGHTS) <= set(Ethnicity.values)
    assert sum(ETHNICITY_WEIGHTS.values()) == pytest.approx(100)
    counts = Counter(ethnicity for ethnicity, _, _ in people)
    # Share in percent, with room for sampling noise (about ±3 points at 35 %).
    for code, low, high in [
        (Ethnicity.TIBETAN, 31, 39),
        (Ethnicity.HAN, 21, 29),
        (Ethnicity.NAXI, 9, 15),
        (Ethnicity.LISU, 9, 15),
        (Ethnicity.BAI, 6, 10.5),
        (Ethnicity.YI, 3.5, 6.5),
    ]:
        assert low <= 100 * counts[code] / SAMPLE_SIZE <= high, (code, counts[code])
    others = SAMPLE_SIZE - sum(
        counts[code]
        for code in (
            Ethnicity.TIBETAN,
            Ethnicity.HAN,
            Ethnicity.NAXI,
            Ethnicity.LISU,
            Ethnicity.BAI,
            Ethnicity.YI,
        )
    )
    assert 1 <= 100 * others / SAMPLE_SIZE <= 5.5


def test_few_exact_duplicates(people):
    names = [name for _, _, name in people]
    # Namesakes happen (Tibetan names especially), but a demo roster should not be full of them.
    assert len(names) - len(set(names)) < 0.05 * len(names)


def test_people_without_a_pool_get_han_style_names():
    name = person_name(random.Random(3), "55", "female")
    assert NAME.fullmatch(name) and len(name) == 3


def test_unknown_sex_is_rejected():
    with pytest.raises(ValueError):
        person_name(random.Random(0), Ethnicity.HAN, "女")
