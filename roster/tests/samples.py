"""Roster files shaped like the ones organs really keep, built in code.

Used by the bench (bench/roster.py) and the tests: a title row merged across the table, a
填报单位 line, headers with spaces and synonyms, dates typed five different ways, minority
names with assorted middle dots, ID numbers sometimes mangled by Excel into numbers, blank
rows, a repeated header and a 合计 row at the bottom.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from demo.names import person_name, pick_ethnicity
from organisations.id_numbers import generate_id_number
from organisations.members import probation_ends
from organisations.reference_data import ETHNICITY_BY_NAME

HEADERS = [
    "序号",
    "姓  名",
    "性别",
    "民族",
    "出生年月",
    "公民身份号码",
    "学历",
    "入党时间",
    "转正时间",
    "党员类别",
    "所在党支部",
    "工作单位及职务",
    "手机号码",
    "备注",
]
_NAME_BY_CODE = {code: name for name, code in ETHNICITY_BY_NAME.items() if name.endswith("族")}
_EDUCATION = ("大学本科", "本科", "大专", "研究生", "中专", "高中")
_DOTS = "·•‧・･"
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Person:
    """A synthetic member, with the facts the row was built from (for asserting on)."""

    name: str
    id_number: str
    sex: str
    ethnicity: str
    birth_date: date
    joined_on: date
    full_member_on: date | None
    branch: str


def person(
    rng: random.Random,
    *,
    branch: str,
    today: date | None = None,
    used: set[str] | None = None,
) -> Person:
    today = today or date.today()
    sex = rng.choice(("male", "female"))
    ethnicity = pick_ethnicity(rng)
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    while True:
        number = generate_id_number(rng, region_code="533401", birth_date=birth, sex=sex)
        if used is None or number not in used:
            break
    if used is not None:
        used.add(number)
    joined = birth + timedelta(days=365 * 20 + rng.randrange(365 * 15))
    joined = min(joined, today - timedelta(days=800))
    return Person(
        name=person_name(rng, ethnicity, sex),
        id_number=number,
        sex=sex,
        ethnicity=ethnicity,
        birth_date=birth,
        joined_on=joined,
        full_member_on=probation_ends(joined),
        branch=branch,
    )


def messy_date(rng: random.Random, value: date, *, month_only: bool = False):
    """The same date the ways people type it; month_only keeps it to 1985.03 forms."""
    if month_only:
        return rng.choice(
            (
                f"{value.year}.{value.month:02d}",
                f"{value.year}年{value.month}月",
                f"{value.year}/{value.month:02d}",
                int(f"{value.year}{value.month:02d}"),
            )
        )
    return rng.choice(
        (
            datetime(value.year, value.month, value.day),
            f"{value.year}-{value.month}-{value.day}",
            int(value.strftime("%Y%m%d")),
            f"{value.year}年{value.month}月{value.day}日",
            f"{value:%Y.%m.%d}",
        )
    )


def messy_name(rng: random.Random, name: str) -> str:
    if "·" in name:
        return name.replace("·", rng.choice(_DOTS))
    if len(name) == 2 and rng.random() < 0.5:
        return f"{name[0]}  {name[1]}"  # padded to line up with three-character names
    return name


def row_for(rng: random.Random, index: int, p: Person, *, mess: bool = True) -> list:
    ethnicity = _NAME_BY_CODE[p.ethnicity]
    id_number = p.id_number
    if mess and rng.random() < 0.1:
        id_number = id_number.translate(_FULL_WIDTH)
    if mess and id_number.endswith("X") and rng.random() < 0.5:
        id_number = id_number[:-1] + "x"
    return [
        index,
        messy_name(rng, p.name) if mess else p.name,
        "男" if p.sex == "male" else "女",
        ethnicity.removesuffix("族") if mess and rng.random() < 0.4 else ethnicity,
        messy_date(rng, p.birth_date, month_only=True) if mess else p.birth_date.strftime("%Y.%m"),
        id_number,
        rng.choice(_EDUCATION),
        messy_date(rng, p.joined_on)
        if mess
        else datetime.combine(p.joined_on, datetime.min.time()),
        messy_date(rng, p.full_member_on)
        if mess
        else datetime.combine(p.full_member_on, datetime.min.time()),
        "正式党员",
        p.branch,
        f"州财政局 {rng.choice(('科员', '副科长', '科长', '主任'))}",
        f"139{rng.randrange(10**8):08d}",
        "",
    ]


def write_workbook(
    path: Path | str,
    rows: list[list],
    *,
    headers: list[str] = HEADERS,
    title: str = "中共迪庆州财政局委员会党员花名册",
    unit_line: str = "填报单位：中共迪庆州财政局委员会      填报日期：2025年6月30日",
    total_row: bool = True,
    footer: str = "注：人员类别填“正式党员”或“预备党员”。",
    write_only: bool = False,
) -> Path:
    """A roster workbook: title and unit rows merged across, the header, `rows`, a 合计 row and
    a footer note. write_only streams (for the bench's 50,000-row files)."""
    path = Path(path)
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("党员花名册") if write_only else workbook.active
    if not write_only:
        sheet.title = "党员花名册"
    last = chr(ord("A") + len(headers) - 1)
    sheet.append([title])
    sheet.append([unit_line])
    for row in (1, 2):
        if write_only:
            sheet.merged_cells.add(f"A{row}:{last}{row}")
        else:
            sheet.merge_cells(f"A{row}:{last}{row}")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if total_row:
        sheet.append(["合计", f"共 {len(rows)} 人"])
    if footer:
        sheet.append([footer])
    if not write_only:
        sheet["A1"].font = Font(bold=True, size=16)
        sheet["A1"].alignment = Alignment(horizontal="center")
    workbook.save(path)
    return path


def synthetic_roster(
    path: Path | str,
    count: int,
    *,
    branches: list[str],
    seed: int = 2016,
    write_only: bool = True,
) -> list[Person]:
    """A large messy roster of `count` distinct valid people (for the bench): an .xlsx, or
    the old binary .xls when `path` ends in .xls."""
    rng = random.Random(seed)
    used: set[str] = set()
    people = [person(rng, branch=rng.choice(branches), used=used) for _ in range(count)]
    rows = [row_for(rng, i, p) for i, p in enumerate(people, start=1)]
    if str(path).endswith(".xls"):
        write_xls(path, rows)
    else:
        write_workbook(path, rows, write_only=write_only)
    return people


def write_xls(path: Path | str, rows: list[list], *, headers: list[str] = HEADERS) -> Path:
    """The same roster in the old binary format (BIFF8) that Java systems export: title row,
    header, rows (dates as Excel dates formatted yyyy.mm.dd)."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("党员花名册")
    dated = xlwt.easyxf(num_format_str="yyyy.mm.dd")
    sheet.write_merge(0, 0, 0, len(headers) - 1, "中共迪庆州财政局委员会党员花名册")
    for c, header in enumerate(headers):
        sheet.write(1, c, header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, date | datetime):
                sheet.write(r, c, value, dated)
            elif value is not None:
                sheet.write(r, c, value)
    workbook.save(str(path))
    return Path(path)
