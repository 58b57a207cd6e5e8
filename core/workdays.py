"""Working days (工作日) on China's official calendar, for deadlines counted in working days.

The order of authority for a day: the committee's override table (core.models.WorkdayOverride:
local holidays, and years the package does not know yet), then the national calendar of
holidays and adjusted working days (调休) from the `chinesecalendar` package, then Monday to
Friday. The package raises NotImplementedError for a year past its data; that must never break
a deadline, so it falls through to the weekdays (and says so once in the log)."""

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger(__name__)

# No deadline counts more than this many working days; the search never runs away.
MAX_WORKDAYS = 366


@lru_cache(maxsize=32)
def _warn_uncovered(year: int) -> None:
    logger.warning(
        "chinesecalendar has no data for %s: counting Monday to Friday plus the override table",
        year,
    )


def national_workday(d: date) -> bool:
    """The national calendar's answer, or Monday–Friday for a year it does not cover."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        _warn_uncovered(d.year)
        return d.weekday() < 5


def _overrides(start: date, end: date) -> dict[date, bool]:
    from .models import WorkdayOverride

    rows = WorkdayOverride.objects.filter(day__range=(start, end)).values_list("day", "is_workday")
    return dict(rows)


def is_workday(d: date | datetime) -> bool:
    if isinstance(d, datetime):
        d = d.date()
    override = _overrides(d, d).get(d)
    if override is not None:
        return override
    return national_workday(d)


def add_workdays(start: datetime, n: int) -> datetime:
    """The moment `n` working days after `start`, at the same time of day: the n-th working
    day after the start's own day (a request sent on Friday with 1 day is due on Monday, or
    after the National Day week on the first working day). One query for the overrides."""
    if n < 0 or n > MAX_WORKDAYS:
        raise ValueError(f"n must be between 0 and {MAX_WORKDAYS}, got {n}")
    if n == 0:
        return start
    first = start.date() + timedelta(days=1)
    # n working days never span more than ~2n + 30 calendar days, even across the Spring Festival.
    horizon = first + timedelta(days=2 * n + 40)
    overrides = _overrides(first, horizon)
    day = first
    counted = 0
    while True:
        override = overrides.get(day)
        if override if override is not None else national_workday(day):
            counted += 1
            if counted == n:
                return start + timedelta(days=(day - start.date()).days)
        day += timedelta(days=1)
        if day > horizon:  # only if the overrides declare weeks of holidays: widen and go on
            overrides.update(_overrides(day, day + timedelta(days=60)))
            horizon = day + timedelta(days=60)


def workdays_between(start: datetime, end: datetime) -> int:
    """How many working days lie after `start`'s day up to and including `end`'s day."""
    if end.date() <= start.date():
        return 0
    first = start.date() + timedelta(days=1)
    overrides = _overrides(first, end.date())
    count = 0
    day = first
    while day <= end.date():
        override = overrides.get(day)
        if override if override is not None else national_workday(day):
            count += 1
        day += timedelta(days=1)
    return count
