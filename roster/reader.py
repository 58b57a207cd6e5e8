"""Finding the member table inside an uploaded roster file and streaming its rows.

Real 花名册 files put one or more title rows above the header ("中共……党员花名册",
"填报单位：……  填报日期：……"), often as merged cells, sometimes a second header row under a
merged group header, and notes or a 合计 row at the bottom.

Workbooks (.xlsx, the old binary .xls that Java systems still export, and .ods) are read with
python-calamine: one reader for the three formats, and about ten times faster than openpyxl's
XML parse of an .xlsx (bench/README.md). calamine reads a sheet whole, so an .xlsx whose
sheet reaches past the row cap or the usual columns (a million empty rows, a cell in column
XFD) is streamed by openpyxl in read-only mode instead, where a run of empty rows ends it.
calamine does not give number formats: those of an .xlsx's columns (a date shown as yyyy.mm
means a month) are read from the first rows of the sheet's XML. .csv is read as Excel writes
it (UTF-8 with or without BOM, or GB18030 from Chinese Windows, UTF-16 for "Unicode text").
"""

import codecs
import csv
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from django.conf import settings

from core.stored_text import Message
from core.stored_text import deferred as _

from . import columns
from .normalise import text

# Rows searched for the header: title blocks are a few rows, never dozens.
HEADER_SEARCH_ROWS = 30
# A header row naming fewer known columns than this (姓名 alone, say) is uncertain.
CERTAIN_HEADER_MATCHES = 2
# An .xlsx holding more parts than this is no roster (the zip directory itself costs memory).
MAX_PARTS = 10_000
# Parts openpyxl streams in read-only mode: the worksheets. Every other part (the shared
# strings above all, but also the workbook, styles, relationships) is read into memory whole.
_STREAMED_PART = re.compile(r"xl/worksheets/[^/]+\.xml\Z")
CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


class RosterFileError(ValueError):
    """The file cannot be read as a roster; `message` tells the user what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CsvCell:
    """A CSV cell with the attributes of openpyxl's read-only cell that the importer uses."""

    __slots__ = ("value",)
    number_format = None

    def __init__(self, value):
        self.value = value


class _Empty:
    __slots__ = ()
    value = None
    number_format = None


EMPTY = _Empty()


WORKBOOK_FORMATS = ("xlsx", "xls", "ods")
ACCEPTED_SUFFIXES = ".xlsx,.xls,.ods,.csv"


def detect_format(name: str, head: bytes) -> str:
    """'xlsx', 'xls', 'ods' or 'csv' from the name and the first bytes; raises RosterFileError
    otherwise."""
    suffix = Path(name).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # The OLE container of .xls, and of any Office file protected by a password.
        if suffix in (".xls", ".et"):
            return "xls"
        raise RosterFileError(
            _(
                "这是旧版 Excel（.xls）文件或已设置打开密码的文件。"
                "若是 .xls 文件，请把扩展名改回 .xls 后上传；若设置了密码，请先取消密码。"
            )
        )
    if suffix in (".xlsx", ".ods", ".xls"):
        if not head.startswith(b"PK\x03\x04"):
            raise RosterFileError(
                _("文件扩展名是 %(suffix)s，但内容不是电子表格。") % {"suffix": suffix}
            )
        # An .xlsx saved with the name .xls (some systems do) is read as what it is.
        return "ods" if suffix == ".ods" else "xlsx"
    if suffix in (".csv", ".txt"):
        if head.startswith(b"PK\x03\x04"):
            raise RosterFileError(_("这是 Excel 工作簿，请把扩展名改回 .xlsx 后上传。"))
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise RosterFileError(_("文件不是文本格式的 CSV。"))
        return "csv"
    raise RosterFileError(_("只能上传 .xlsx、.xls、.ods 或 .csv 文件。"))


def _content_types(data: bytes) -> dict[str, str]:
    """PartName (without its leading "/") → content type, from [Content_Types].xml's
    overrides: where openpyxl looks for the shared strings, whatever the part is called."""
    try:
        root = ElementTree.fromstring(data)
    except Exception:  # malformed or hostile XML (defusedxml refuses entities)
        raise RosterFileError(_("Excel 文件已损坏，无法打开。")) from None
    return {
        element.get("PartName", "").lstrip("/"): element.get("ContentType", "")
        for element in root
        if element.tag.endswith("Override")
    }


def _check_zip(path: Path, file_format: str = "xlsx") -> int:
    """Refuse a zip bomb from the zip directory alone, before openpyxl parses anything; returns
    the unpacked size.

    The sizes come from the directory and are binding: Python's zipfile stops at the declared
    size (and fails the CRC) however much the data would inflate to. Worksheets are streamed,
    so only the total bounds them; the shared strings and every other part are read into
    memory whole (390 MB of shared strings grew a worker to 2.2 GB), so each is capped."""
    total_cap = settings.ROSTER_MAX_UNPACKED_MB * 1024 * 1024
    whole_cap = settings.ROSTER_MAX_SHARED_STRINGS_MB * 1024 * 1024
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise RosterFileError(_("Excel 文件中的部件过多，不是正常的花名册。"))
            sizes = {info.filename: info.file_size for info in parts}
            if file_format == "ods":
                # OpenDocument: the sheets are in content.xml, which is read whole.
                if "content.xml" not in sizes:
                    raise RosterFileError(_("文件不是 OpenDocument 电子表格（.ods）。"))
                if sum(sizes.values()) > total_cap or max(sizes.values()) > whole_cap:
                    raise RosterFileError(
                        _("表格文件解压后超过 %(mb)s MB，请分成几个文件上传。")
                        % {"mb": whole_cap >> 20}
                    )
                return sum(sizes.values())
            if "xl/workbook.xml" not in sizes or CONTENT_TYPES not in sizes:
                raise RosterFileError(_("文件不是 Excel 工作簿（.xlsx）。"))
            unpacked = sum(sizes.values())
            if unpacked > total_cap:
                raise RosterFileError(
                    _("Excel 文件解压后超过 %(mb)s MB，请分成几个文件上传。")
                    % {"mb": total_cap >> 20}
                )
            if sizes[CONTENT_TYPES] > whole_cap:
                raise RosterFileError(_("Excel 文件已损坏，无法打开。"))
            types = _content_types(archive.read(CONTENT_TYPES))
    # RuntimeError: an encrypted part.
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise RosterFileError(_("Excel 文件已损坏，无法打开。")) from None
    for name, size in sizes.items():
        kind = types.get(name)
        if size <= whole_cap or (_STREAMED_PART.match(name) and kind in (None, WORKSHEET_TYPE)):
            continue
        if kind == SHARED_STRINGS_TYPE:
            raise RosterFileError(
                _(
                    "Excel 文件中的文字（共享字符串）解压后超过 %(mb)s MB，无法读取。"
                    "花名册不会有这么多文字，请检查文件，或分成几个文件上传。"
                )
                % {"mb": whole_cap >> 20}
            )
        raise RosterFileError(
            _("Excel 文件的“%(part)s”部分解压后超过 %(mb)s MB，无法读取。请检查文件。")
            % {"part": name[:80], "mb": whole_cap >> 20}
        )
    return unpacked


def unpacked_size(path: Path | str, file_format: str) -> int:
    """How much reading the file means: its unpacked size for an .xlsx (checked as in
    open_table, raising RosterFileError for a zip bomb), its size on disk for a CSV."""
    path = Path(path)
    if file_format in ("xlsx", "ods"):
        return _check_zip(path, file_format)
    return path.stat().st_size


@dataclass
class Header:
    row: int  # 1-based row number of the (last) header row
    texts: list[str]
    title: str = ""
    unit_line: str = ""
    # Too few known column names to be sure (a file of 姓名 and 号码, say): the preview asks
    # the importer to map the columns by hand.
    uncertain: bool = False


# Digits that may be an ID number or a phone, never quoted back into a message or the log.
_LONG_DIGITS = re.compile(r"\d{6,}")


def masked_line(values: list[object]) -> str:
    cells = [_LONG_DIGITS.sub("…", text(value))[:20] for value in values if text(value)]
    return "、".join(f"“{cell}”" for cell in cells[:8]) + ("……" if len(cells) > 8 else "")


def _looks_like_id_number(value: object) -> bool:
    compact = text(value).replace(" ", "").upper()
    return len(compact) in (15, 18) and compact[:-1].isdigit() and compact[-1] in "0123456789X"


def _header_row_by_content(rows: list[list[object]]) -> int | None:
    """Without a header naming 姓名 or 身份证号码: the row of text above the first row holding
    an ID number, if there is one (its names are the importer's to map)."""
    for index, values in enumerate(rows):
        if index and any(_looks_like_id_number(value) for value in values):
            above = rows[index - 1]
            named = sum(1 for value in above if isinstance(value, str) and text(value))
            if named >= 2 and not any(_looks_like_id_number(value) for value in above):
                return index - 1
            return None
    return None


def _find_header(rows: list[list[object]]) -> Header | None:
    """The header among the first rows: the row naming the most known columns, among them
    姓名 or 身份证号码 (two such names are enough: 姓名 + 身份证号码 is a table, to update
    members); title and unit lines above it. A row naming only one known column, or a row
    of text above the first ID number, is taken as an uncertain header, to map by hand."""
    best, best_score = None, 0
    for index, values in enumerate(rows):
        fields = {columns.field_for_header(value) for value in values} - {None, "ignore"}
        score = len(fields)
        if fields & {"name", "id_number"} and score > best_score:
            best, best_score = index, score
    uncertain = best_score < CERTAIN_HEADER_MATCHES
    if best is None:
        best = _header_row_by_content(rows)
        uncertain = True
    if best is None:
        return None
    texts = [text(value) for value in rows[best]]
    header_row = best + 1
    # A second header row under merged group cells ("工作单位及职务" over 单位 | 职务).
    if best + 1 < len(rows):
        below = [text(value) for value in rows[best + 1]]
        recognised = [i for i, value in enumerate(below) if columns.field_for_header(value)]
        looks_like_header = recognised and all(
            not value or columns.field_for_header(value) for value in below
        )
        if looks_like_header:
            texts += [""] * (len(below) - len(texts))
            for i in recognised:
                texts[i] = below[i]
            header_row += 1
    while texts and not texts[-1]:
        texts.pop()
    above = [" ".join(text(v) for v in row if text(v)) for row in rows[:best]]
    above = [line for line in above if line]
    unit_line = next((line for line in above if "填报单位" in line or "单位：" in line), "")
    title = next((line for line in above if line != unit_line), "")
    return Header(header_row, texts, title[:200], unit_line[:200], uncertain=uncertain)


def _no_header(rows: list[list[object]]) -> RosterFileError:
    """No header: the message says what the first rows hold (long numbers left out)."""
    found = [masked_line(values) for values in rows if any(text(v) for v in values)][:2]
    if found:
        detail = _("文件前几行是：%(found)s。") % {"found": "；".join(found)}
    else:
        detail = _("文件的前 %(rows)s 行都是空的。") % {"rows": HEADER_SEARCH_ROWS}
    # Two stored messages side by side (core.stored_text), each read in the reader's language.
    return RosterFileError(
        Message("%(problem)s%(detail)s", {"problem": _NO_HEADER(), "detail": detail})
    )


class Cell:
    """A workbook cell as calamine gives it, with its column's number format (an .xlsx)."""

    __slots__ = ("value", "number_format")

    def __init__(self, value, number_format=None):
        self.value = value
        self.number_format = number_format


@dataclass
class Table:
    """The member table of a file: its header and a way to stream the rows under it."""

    path: Path
    file_format: str
    header: Header
    sheet_name: str = ""
    estimated_rows: int = 0
    encoding: str = ""
    delimiter: str = ","
    # Set by rows() when a run of empty rows ended the table: the first row of that run.
    ended_at: int | None = None
    # Which reader holds the sheet: "calamine", "openpyxl" (a huge .xlsx sheet) or "csv".
    engine: str = "csv"
    # The number format of each column (.xlsx read by calamine), from the sheet's first rows.
    formats: list = field(default_factory=list, repr=False)
    _workbook: object = field(default=None, repr=False)
    # Run by close(): removes the local copy of a file kept in object storage (core.storage).
    cleanup: Callable[[], None] | None = field(default=None, repr=False)
    _sheet: object = field(default=None, repr=False)

    @property
    def typed(self) -> bool:
        """Whether cells carry types (numbers, dates) rather than only text."""
        return self.file_format != "csv"

    def _source(self, start: int) -> Iterator[list]:
        if self.engine == "openpyxl":
            return self._workbook[self.sheet_name].iter_rows(min_row=start)  # type: ignore[index]
        if self.engine == "calamine":
            return self._calamine_rows(start)
        return (
            [CsvCell(csv_value(value)) for value in row]
            for row in _csv_rows(self.path, self.encoding, self.delimiter, skip=start - 1)
        )

    def _calamine_rows(self, start: int) -> Iterator[list]:
        # calamine parses a sheet on each get_sheet_by_name: the one found is kept.
        sheet = self._sheet or self._workbook.get_sheet_by_name(self.sheet_name)  # type: ignore[attr-defined]
        self._sheet = sheet
        first_row, first_column = sheet.start or (0, 0)
        lead = [None] * first_column
        formats = self.formats
        number = first_row  # 1-based number of the row given next, minus one
        for number, values in enumerate(sheet.iter_rows(), start=first_row + 1):
            if number < start:
                continue
            yield [
                Cell(
                    None if value == "" else value,
                    formats[i] if i < len(formats) else None,
                )
                for i, value in enumerate(lead + values)
            ]

    def rows(self) -> Iterator[tuple[int, list]]:
        """(source row number, cells padded to the header's width) for every row below it.

        A run of ROSTER_EMPTY_ROWS_END empty rows ends the table (a sheet may declare a
        million empty rows, and a CSV hold nothing but blank lines): nothing below is read,
        and the run itself is not given out. Empty rows between filled ones are. A table of
        more than ROSTER_MAX_ROWS rows raises RosterFileError once it passes the limit, so
        reading never goes further than the limit and one run of empty rows."""
        width = len(self.header.texts)
        start = self.header.row + 1
        limit, end_after = settings.ROSTER_MAX_ROWS, settings.ROSTER_EMPTY_ROWS_END
        given, empty_run = 0, []
        for number, cells in enumerate(self._source(start), start=start):
            cells = list(cells[:width])
            if len(cells) < width:
                cells += [EMPTY] * (width - len(cells))
            if all(cell.value is None or not text(cell.value) for cell in cells):
                empty_run.append((number, cells))
                if len(empty_run) >= end_after:
                    self.ended_at = empty_run[0][0]
                    return
                continue
            for item in (*empty_run, (number, cells)):
                given += 1
                if given > limit:
                    raise RosterFileError(
                        _("表格超过 %(max)s 行，请分成几个文件上传（每个不超过 %(max)s 行）。")
                        % {"max": limit}
                    )
                yield item
            empty_run = []

    def sample(self, size: int = 200) -> list[list]:
        """The first `size` rows under the header (what the column check reads)."""
        taken: list[list] = []
        try:
            for _number, cells in self.rows():
                taken.append(cells)
                if len(taken) >= size:
                    break
        except RosterFileError:
            pass  # too long: reading all of it says so
        self.ended_at = None
        return taken

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()  # type: ignore[attr-defined]
        if self.cleanup is not None:
            cleanup, self.cleanup = self.cleanup, None
            cleanup()


def csv_value(value: str) -> str:
    """A CSV cell as text: `'533…` and `="533…"`, the usual ways of keeping an ID number as
    text in Excel, give the number."""
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        return value[2:-1]
    if value.startswith("'") and value[1:2].isdigit():
        return value[1:]
    return value


# <row r="5">, <row> and the empty <row/> a hostile file may repeat a million times (never
# <rowBreaks>). bytes.count is much faster than a regular expression on a million tags.
_ROW_OPENINGS = (b"<row ", b"<row>", b"<row/>", b"<row\n", b"<row\r", b"<row\t")
_PREFIXED_ROW_TAG = re.compile(rb"<\w+:row[\s/>]")
_ROW_NUMBER = re.compile(rb'<row [^>]*?\br="(\d+)"')
# A cell in a column of three letters (AAA = 703 and beyond): no roster is that wide.
_FAR_COLUMN = re.compile(rb'<c [^>]*?\br="[A-Z]{3}\d')


def _count_row_tags(data: bytes) -> int:
    count = sum(data.count(opening) for opening in _ROW_OPENINGS)
    if b":row" in data:  # a namespace prefix (rare)
        count += len(_PREFIXED_ROW_TAG.findall(data))
    return count


def _scan_sheet(source) -> tuple[int, int, bool]:
    """(row tags, highest row number, a cell beyond column ZZ) of a sheet's XML, read in
    chunks without parsing it (fast)."""
    count, last, far, tail = 0, 0, False, b""
    while chunk := source.read(1 << 20):
        data = tail + chunk
        count += _count_row_tags(data)
        numbers = _ROW_NUMBER.findall(data[-(1 << 16) :]) if b"<row " in data else []
        if numbers:
            last = max(last, int(numbers[-1]))
        far = far or _FAR_COLUMN.search(data) is not None
        # Keep the end of the chunk in case a tag is cut in two; never count it twice.
        tail = data[-64:]
        count -= _count_row_tags(tail)
    return count, last, far


def _count_sheet_rows(sheet) -> int:
    """Rows in a read-only openpyxl sheet, counted from its XML without parsing it."""
    with sheet._get_source() as source:
        return _scan_sheet(source)[0]


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _xml(archive: zipfile.ZipFile, name: str):
    try:
        return ElementTree.fromstring(archive.read(name))
    except KeyError:
        return None
    except Exception:  # malformed or hostile XML (defusedxml refuses entities)
        raise RosterFileError(_("Excel 文件已损坏，无法打开。")) from None


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the zip, from the workbook and its relationships."""
    workbook = _xml(archive, "xl/workbook.xml")
    rels = _xml(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL_NS}Relationship")
    }
    parts = {}
    for sheet in workbook.iter(f"{_SHEET_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[sheet.get("name", "")] = target
    return parts


# Built-in number formats (ECMA-376 18.8.30, and the ones Chinese Excel adds) that are dates,
# as format codes: only whether they show the day matters.
_BUILTIN_DATE_FORMATS = {
    14: "yyyy-mm-dd",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    22: "yyyy-mm-dd h:mm",
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    34: 'yyyy"年"m"月"',
    35: 'm"月"d"日"',
    36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
    2: "0.00",
    4: "#,##0.00",
}


def _style_formats(archive: zipfile.ZipFile) -> list[str | None]:
    """The number format of each cell style (the `s` of a cell) of an .xlsx."""
    styles = _xml(archive, "xl/styles.xml")
    if styles is None:
        return []
    custom = {
        int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
        for fmt in styles.iter(f"{_SHEET_NS}numFmt")
    }
    formats: list[str | None] = []
    cell_xfs = next(styles.iter(f"{_SHEET_NS}cellXfs"), None)
    for xf in cell_xfs if cell_xfs is not None else ():
        number = int(xf.get("numFmtId", "0") or 0)
        formats.append(custom.get(number) or _BUILTIN_DATE_FORMATS.get(number))
    return formats


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _column_formats(archive: zipfile.ZipFile, part: str, from_row: int, rows: int = 50) -> list:
    """The number format of each column: that of its first styled cell from `from_row` on,
    among the next `rows` rows (a roster formats a column alike)."""
    styles = _style_formats(archive)
    if not styles:
        return []
    found: dict[int, str | None] = {}
    try:
        with archive.open(part) as source:
            for _event, element in ElementTree.iterparse(source):
                if element.tag != f"{_SHEET_NS}c":
                    if element.tag == f"{_SHEET_NS}row":
                        element.clear()
                    continue
                match = _CELL_REF.fullmatch(element.get("r", ""))
                style = element.get("s")
                if match and style and style.isdigit():
                    row = int(match.group(2))
                    if row > from_row + rows:
                        break
                    column = _column_index(match.group(1))
                    number_format = styles[int(style)] if int(style) < len(styles) else None
                    if row >= from_row and column not in found and number_format:
                        found[column] = number_format
    except Exception:  # the formats are a refinement: without them dates read as full dates
        return []
    width = max(found, default=-1) + 1
    return [found.get(i) for i in range(width)]


def _calamine_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for damaged or protected files
        raise RosterFileError(
            _("表格文件无法打开（已损坏，或设置了打开密码）：%(error)s") % {"error": str(exc)[:200]}
        ) from None


def _sheet_order(workbook) -> list[str]:
    """Worksheets, the visible ones first: templates hide their drop-down lists (民族, 学历 …)
    in a sheet of their own, which must not be taken for the roster."""
    try:
        sheets = [
            (meta.name, not str(meta.visible).endswith(".Visible"))
            for meta in workbook.sheets_metadata
            if str(meta.typ).endswith(".WorkSheet")
        ]
    except Exception:  # metadata is a refinement
        return list(workbook.sheet_names)
    return [name for name, hidden in sorted(sheets, key=lambda item: item[1])]


def _open_workbook(path: Path, file_format: str) -> Table:
    if file_format in ("xlsx", "ods"):
        _check_zip(path, file_format)
    parts: dict[str, str] = {}
    if file_format == "xlsx":
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            for part in parts.values():
                try:
                    with archive.open(part) as source:
                        _rows, last, far = _scan_sheet(source)
                except KeyError:
                    continue
                reach = settings.ROSTER_MAX_ROWS + settings.ROSTER_EMPTY_ROWS_END
                if far or max(_rows, last) > reach + HEADER_SEARCH_ROWS:
                    return _open_xlsx_streamed(path)
    workbook = _calamine_workbook(path)
    first_rows: list[list[object]] = []
    try:
        for name in _sheet_order(workbook):
            try:
                sheet = workbook.get_sheet_by_name(name)
            except Exception:  # a chart sheet, or a sheet calamine cannot read
                continue
            first_row, first_column = sheet.start or (0, 0)
            head = [[] for _ in range(first_row)]
            for values in sheet.iter_rows():
                head.append([None] * first_column + [None if v == "" else v for v in values])
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            first_rows = first_rows or head
            header = _find_header(head)
            if header is None:
                continue
            table = Table(path, file_format, header, sheet_name=name, engine="calamine")
            table._workbook, table._sheet = workbook, sheet
            table.estimated_rows = max(first_row + sheet.height - header.row, 0)
            if file_format == "xlsx" and name in parts:
                with zipfile.ZipFile(path) as archive:
                    table.formats = _column_formats(archive, parts[name], header.row + 1)
            return table
    except RosterFileError:
        workbook.close()
        raise
    except Exception as exc:
        workbook.close()
        raise RosterFileError(
            _("表格文件无法读取：%(error)s") % {"error": str(exc)[:200]}
        ) from None
    workbook.close()
    raise _no_header(first_rows)


def _open_xlsx_streamed(path: Path) -> Table:
    """An .xlsx whose sheet reaches far (see the module's docstring): openpyxl, streamed."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise RosterFileError(_("Excel 文件无法打开：%(error)s") % {"error": exc}) from None
    first_rows: list[list[object]] = []
    for sheet in workbook.worksheets:
        if not hasattr(sheet, "reset_dimensions"):
            continue  # a chart sheet
        # Some programs write a wrong <dimension> (e.g. "A1"); trusting it would drop rows.
        sheet.reset_dimensions()
        head = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS)]
        first_rows = first_rows or head
        header = _find_header(head)
        if header is not None:
            table = Table(
                path, "xlsx", header, sheet_name=sheet.title, engine="openpyxl", _workbook=workbook
            )
            table.estimated_rows = max(_count_sheet_rows(sheet) - header.row, 0)
            return table
    workbook.close()
    raise _no_header(first_rows)


def _NO_HEADER() -> str:  # noqa: N802 (a message, built when the language is known)
    return _("没有找到表头行。表头应包含“姓名”“身份证号码”等列名，且位于前 %(rows)s 行。") % {
        "rows": HEADER_SEARCH_ROWS
    }


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Excel on Chinese Windows saves "CSV" in the ANSI code page: GBK, of which
            # GB18030 is a superset.
            return "gb18030"
    return "utf-8"


def _csv_rows(path: Path, encoding: str, delimiter: str, skip: int = 0) -> Iterator[list[str]]:
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for index, row in enumerate(reader):
            if index >= skip:
                yield row


def _open_csv(path: Path) -> Table:
    encoding = _csv_encoding(path)
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        sample = handle.read(16 * 1024)
    # Excel writes "," (or ";" in some locales) for CSV and a tab for "Unicode text".
    delimiter = max(",\t;", key=sample.count)
    head: list[list[object]] = []
    for row in _csv_rows(path, encoding, delimiter):
        head.append([csv_value(value) for value in row])
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    header = _find_header(head)
    if header is None:
        raise _no_header(head)
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    table = Table(path, "csv", header, encoding=encoding, delimiter=delimiter)
    table.estimated_rows = max(lines - header.row, 0)
    return table


def open_table(path: Path | str, file_format: str) -> Table:
    """Find the member table in the file; raises RosterFileError with a message for the user."""
    path = Path(path)
    if file_format in WORKBOOK_FORMATS:
        return _open_workbook(path, file_format)
    return _open_csv(path)
