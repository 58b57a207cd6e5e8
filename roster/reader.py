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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from . import columns
from .normalise import text

# Rows searched for the header: title blocks are a few rows, never dozens.
HEADER_SEARCH_ROWS = 30
# A header row names at least this many known columns.
MIN_HEADER_MATCHES = 3
# Uncompressed size an .xlsx may unpack to (a zip bomb guard): 50,000 members take ~40 MB.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024


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


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise RosterFileError(_("Excel 文件已损坏，无法打开。")) from None
    if "xl/workbook.xml" not in names:
        raise RosterFileError(_("文件不是 Excel 工作簿（.xlsx）。"))
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterFileError(_("Excel 文件过大，请分成几个文件上传。"))


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
    _workbook: object = field(default=None, repr=False)

    @property
    def typed(self) -> bool:
        """Whether cells carry types (numbers, dates) rather than only text."""
        return self.file_format == "xlsx"

    def rows(self) -> Iterator[tuple[int, list]]:
        """(source row number, cells padded to the header's width) for every row below it."""
        width = len(self.header.texts)
        start = self.header.row + 1
        if self.file_format == "xlsx":
            sheet = self._workbook[self.sheet_name]
            source = sheet.iter_rows(min_row=start)
        else:
            source = (
                [CsvCell(value) for value in row]
                for row in _csv_rows(self.path, self.encoding, self.delimiter, skip=start - 1)
            )
        for number, cells in enumerate(source, start=start):
            cells = list(cells[:width])
            if len(cells) < width:
                cells += [EMPTY] * (width - len(cells))
            yield number, cells

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")


def _count_sheet_rows(sheet) -> int:
    """Rows in a read-only sheet, counted from its XML without parsing it (fast)."""
    count, tail = 0, b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            count += len(_ROW_TAG.findall(data))
            # Keep the end of the chunk in case a tag is cut in two; never count it twice.
            tail = data[-8:]
            count -= len(_ROW_TAG.findall(tail))
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
