"""A demo province (演示省): the organ party systems of a province, for `manage.py seed
--members 2000000` (issue 13) and the province benchmark (bench/province.py).

About one organisation per 13 members, as in a real province (2–3 million members in about
150,000 organisations): 1 provincial and 16 prefectural 机关工委 and one per county, each over
organs whose party organisation is a 党委 (with branches, some under a 党总支), a 党总支 or a
single 党支部, and 党小组 under many branches.

Built for speed, not through the services: organisations go in with computed tree paths in
bulk; members are built by the member builder (organisations.members.prepare_member, as the
services build them) in worker processes, one batch each, and written by this process with
COPY on PostgreSQL (secondary indexes dropped while loading and rebuilt after, as for any bulk
load) and executemany on SQLite. Deterministic: batch n is built from its own seeded random
generator and batches are written in order, whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from organisations.models import (
    Member,
    MembershipPeriod,
    Organisation,
    OrganisationKind,
    Position,
)

from . import _province_worker

PREFECTURES = [
    "昆明市", "曲靖市", "玉溪市", "保山市", "昭通市", "丽江市", "普洱市", "临沧市",
    "楚雄州", "红河州", "文山州", "西双版纳州", "大理州", "德宏州", "怒江州", "迪庆州",
]  # fmt: skip
COUNTIES_PER_PREFECTURE = 8
_COUNTY_SYLLABLES = "安宁富源华宁腾冲鲁甸永胜景东云县双柏弥勒丘北勐海宾川瑞丽福贡维西石林会泽澄江施甸盐津宁蒗墨江凤庆南华蒙自广南勐腊祥云芒市兰坪德钦"  # noqa: E501
# fmt: off
DEPARTMENTS = [  # noqa: E501
    "委办公室", "人民政府办公室", "公安局", "教育体育局", "委组织部", "委宣传部",
    "发展和改革委员会",
    "财政局", "卫生健康委员会", "自然资源局", "农业农村局", "林业和草原局", "人大常委会办公室",
    "政协办公室", "委统战部", "委政法委员会", "民族宗教事务委员会", "科学技术局", "工业和信息化局",
    "民政局", "司法局", "人力资源和社会保障局", "生态环境局", "住房和城乡建设局", "交通运输局",
    "水务局", "商务局", "文化和旅游局", "退役军人事务局", "应急管理局", "审计局",
    "国有资产监督管理委员会", "市场监督管理局", "统计局", "医疗保障局", "信访局", "机关事务管理局",
    "档案馆", "税务局", "人民法院", "人民检察院", "总工会", "团委", "妇联", "科协", "供销社",
]
# fmt: on
BRANCH_NAMES = ["机关第{}党支部", "离退休干部第{}党支部", "直属单位第{}党支部"]
_DIGITS = "一二三四五六七八九十"
# Members per branch on average, and party groups per branch.
MEMBERS_PER_BRANCH = 25
BATCH = 5000


def _ordinal(n: int) -> str:
    if n <= 10:
        return _DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return (_DIGITS[tens - 1] if tens > 1 else "") + "十" + (_DIGITS[ones - 1] if ones else "")


def _path(parent_path: str, position: int) -> str:
    depth = len(parent_path) // Organisation.steplen + 1
    return Organisation._get_path(parent_path, depth, position)


class _Tree:
    """Organisations in path order with their paths computed: no query per node."""

    def __init__(self) -> None:
        self.nodes: list[Organisation] = []
        self.children: dict[str, int] = defaultdict(int)

    def add(self, parent: Organisation | None, **fields) -> Organisation:
        parent_path = parent.path if parent else ""
        self.children[parent_path] += 1
        node = Organisation(
            path=_path(parent_path, self.children[parent_path]),
            depth=(parent.depth + 1) if parent else 1,
            numchild=0,
            **fields,
        )
        if parent is not None:
            parent.numchild += 1
        self.nodes.append(node)
        return node


def _roots() -> list[tuple[str, str, float]]:
    """(place, code, share of the organs) of each 机关工委: the province, prefectures, counties."""
    rng = random.Random(53)
    roots = [("省", "YN", 0.08)]
    for p, prefecture in enumerate(PREFECTURES, start=1):
        roots.append((prefecture, f"YN{p:02d}", 0.02))
        for c in range(1, COUNTIES_PER_PREFECTURE + 1):
            county = "".join(rng.sample(_COUNTY_SYLLABLES, 2)) + "县"
            roots.append((county, f"YN{p:02d}{c:02d}", 0.6 / (len(PREFECTURES) * 8)))
    return roots


def build_tree(rng: random.Random, members: int) -> tuple[list[Organisation], list[Organisation]]:
    """The province's organisations, saved; returns (branches, every organisation)."""
    tree = _Tree()
    branches_wanted = max(20, members // MEMBERS_PER_BRANCH)
    # An organ has ~3.7 branches on average (see the kinds below).
    organs_wanted = max(len(_roots()), round(branches_wanted / 3.7))
    branches: list[Organisation] = []
    today = timezone.localdate()

    def founded() -> date:
        return date(1980, 1, 1) + timedelta(days=rng.randrange((today - date(1980, 1, 1)).days))

    def add_branches(parent: Organisation, organ: str, count: int) -> None:
        kinds = rng.choices(range(len(BRANCH_NAMES)), weights=[6, 2, 2], k=count)
        numbers: dict[int, int] = defaultdict(int)
        for b, kind in enumerate(kinds, start=1):
            numbers[kind] += 1
            name = BRANCH_NAMES[kind].format(_ordinal(numbers[kind]))
            branch = tree.add(
                parent,
                name=f"中共{organ}{name}",
                short_name=name,
                kind=OrganisationKind.BRANCH,
                code=f"{parent.code}-{b:02d}",
                organ=organ,
                founded_on=parent.founded_on,
            )
            branches.append(branch)
            add_groups(branch)

    def add_groups(branch: Organisation) -> None:
        for g in range(1, rng.choice([0, 0, 0, 1, 1, 2]) + 1):
            tree.add(
                branch,
                name=f"{branch.name}第{_ordinal(g)}党小组",
                short_name=f"第{_ordinal(g)}党小组",
                kind=OrganisationKind.GROUP,
                code=f"{branch.code}-G{g}",
                organ=branch.organ,
            )

    for place, code, share in _roots():
        root = tree.add(
            None,
            name=f"中共{'演示省' if place == '省' else place}直属机关工作委员会",
            short_name=f"{place}直机关工委",
            kind=OrganisationKind.COMMITTEE,
            code=code,
            organ=f"{place}直属机关",
            founded_on=date(1984, 7, 1),
        )
        organs = max(1, round(organs_wanted * share))
        for o in range(1, organs + 1):
            department = DEPARTMENTS[(o - 1) % len(DEPARTMENTS)]
            round_ = (o - 1) // len(DEPARTMENTS)
            organ = f"{place}{department}" + (f"直属第{_ordinal(round_)}单位" if round_ else "")
            roll = rng.random()
            organ_code = f"{code}-{o:04d}"
            if roll < 0.3:
                party_committee = tree.add(
                    root,
                    name=f"中共{organ}委员会",
                    short_name=organ,
                    kind=OrganisationKind.PARTY_COMMITTEE,
                    code=organ_code,
                    organ=organ,
                    founded_on=founded(),
                )
                # Large organs: a general branch over some of the branches.
                if rng.random() < 0.4:
                    general = tree.add(
                        party_committee,
                        name=f"中共{organ}直属单位总支部委员会",
                        short_name="直属单位党总支",
                        kind=OrganisationKind.GENERAL_BRANCH,
                        code=f"{organ_code}-00",
                        organ=organ,
                        founded_on=party_committee.founded_on,
                    )
                    add_branches(general, organ, rng.randint(2, 4))
                add_branches(party_committee, organ, rng.randint(3, 9))
            elif roll < 0.6:
                general = tree.add(
                    root,
                    name=f"中共{organ}总支部委员会",
                    short_name=organ,
                    kind=OrganisationKind.GENERAL_BRANCH,
                    code=organ_code,
                    organ=organ,
                    founded_on=founded(),
                )
                add_branches(general, organ, rng.randint(2, 5))
            else:
                branch = tree.add(
                    root,
                    name=f"中共{organ}机关支部委员会",
                    short_name=organ,
                    kind=OrganisationKind.BRANCH,
                    code=organ_code,
                    organ=organ,
                    founded_on=founded(),
                )
                branches.append(branch)
                add_groups(branch)
    _save_tree(tree.nodes)
    return branches, tree.nodes


def _save_tree(nodes: list[Organisation]) -> None:
    """The organisations, with their ids set: COPY on PostgreSQL (the table's indexes rebuilt
    after: 150,000 rows through bulk_create and a live name-gram index took minutes)."""
    if connection.vendor != "postgresql":
        Organisation.objects.bulk_create(nodes, batch_size=5000)
        if nodes[0].pk is None:  # a database that returns no keys from a bulk insert
            by_code = dict(Organisation.objects.values_list("code", "pk"))
            for node in nodes:
                node.pk = by_code[node.code]
        return
    first = (Organisation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    fields = Organisation._meta.concrete_fields
    quoted = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = Organisation._meta.db_table
    with _bulk_load([table]), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for pk, node in enumerate(nodes, start=first):
                node.pk = pk
                copy.write_row(
                    [f.get_db_prep_save(getattr(node, f.attname), connection) for f in fields]
                )
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT max(id) FROM {table}))"
        )


# --------------------------------------------------------------------------------------------
# Members, built in worker processes


def _droppable(table: str) -> list[tuple[str, str, str]]:
    """(kind, name, definition) of what PostgreSQL keeps up to date on `table` row by row and
    can rebuild in one pass after a bulk load: the secondary indexes, the unique constraints
    and the foreign keys (each checked per row, and Django's are DEFERRABLE INITIALLY
    DEFERRED: two million queued checks). The primary key stays: other tables' keys use it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'constraint', c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = %s AND c.contype IN ('u', 'f') "
            "UNION ALL "
            "SELECT 'index', i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = %s AND i.indexname NOT IN ("
            "  SELECT c.conname FROM pg_constraint c"
            "  JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = %s)",
            [table, table, table],
        )
        return cursor.fetchall()


@contextmanager
def _bulk_load(tables: list[str], log=None) -> Iterator[None]:
    """On PostgreSQL, the tables' secondary indexes, unique constraints and foreign keys
    dropped while loading and rebuilt after, each in one pass (as for any bulk load)."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    dropped = [(table, *item) for table in tables for item in _droppable(table)]

    def step(item) -> int:  # foreign keys, unique constraints, indexes
        _table, kind, _name, definition = item
        return 2 if kind == "index" else 0 if definition.startswith("FOREIGN KEY") else 1

    with connection.cursor() as cursor:
        # No ALTER TABLE on a table with deferred checks pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, kind, name, _definition in sorted(dropped, key=step):
            if kind == "constraint":
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            else:
                cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    if log:
        log("rows written; rebuilding indexes and constraints")
    with connection.cursor() as cursor:
        # Room to sort in memory (the default 64 MB spills two million keys to disk).
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table, kind, name, definition in sorted(dropped, key=step, reverse=True):
            if kind == "index":
                cursor.execute(definition)
            else:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            if log:
                log(f"rebuilt {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _copy(model, columns: list[str], lines: list[str]) -> None:
    """Rows as COPY text lines into `model`'s table (PostgreSQL)."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {model._meta.db_table} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write("".join(lines))


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {model._meta.db_table} ({quoted}) VALUES ({marks})",  # noqa: S608
            rows,
        )


@contextmanager
def _batches(workers: int, branch_rows, weights, jobs) -> Iterator[Iterator[list]]:
    """The built batches in order: from `workers` spawned processes, or built here if 0."""
    if not workers:
        _province_worker.init(branch_rows, weights, setup=False)
        yield map(_province_worker.build_batch, jobs)
        return
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, initializer=_province_worker.init, initargs=(branch_rows, weights))
    try:
        yield pool.imap(_province_worker.build_batch, jobs)
    finally:
        pool.terminate()
        pool.join()


def build_members(
    rng: random.Random,
    branches: list[Organisation],
    count: int,
    *,
    seed_value: int,
    progress=None,
    workers: int | None = None,
    log=None,
) -> dict[int, list[int]]:
    """`count` members spread unevenly over `branches`; returns, per branch, the ids of its
    active full members (the candidates for its committee), in id order."""
    today = timezone.localdate()
    weights = [rng.uniform(0.4, 1.6) for _ in branches]
    branch_rows = [(b.pk, b.organ) for b in branches]
    _province_worker.init(branch_rows, weights, setup=False)
    member_columns = _province_worker.columns()
    period_columns = ["id", "member_id", "organisation_id", "started_on", "ended_on", "note"]
    postgres = connection.vendor == "postgresql"
    candidates: dict[int, list[int]] = defaultdict(list)
    digests: set[str] = set()
    next_id = (Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    next_period = (
        MembershipPeriod.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if count > BATCH else 0
    # A few more batches than needed: duplicate ID numbers across batches are skipped.
    size = min(BATCH, count)
    jobs = [(seed_value, n, size, today) for n in range(count // size + 3)]
    made = 0
    tables = [Member._meta.db_table, MembershipPeriod._meta.db_table]
    with _bulk_load(tables, log), _batches(workers, branch_rows, weights, jobs) as batches:
        for batch in batches:
            members, periods = [], []
            for row, digest, branch_id, joined, candidate in batch:
                if made + len(members) >= count:
                    break
                if digest in digests:
                    continue
                digests.add(digest)
                if postgres:
                    members.append(f"{next_id}\t{row}\n")
                    periods.append(f"{next_period}\t{next_id}\t{branch_id}\t{joined}\t\\N\t\n")
                else:
                    members.append((next_id, *row))
                    periods.append((next_period, next_id, branch_id, joined, None, ""))
                if candidate:
                    candidates[branch_id].append(next_id)
                next_id += 1
                next_period += 1
            if postgres:
                _copy(Member, member_columns, members)
                _copy(MembershipPeriod, period_columns, periods)
            else:
                _insert(Member, member_columns, members)
                _insert(MembershipPeriod, period_columns, periods)
            made += len(members)
            if progress:
                progress(made, count)
            if made >= count:
                break
    if postgres:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
    return candidates


def build_positions(
    rng: random.Random, organisations: list[Organisation], candidates: dict[int, list[int]]
) -> None:
    """A committee for every organisation but the party groups, from its subtree's members."""
    from demo.seeding import committee_positions

    today = timezone.localdate()
    by_path = {o.path: o for o in organisations}
    pool: dict[str, list[int]] = defaultdict(list)
    # Deepest first: each organisation's first 60 candidates, merged upwards.
    for organisation in sorted(organisations, key=lambda o: -o.depth):
        mine = sorted(candidates.get(organisation.pk, []) + pool.pop(organisation.path, []))[:60]
        organisation.candidates = mine  # type: ignore[attr-defined]
        parent = by_path.get(organisation.parent_path)
        if parent is not None:
            pool[parent.path].extend(mine)
    positions: list[Position] = []
    leaders = [o for o in organisations if o.kind != OrganisationKind.GROUP]
    # Its keys and indexes rebuilt after the load, like the members': ~300,000 rows' queued
    # deferred key checks made the commit take minutes.
    with _bulk_load([Position._meta.db_table]):
        for index, organisation in enumerate(leaders):
            ids = list(organisation.candidates)  # type: ignore[attr-defined]
            rng.shuffle(ids)
            positions += committee_positions(rng, organisation, index, ids, today)
            if len(positions) >= 20000:
                Position.objects.bulk_create(positions, batch_size=5000)
                positions = []
        Position.objects.bulk_create(positions, batch_size=5000)
