"""The periods a rule is checked over: months, quarters, half-years and years."""

from datetime import date, timedelta

from django.utils.translation import gettext as _

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def period_of(frequency: str, day: date) -> tuple[date, date]:
    """The period of `frequency` holding `day`: (first day, last day)."""
    step = MONTHS_PER_PERIOD[frequency]
    first_month = (day.month - 1) // step * step + 1
    start = date(day.year, first_month, 1)
    return start, _next_start(start, step) - timedelta(days=1)


def _next_start(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def periods_in_year(frequency: str, year: int) -> list[tuple[date, date]]:
    step = MONTHS_PER_PERIOD[frequency]
    out = []
    for month in range(1, 13, step):
        start = date(year, month, 1)
        out.append((start, _next_start(start, step) - timedelta(days=1)))
    return out


def period_label(frequency: str, start: date) -> str:
    if frequency == "monthly":
        return _("%(year)s年%(month)s月") % {"year": start.year, "month": start.month}
    if frequency == "quarterly":
        return _("%(year)s年第%(q)s季度") % {"year": start.year, "q": (start.month + 2) // 3}
    if frequency == "half_yearly":
        return (_("%(year)s年上半年") if start.month == 1 else _("%(year)s年下半年")) % {
            "year": start.year
        }
    return _("%(year)s年") % {"year": start.year}


def short_label(frequency: str, start: date) -> str:
    """The column heading of a period within its year: 3月, Q1, 上半年, 全年."""
    if frequency == "monthly":
        return _("%(month)s月") % {"month": start.month}
    if frequency == "quarterly":
        return "Q%d" % ((start.month + 2) // 3)
    if frequency == "half_yearly":
        return _("上半年") if start.month == 1 else _("下半年")
    return _("全年")
