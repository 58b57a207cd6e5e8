"""Compliance (落实情况) computed from the records: one row per organisation, rule and period.

Set-based: the meetings held are counted per organisation, kind and month in one grouped query,
the committee seats read in one more, and the rows are replaced in bulk — no loop of queries
per organisation. The same code serves the write path (one meeting's organisations and year,
in the service's transaction) and the periodic rebuild (every organisation, whole years).

An organisation founded or dissolved during a period (the rule, one for both): a period is due
only when the organisation existed for the whole of it — founded on or before its first day
(or no founding date known) and not dissolved before the day after its last day
(`dissolved_on` is the first day it no longer exists). A period it existed for in part is
"not applicable": nothing was required, and a meeting it held in those days stays on record
without counting. A period wholly after the dissolution has no cell at all, and a year wholly
after it no roll-up row: the organisation is gone from that year's results and sums."""

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
    requested = list(
        organisations.values_list("pk", "path", "kind", "founded_on", "is_active", "dissolved_on")
    )
    # An organisation dissolved on or before 1 January did not exist this year.
    orgs = [org for org in requested if org[5] is None or org[5] > first]

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
    for org_id, path, kind, founded_on, is_active, dissolved_on in orgs:
        lifetime = (founded_on, dissolved_on, is_active)
        rules_by_kind: dict[str, object] = {}
        for meeting_kind, rule in book.applicable(path, kind, first).items():
            rules_by_kind[meeting_kind] = rule
        for meeting_kind, rule in rules_by_kind.items():
            frequency = rule.frequency  # type: ignore[attr-defined]
            periods = periods_cache.setdefault(frequency, periods_in_year(frequency, year))
            for start, end in periods:
                if dissolved_on is not None and dissolved_on <= start:
                    break  # gone: no cells from here on
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
                        exists=existed(lifetime, start, end),
                        committee=(not in_force.needs_committee)
                        or has_committee(org_id, start, end),
                    )
                )
        # A rule that starts under a later version with another frequency (an override from
        # mid-year) gets its own periods.
        for start_kind in _later_rules(book, path, kind, year, rules_by_kind):
            meeting_kind, frequency = start_kind
            for start, end in periods_in_year(frequency, year):
                if dissolved_on is not None and dissolved_on <= start:
                    break
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
                        exists=existed(lifetime, start, end),
                        committee=(not in_force.needs_committee)
                        or has_committee(org_id, start, end),
                    )
                )

    stale = ComplianceResult.objects.filter(period_start__gte=first, period_start__lte=last)
    if ids is not None:
        stale = stale.filter(organisation_id__in=ids)
    stale._raw_delete(stale.db)  # no cascades or signals: a plain DELETE … WHERE
    _write(rows)
    _rollups(year, orgs, rows, partial=ids is not None, requested=requested)
    return len(rows)


def existed(lifetime: tuple, start: date, end: date) -> bool:
    """Whether an organisation (founded_on, dissolved_on, is_active) existed for the whole
    period: the rule in this module's docstring. One switched off without a dissolution date
    (is_active False) is not applicable throughout, as before dissolution was recorded."""
    founded_on, dissolved_on, is_active = lifetime
    return (
        (founded_on is None or founded_on <= start)
        and (dissolved_on is None or dissolved_on > end)
        and (is_active or dissolved_on is not None)
    )


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


def _write(rows: list[tuple], *, table: str = "", names: tuple[str, ...] = COLUMNS) -> None:
    """Insert the cells: COPY on PostgreSQL, executemany elsewhere (no model instances: at
    300,000 cells building them was most of the time)."""
    table = table or ComplianceResult._meta.db_table
    columns = ", ".join(names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
        for chunk in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[chunk : chunk + BATCH])


OWN = ("own_due", "own_done", "own_missing", "own_low", "own_invalid")
SUMS = (
    "organisations",
    "compliant",
    "due_cells",
    "done_cells",
    "missing_cells",
    "low_cells",
    "invalid",
)
_DUE = {ComplianceStatus.HELD, ComplianceStatus.LOW_ATTENDANCE, ComplianceStatus.MISSING}
_DONE = {ComplianceStatus.HELD, ComplianceStatus.LOW_ATTENDANCE}


def _own_stats(rows: list[tuple]) -> dict[int, list[int]]:
    own: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in rows:
        stats = own[row[0]]
        status = row[5]
        if status in _DUE:
            stats[0] += 1
            if status in _DONE:
                stats[1] += 1
            if status == ComplianceStatus.MISSING:
                stats[2] += 1
            if status == ComplianceStatus.LOW_ATTENDANCE:
                stats[3] += 1
        if row[7]:
            stats[4] += 1
    return own


def _sums(stats: list[int]) -> list[int]:
    due, done, missing, low, invalid = stats
    return [int(due > 0), int(due > 0 and missing == 0), due, done, missing, low, invalid]


def _rollups(
    year: int, orgs: list[tuple], rows: list[tuple], *, partial: bool, requested: list[tuple]
) -> None:
    """Keep ComplianceRollup: every organisation's own counts and its subtree's sums. A full
    rebuild sums in memory and writes every row at once; a write for a few organisations
    replaces their own counts and re-sums each organisation above them (one aggregate each)."""
    from django.db.models import Count, Sum

    from .models import ComplianceRollup

    own = _own_stats(rows)
    steplen = Organisation.steplen
    table = ComplianceRollup._meta.db_table
    names = ("organisation_id", "year", *OWN, *SUMS)
    if not partial:
        totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(SUMS))
        for org_id, path, *_rest in orgs:
            add = _sums(own.get(org_id, [0, 0, 0, 0, 0]))
            for end in range(steplen, len(path) + 1, steplen):
                bucket = totals[path[:end]]
                for i, value in enumerate(add):
                    bucket[i] += value
        ComplianceRollup.objects.filter(year=year)._raw_delete(connection.alias)
        _write(
            [
                (org_id, year, *own.get(org_id, [0, 0, 0, 0, 0]), *totals[path])
                for org_id, path, *_rest in orgs
            ],
            table=table,
            names=names,
        )
        return
    ids = [org_id for org_id, *_rest in orgs]
    live = set(ids)
    # Those asked for but gone this year lose their row; the sums above them are redone too.
    ComplianceRollup.objects.filter(
        year=year, organisation_id__in=[org_id for org_id, *_rest in requested]
    )._raw_delete(connection.alias)
    _write(
        [(org_id, year, *own.get(org_id, [0, 0, 0, 0, 0]), *[0] * len(SUMS)) for org_id in ids],
        table=table,
        names=names,
    )
    prefixes = {
        path[:end]
        for _id, path, *_rest in requested
        for end in range(steplen, len(path) + 1, steplen)
    }
    prefixes -= {path for org_id, path, *_rest in requested if org_id not in live}
    for path, org_id in Organisation.objects.filter(path__in=prefixes).values_list("path", "pk"):
        sums = ComplianceRollup.objects.filter(
            year=year, organisation__path__startswith=path
        ).aggregate(
            organisations=Count("pk", filter=Q(own_due__gt=0)),
            compliant=Count("pk", filter=Q(own_due__gt=0, own_missing=0)),
            due_cells=Sum("own_due", default=0),
            done_cells=Sum("own_done", default=0),
            missing_cells=Sum("own_missing", default=0),
            low_cells=Sum("own_low", default=0),
            invalid=Sum("own_invalid", default=0),
        )
        # One statement whether the row exists or not (an upsert).
        ComplianceRollup.objects.bulk_create(
            [ComplianceRollup(organisation_id=org_id, year=year, **sums)],
            update_conflicts=True,
            unique_fields=["organisation", "year"],
            update_fields=list(SUMS),
        )


def on_dissolved(organisation: Organisation) -> None:
    """An organisation was dissolved (organisations.services.organisation_dissolve, in its
    transaction): its cells from the dissolution's year on are redone, and the sums above it."""
    today = timezone.localdate()
    start = organisation.dissolved_on.year if organisation.dissolved_on else today.year
    recompute(
        years=list(range(start, max(start, today.year) + 1)),
        organisation_ids=[organisation.pk],
        today=today,
    )
