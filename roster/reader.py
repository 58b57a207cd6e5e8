"""Finding the member table inside an uploaded roster file and streaming its rows.

Real 花名册 files put one or more title rows above the header ("中共……党员花名册",
"填报单位：……  填报日期：……"), often as merged cells, sometimes a second header row under a
merged group header, and notes or a 合计 row at the bottom. .xlsx is read with openpyxl in
read-only mode (rows streamed, memory flat in the number of rows); .csv as Excel writes it
(UTF-8 with or without BOM, or GB18030 from Chinese Windows, UTF-16 for "Unicode text").
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
from django.utils.translation import gettext as _

from . import columns
from .normalise import text

# Rows searched for the header: title blocks are a few rows, never dozens.
HEADER_SEARCH_ROWS = 30
# A header row names at least this many known columns.
MIN_HEADER_MATCHES = 3
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


def detect_format(name: str, head: bytes) -> str:
    """'xlsx' or 'csv' from the name and the first bytes; raises RosterFileError otherwise."""
    suffix = Path(name).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            _(
                "这是旧版 Excel（.xls）文件或已设置打开密码的文件。"
                "请在 Excel 中“另存为” .xlsx 格式（不设密码）后再上传。"
            )
        )
    if suffix == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise RosterFileError(_("文件扩展名是 .xlsx，但内容不是 Excel 工作簿。"))
        return "xlsx"
    if suffix in (".csv", ".txt"):
        if head.startswith(b"PK\x03\x04"):
            raise RosterFileError(_("这是 Excel 工作簿，请把扩展名改回 .xlsx 后上传。"))
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise RosterFileError(_("文件不是文本格式的 CSV。"))
        return "csv"
    raise RosterFileError(_("只能上传 .xlsx 或 .csv 文件。"))


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


def _check_zip(path: Path) -> int:
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
    if file_format == "xlsx":
        return _check_zip(path)
    return path.stat().st_size


@dataclass
class Header:
    row: int  # 1-based row number of the (last) header row
    texts: list[str]
    title: str = ""
    unit_line: str = ""


def _find_header(rows: list[list[object]]) -> Header | None:
    """The header among the first rows: the row naming the most known columns (at least
    MIN_HEADER_MATCHES, among them 姓名 or 身份证号码); title and unit lines above it."""
    best, best_score = None, 0
    for index, values in enumerate(rows):
        fields = {columns.field_for_header(value) for value in values} - {None}
        score = len(fields)
        if score >= MIN_HEADER_MATCHES and fields & {"name", "id_number"} and score > best_score:
            best, best_score = index, score
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
    return Header(header_row, texts, title[:200], unit_line[:200])


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
    _workbook: object = field(default=None, repr=False)
    # Run by close(): removes the local copy of a file kept in object storage (core.storage).
    cleanup: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def typed(self) -> bool:
        """Whether cells carry types (numbers, dates) rather than only text."""
        return self.file_format == "xlsx"

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
        if self.file_format == "xlsx":
            sheet = self._workbook[self.sheet_name]
            source = sheet.iter_rows(min_row=start)
        else:
            source = (
                [CsvCell(value) for value in row]
                for row in _csv_rows(self.path, self.encoding, self.delimiter, skip=start - 1)
            )
        given, empty_run = 0, []
        for number, cells in enumerate(source, start=start):
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

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
        if self.cleanup is not None:
            cleanup, self.cleanup = self.cleanup, None
            cleanup()


# <row r="5">, <row> and the empty <row/> a hostile file may repeat a million times (never
# <rowBreaks>). bytes.count is much faster than a regular expression on a million tags.
_ROW_OPENINGS = (b"<row ", b"<row>", b"<row/>", b"<row\n", b"<row\r", b"<row\t")
_PREFIXED_ROW_TAG = re.compile(rb"<\w+:row[\s/>]")


def _count_row_tags(data: bytes) -> int:
    count = sum(data.count(opening) for opening in _ROW_OPENINGS)
    if b":row" in data:  # a namespace prefix (rare)
        count += len(_PREFIXED_ROW_TAG.findall(data))
    return count


def _count_sheet_rows(sheet) -> int:
    """Rows in a read-only sheet, counted from its XML without parsing it (fast)."""
    count, tail = 0, b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            count += _count_row_tags(data)
            # Keep the end of the chunk in case a tag is cut in two; never count it twice.
            tail = data[-16:]
            count -= _count_row_tags(tail)
    return count


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    _check_zip(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise RosterFileError(_("Excel 文件无法打开：%(error)s") % {"error": exc}) from None
    for sheet in workbook.worksheets:
        if not hasattr(sheet, "reset_dimensions"):
            continue  # a chart sheet
        # Some programs write a wrong <dimension> (e.g. "A1"); trusting it would drop rows.
        sheet.reset_dimensions()
        head = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS)]
        header = _find_header(head)
        if header is not None:
            table = Table(path, "xlsx", header, sheet_name=sheet.title, _workbook=workbook)
            table.estimated_rows = max(_count_sheet_rows(sheet) - header.row, 0)
            return table
    workbook.close()
    raise RosterFileError(_NO_HEADER())


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
    head = []
    for row in _csv_rows(path, encoding, delimiter):
        head.append(row)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    header = _find_header(head)
    if header is None:
        raise RosterFileError(_NO_HEADER())
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    table = Table(path, "csv", header, encoding=encoding, delimiter=delimiter)
    table.estimated_rows = max(lines - header.row, 0)
    return table


def open_table(path: Path | str, file_format: str) -> Table:
    """Find the member table in the file; raises RosterFileError with a message for the user."""
    path = Path(path)
    if file_format == "xlsx":
        return _open_xlsx(path)
    return _open_csv(path)
