"""Question-bank import from a spreadsheet: preview, every bad row named by row and column,
nothing imported until the preview is clean and confirmed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEvent
from core.tests.personas import signed_in
from learning import bank_import, services
from learning.models import Question
from learning.tests.factories import theme

pytestmark = pytest.mark.django_db

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度"]


def xlsx(*rows, title=True):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["迪庆州直机关党章党规题库"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("题库.xlsx", buffer.getvalue())


GOOD = [
    ["单选", "预备期多长？", "半年", "一年", "", "", "B", "", "易"],
    ["多选", "三会包括？", "党员大会", "支委会", "党小组会", "民主生活会", "a,b,c", "", "中"],
    ["判断", "党员须交党费。", "", "", "", "", "对", "", ""],
    ["填空", "党成立于____年。", "", "", "", "", 1921, "", 1],
    ["单选", "-1 和 +1 哪个大？", "+1", "-1", "", "", "A", "", "难"],
]


@pytest.fixture
def bank(world):
    return services.bank_create(
        actor=world.users["admin"], organisation=world.root, title="题库", theme=theme()
    )


def test_preview_then_apply(client, world, bank):
    signed_in(client, world.users["admin"])
    url = reverse("learning:bank_import", args=[bank.pk])
    response = client.post(url, {"file": xlsx(*GOOD)})
    assert response.status_code == 200
    assert not Question.objects.exists()  # a preview imports nothing
    assert "可导入 5 道题" in response.content.decode()
    response = client.post(reverse("learning:bank_import_apply", args=[bank.pk]))
    assert response.status_code == 302
    assert Question.objects.filter(bank=bank).count() == 5
    multiple = Question.objects.get(kind="multiple")
    assert multiple.answer == "ABC" and multiple.options == [
        "党员大会",
        "支委会",
        "党小组会",
        "民主生活会",
    ]
    assert Question.objects.get(kind="fill").answer == "1921"
    assert Question.objects.get(kind="true_false").answer == "T"
    assert AuditEvent.objects.filter(action="upload", target_id=str(bank.pk)).exists()
    # The confirmation is used up: a second apply imports nothing more.
    client.post(reverse("learning:bank_import_apply", args=[bank.pk]))
    assert Question.objects.count() == 5


def test_row_errors_name_row_and_column(client, world, bank):
    signed_in(client, world.users["admin"])
    rows = [
        GOOD[0],
        ["问答", "什么？", "", "", "", "", "x", "", ""],  # row 4: bad kind (column A)
        ["单选", "", "甲", "乙", "", "", "A", "", ""],  # row 5: empty text (B)
        ["单选", "哪个？", "甲", "乙", "", "", "C", "", ""],  # row 6: answer not an option (G)
        ["多选", "哪些？", "甲", "", "丙", "", "AC", "", ""],  # row 7: gap in options (D)
        ["判断", "对吗？", "", "", "", "", "也许", "", ""],  # row 8: bad true/false (G)
        ["单选", "难吗？", "甲", "乙", "", "", "A", "", "极难"],  # row 9: difficulty (I)
    ]
    response = client.post(reverse("learning:bank_import", args=[bank.pk]), {"file": xlsx(*rows)})
    assert response.status_code == 400
    page = response.content.decode()
    for expected in [
        "第 4 行 A（题型）",
        "第 5 行 B（题干）",
        "第 6 行 G（答案）",
        "第 7 行 D（选项B）",
        "第 8 行 G（答案）",
        "第 9 行 I（难度）",
    ]:
        assert expected in page, expected
    assert 'id="import-apply"' not in page
    response = client.post(reverse("learning:bank_import_apply", args=[bank.pk]))
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"not a spreadsheet at all", b"PK\x03\x04broken zip", b"\x00" * 100],
)
def test_unreadable_files_are_a_400_in_chinese(client, world, bank, content):
    signed_in(client, world.users["admin"])
    response = client.post(
        reverse("learning:bank_import", args=[bank.pk]),
        {"file": SimpleUploadedFile("题库.xlsx", content)},
    )
    assert response.status_code == 400
    assert "题库文件" in response.content.decode()


def test_sheet_without_header(client, world, bank):
    workbook = Workbook()
    workbook.active.append(["随便", "什么"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    signed_in(client, world.users["admin"])
    response = client.post(
        reverse("learning:bank_import", args=[bank.pk]),
        {"file": SimpleUploadedFile("a.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 400
    assert "未找到表头" in response.content.decode()


def test_template_downloads_and_parses(client, world):
    signed_in(client, world.users["admin"])
    response = client.get(reverse("learning:bank_template"))
    assert response.status_code == 200
    preview = bank_import.parse(bank_import.read_sheet(io.BytesIO(response.content)))
    assert preview.ok and len(preview.rows) == 4


def test_other_secretary_cannot_import(client, world, bank):
    signed_in(client, world.users["secretary_b"])
    assert (
        client.post(
            reverse("learning:bank_import", args=[bank.pk]), {"file": xlsx(*GOOD)}
        ).status_code
        == 404
    )
