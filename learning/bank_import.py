"""Reading a question bank from a spreadsheet (.xlsx, .xls, .ods via python-calamine).

The sheet has a header row naming its columns (题型, 题干, 选项A … 选项J, 答案, 解析, 难度);
title rows above it are skipped. Every row that cannot be read is reported with its row number
(as Excel shows it) and its column, and nothing is imported until the preview is clean and the
user confirms (services.bank_import then adds all rows or none)."""

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import grading

# The previewed rows wait in the session until confirmed: keep them to a few megabytes.
MAX_ROWS = 2000
MAX_BYTES = 10 * 1024 * 1024
HEADER_SEARCH_ROWS = 10

KIND_WORDS = {
    "单选": "single",
    "单选题": "single",
    "单项选择题": "single",
    "多选": "multiple",
    "多选题": "multiple",
    "多项选择题": "multiple",
    "判断": "true_false",
    "判断题": "true_false",
    "填空": "fill",
    "填空题": "fill",
}
DIFFICULTY_WORDS = {
    "易": 1,
    "简单": 1,
    "1": 1,
    "中": 2,
    "中等": 2,
    "2": 2,
    "难": 3,
    "困难": 3,
    "3": 3,
}
COLUMNS = {
    "题型": "kind",
    "题干": "text",
    "答案": "answer",
    "解析": "explanation",
    "难度": "difficulty",
}


class BankFileError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Preview:
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def read_sheet(upload: Any) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BankFileError(_("文件超过 10 MB，请拆分后再导入。"))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own errors for anything it cannot read
        raise BankFileError(
            _("无法读取该文件：请上传 Excel（.xlsx、.xls）或 WPS/OpenOffice（.ods）表格。")
        ) from None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse(table: list[list[Any]]) -> Preview:
    """The rows of the sheet as question fields, with every error by row and column."""
    header_at = None
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        names = [_cell(v) for v in row]
        if "题干" in names and "答案" in names:
            header_at = i
            break
    if header_at is None:
        raise BankFileError(_("未找到表头：表格须有“题型”“题干”“答案”列（可下载模板参照）。"))
    header = [_cell(v) for v in table[header_at]]
    fields: dict[int, str] = {}
    options: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        if name in COLUMNS:
            fields[index] = COLUMNS[name]
        elif name.startswith("选项") and name[2:3].upper() in grading.LETTERS:
            options.append((index, name[2:3].upper()))
    if "kind" not in fields.values():
        raise BankFileError(_("未找到“题型”列。"))
    options.sort(key=lambda item: item[1])
    preview = Preview()
    label = {v: k for k, v in COLUMNS.items()}
    body = table[header_at + 1 :]
    if len(body) > MAX_ROWS:
        raise BankFileError(_("一次最多导入 %(n)s 道题。") % {"n": MAX_ROWS})
    for offset, row in enumerate(body):
        number = header_at + 2 + offset  # Excel's row number
        cells = [_cell(v) for v in row]
        if not any(cells):
            continue
        values = {name: cells[i] if i < len(cells) else "" for i, name in fields.items()}
        position = {name: _column_letter(i) for i, name in fields.items()}

        def error(name: str, message: str, number: int = number, position: dict = position) -> None:
            preview.errors.append(
                RowError(number, f"{position.get(name, '')}（{label.get(name, name)}）", message)
            )

        kind = KIND_WORDS.get(values.get("kind", ""))
        if kind is None:
            error("kind", _("题型须为单选、多选、判断或填空。"))
            continue
        text = values.get("text", "")
        if not text:
            error("text", _("题干为空。"))
            continue
        if len(text) > 2000:
            error("text", _("题干超过 2000 字。"))
            continue
        difficulty = DIFFICULTY_WORDS.get(values.get("difficulty", "") or "中")
        if difficulty is None:
            error("difficulty", _("难度须为易、中、难。"))
            continue
        choice_texts = [cells[i] if i < len(cells) else "" for i, _letter in options]
        while choice_texts and not choice_texts[-1]:
            choice_texts.pop()
        if kind in ("single", "multiple") and "" in choice_texts:
            gap = choice_texts.index("")
            preview.errors.append(
                RowError(
                    number,
                    f"{_column_letter(options[gap][0])}（选项{options[gap][1]}）",
                    _("选项不能中间留空。"),
                )
            )
            continue
        from .services import check_question

        try:
            answer = check_question(kind, choice_texts, values.get("answer", ""))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                target = "answer" if name == "answer" else "kind"
                if name == "options" and options:
                    preview.errors.append(
                        RowError(number, f"{_column_letter(options[0][0])}（选项A）", messages[0])
                    )
                else:
                    error(target, messages[0])
            continue
        preview.rows.append(
            {
                "kind": kind,
                "text": text,
                "options": choice_texts if kind in ("single", "multiple") else [],
                "answer": answer,
                "explanation": values.get("explanation", "")[:2000],
                "difficulty": difficulty,
            }
        )
        preview.row_numbers.append(number)
    if not preview.rows and not preview.errors:
        raise BankFileError(_("表格中没有试题。"))
    return preview


TEMPLATE_HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度"]
TEMPLATE_ROWS = [
    [
        "单选",
        "党的最高理想和最终目标是什么？",
        "实现共产主义",
        "全面建成小康社会",
        "实现现代化",
        "",
        "A",
        "见党章总纲。",
        "易",
    ],
    [
        "多选",
        "“三会一课”包括下列哪些？",
        "支部党员大会",
        "支委会",
        "党小组会",
        "党课",
        "ABCD",
        "",
        "中",
    ],
    ["判断", "预备党员的预备期为一年。", "", "", "", "", "对", "", "易"],
    ["填空", "党的根本宗旨是全心全意为人民____。", "", "", "", "", "服务", "", "易"],
]
