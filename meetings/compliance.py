"""Compliance (落实情况) computed from the records: one row per organisation, rule and period.

Set-based: the meetings held are counted per organisation, kind and month in one grouped query,
the committee seats read in one more, and the rows are replaced in bulk — no loop of queries
per organisation. The same code serves the write path (one meeting's organisations and year,
in the service's transaction) and the periodic rebuild (every organisation, whole years)."""

from collections import defaultdict
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from organisations.models import Organisation, Position

from .models import (
    Binds,
    ComplianceResult,
    ComplianceStatus,
    MeetingOrganisation,
    MeetingStatus,
)
from .periods import periods_in_year
from .rules import RuleBook

COMMITTEE_SEATS = 3  # a committee of 3–5 (DESIGN §5); fewer is a secretary, not a committee
BATCH = 5000


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def recompute(
    *,
    years: list[int],
    organisation_ids: list[int] | None = None,
    today: date | None = None,
    book: RuleBook | None = None,
) -> int:
    """Replace the results of `years` for the organisations given (None: all). Returns the
    number of rows written."""
    today = today or timezone.localdate()
    book = book or RuleBook()
    written = 0
    with transaction.atomic():
        for year in sorted(set(years)):
            written += _recompute_year(year, organisation_ids, today, book)
    return written


def _recompute_year(year: int, ids: list[int] | None, today: date, book: RuleBook) -> int:
    first, last = date(year, 1, 1), date(year, 12, 31)
    organisations = Organisation.objects.order_by()
    if ids is not None:
        organisations = organisations.filter(pk__in=ids)
    orgs = list(organisations.values_list("pk", "path", "kind", "founded_on", "is_active"))

    held = MeetingOrganisation.objects.filter(
        meeting__status=MeetingStatus.HELD,
        meeting__starts_at__date__gte=first,
        meeting__starts_at__date__lte=last,
    )
    if ids is not None:
        held = held.filter(organisation_id__in=ids)
    # (organisation, kind, month) → [held, held by the secretary, with quorum, invalid decisions]
    counts: dict[tuple[int, str, date], list[int]] = {}
    for row in (
        held.order_by()
        .values(
            "organisation_id",
            "meeting__kind",
            month=TruncMonth("meeting__starts_at", output_field=DateField()),
        )
        .annotate(
            n=Count("pk"),
            by_secretary=Count("pk", filter=Q(meeting__host_is_secretary=True)),
            quorate=Count("pk", filter=Q(meeting__quorum_met=True)),
            invalid=Sum("meeting__invalid_decisions"),
        )
    ):
        key = (row["organisation_id"], row["meeting__kind"], _as_date(row["month"]))
        counts[key] = [row["n"], row["by_secretary"], row["quorate"], row["invalid"] or 0]

    seats = Position.objects.filter(term_start__lte=last).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first)
    )
    if ids is not None:
        seats = seats.filter(organisation_id__in=ids)
    seats_by_org: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for org_id, start, end in seats.order_by().values_list(
        "organisation_id", "term_start", "ended_on"
    ):
        seats_by_org[org_id].append((start, end))

    def has_committee(org_id: int, start: date, end: date) -> bool:
        n = sum(
            1 for s, e in seats_by_org.get(org_id, ()) if s <= end and (e is None or e >= start)
        )
        return n >= COMMITTEE_SEATS

    rows: list[tuple] = []
    periods_cache: dict[str, list[tuple[date, date]]] = {}
    for org_id, path, kind, founded_on, is_active in orgs:
        rules_by_kind: dict[str, object] = {}
        for meeting_kind, rule in book.applicable(path, kind, first).items():
            rules_by_kind[meeting_kind] = rule
        for meeting_kind, rule in rules_by_kind.items():
            frequency = rule.frequency  # type: ignore[attr-defined]
            periods = periods_cache.setdefault(frequency, periods_in_year(frequency, year))
            for start, end in periods:
                # The version in force on the period's first day (an override may change it).
                in_force = book.applicable(path, kind, start).get(meeting_kind)
                if in_force is None:
                    continue
                if in_force.frequency != frequency:
                    continue  # a later version counts this kind over other periods
                rows.append(
                    _cell(
                        org_id,
                        in_force,
                        meeting_kind,
                        start,
                        end,
                        counts,
                        today=today,
                        exists=(founded_on is None or founded_on <= start) and is_active,
                        committee=(not in_force.needs_committee)
                        or has_committee(org_id, start, end),
                    )
                )
        # A rule that starts under a later version with another frequency (an override from
        # mid-year) gets its own periods.
        for start_kind in _later_rules(book, path, kind, year, rules_by_kind):
            meeting_kind, frequency = start_kind
            for start, end in periods_in_year(frequency, year):
                in_force = book.applicable(path, kind, start).get(meeting_kind)
                if in_force is None or in_force.frequency != frequency:
                    continue
                rows.append(
                    _cell(
                        org_id,
                        in_force,
                        meeting_kind,
                        start,
                        end,
                        counts,
                        today=today,
                        exists=(founded_on is None or founded_on <= start) and is_active,
                        committee=(not in_force.needs_committee)
                        or has_committee(org_id, start, end),
                    )
                )

    stale = ComplianceResult.objects.filter(period_start__gte=first, period_start__lte=last)
    if ids is not None:
        stale = stale.filter(organisation_id__in=ids)
    stale._raw_delete(stale.db)  # no cascades or signals: a plain DELETE … WHERE
    _write(rows)
    return len(rows)


def _later_rules(book, path, kind, year, first_rules) -> dict:
    """(kind, frequency) pairs in force later in the year that the first day's rules lack."""
    seen = {(k, r.frequency) for k, r in first_rules.items()}
    extra = {}
    for month in range(2, 13):
        for meeting_kind, rule in book.applicable(path, kind, date(year, month, 1)).items():
            key = (meeting_kind, rule.frequency)
            if key not in seen:
                seen.add(key)
                extra[key] = rule
    return extra


def _months(start: date, end: date) -> list[date]:
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _cell(org_id, rule, meeting_kind, start, end, counts, *, today, exists, committee):
    n = by_secretary = quorate = invalid = 0
    for month in _MONTHS[(start, end)]:
        found = counts.get((org_id, meeting_kind, month))
        if found:
            n += found[0]
            by_secretary += found[1]
            quorate += found[2]
            invalid += found[3]
    counted = by_secretary if rule.binds == Binds.SECRETARY else n
    if not exists or not committee:
        status = ComplianceStatus.NOT_APPLICABLE
    elif counted:
        status = ComplianceStatus.HELD if quorate else ComplianceStatus.LOW_ATTENDANCE
    elif end >= today:
        status = ComplianceStatus.NOT_DUE
    else:
        status = ComplianceStatus.MISSING
    return (
        org_id,
        rule.pk,
        meeting_kind,
        start,
        end,
        str(status),
        min(counted, 32767),
        min(invalid, 32767),
    )


class _MonthCache(dict):
    def __missing__(self, key):
        value = self[key] = _months(*key)
        return value


_MONTHS = _MonthCache()

COLUMNS = (
    "organisation_id",
    "rule_id",
    "meeting_kind",
    "period_start",
    "period_end",
    "status",
    "held",
    "invalid_decisions",
)


def _write(rows: list[tuple]) -> None:
    """Insert the cells: COPY on PostgreSQL, executemany elsewhere (no model instances: at
    300,000 cells building them was most of the time)."""
    table = ComplianceResult._meta.db_table
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        for chunk in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[chunk : chunk + BATCH])
