"""Working days on the national calendar, with the committee's overrides and a fallback."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.models import WorkdayOverride
from core.workdays import add_workdays, is_workday, workdays_between

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=TZ)


@pytest.mark.django_db
def test_the_national_day_week_is_skipped():
    # Tuesday 30 September 2025: the next working day is Thursday 9 October.
    assert add_workdays(at(2025, 9, 30), 1) == at(2025, 10, 9)
    # 9, 10, 11 (Saturday, 调休), 13, 14 October.
    assert add_workdays(at(2025, 9, 30), 5) == at(2025, 10, 14)


@pytest.mark.django_db
def test_an_adjusted_working_sunday_counts():
    # 调休: Sunday 28 September 2025 is a working day, Saturday 27 is not.
    assert is_workday(date(2025, 9, 28))
    assert not is_workday(date(2025, 9, 27))
    assert add_workdays(at(2025, 9, 26), 1) == at(2025, 9, 28)


@pytest.mark.django_db
def test_the_spring_festival_2026():
    # Saturday 14 February 2026 is an adjusted working day; 15–23 February are off.
    assert add_workdays(at(2026, 2, 13), 1) == at(2026, 2, 14)
    assert add_workdays(at(2026, 2, 14), 1) == at(2026, 2, 24)


@pytest.mark.django_db
def test_a_year_past_the_package_data_falls_back_to_weekdays():
    # chinesecalendar raises NotImplementedError for 2031; a deadline is still counted.
    assert is_workday(date(2031, 1, 3))  # a Friday
    assert not is_workday(date(2031, 1, 4))  # a Saturday
    assert add_workdays(at(2031, 1, 3), 1) == at(2031, 1, 6)


@pytest.mark.django_db
def test_the_override_table_wins_over_both():
    WorkdayOverride.objects.create(day=date(2031, 1, 6), is_workday=False, note="地方节日")
    WorkdayOverride.objects.create(day=date(2025, 9, 27), is_workday=True, note="补班")
    assert not is_workday(date(2031, 1, 6))
    assert add_workdays(at(2031, 1, 3), 1) == at(2031, 1, 7)
    assert is_workday(date(2025, 9, 27))
    assert add_workdays(at(2025, 9, 26), 1) == at(2025, 9, 27)


@pytest.mark.django_db
def test_counting_between_two_moments():
    assert workdays_between(at(2025, 9, 30), at(2025, 10, 9)) == 1
    assert workdays_between(at(2025, 10, 9), at(2025, 10, 9)) == 0


def test_absurd_counts_are_refused():
    with pytest.raises(ValueError):
        add_workdays(at(2025, 1, 1), -1)
