"""An import's messages are stored as msgids and parameters, and shown in the language of
whoever reads them, not of whoever imported (issue 9)."""

from datetime import date
from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core.stored_text import Message, render, to_stored
from organisations.tests.factories import id_number_for
from roster.tests.test_roster_import import upload

pytestmark = pytest.mark.django_db


def test_a_message_is_stored_as_its_msgid_and_shown_in_any_language():
    with translation.override("zh-hans"):
        inner = Message("未填写。")
        text = Message("第 %(row)s 行，%(column)s：%(message)s") % {
            "row": 3,
            "column": "姓名",
            "message": inner,
        }
    assert text == "第 3 行，姓名：未填写。"  # a str where one is expected
    stored = to_stored(text)
    assert stored["msgid"] == "第 %(row)s 行，%(column)s：%(message)s"
    with translation.override("en"):
        assert render(stored) == "Row 3, 姓名: Not filled in."
    with translation.override("zh-hant"):
        assert render(stored) == "第 3 行，姓名：未填寫。"
    assert render("旧的文字") == "旧的文字"  # rows stored before keep their text


def test_an_import_made_in_chinese_reads_in_english(client, world, tmp_path):
    secretary = world.users["secretary_a"]
    number = id_number_for(date(1979, 9, 9), "male")
    path = tmp_path / "花名册.csv"
    path.write_bytes(
        (
            "姓名,性别,民族,身份证号码,入党日期,转正日期\r\n"
            f"多吉,X,藏族,{number},1999-07-01,2000-07-01\r\n"
            f",男,藏族,{id_number_for(date(1980, 1, 1), 'male')},1999-07-01,2000-07-01\r\n"
        ).encode()
    )
    with translation.override("zh-hans"):
        batch = upload(secretary, world.org_a, path)
    client.force_login(secretary)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()
    assert "Row 2, 性别: “X” is not a valid sex" in page
    assert "不是有效的性别" not in page
    rejected = client.get(reverse("roster:roster_rejected", args=[batch.code]))
    sheet = load_workbook(BytesIO(b"".join(rejected.streaming_content))).active
    cells = [c.value for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    # The file of rows left out is a roster to fix and upload again: always in Chinese, the
    # roster's language (exports.ROSTER_LANGUAGE), rendered from the same stored message.
    assert "第 3 行，姓名：未填写。" in cells


def test_column_reasons_and_id_number_warnings_read_in_the_readers_language(
    client, world, tmp_path
):
    """Issue 8's messages (roster.mapping, roster.id_checks) are stored the same way."""
    from roster.tests.test_roster_layouts import legacy, upload_page, xlsx

    rows = [
        ["姓名", "身份证号码", "民族", "入党时间", "党籍状态"],
        ["王强", legacy(date(1965, 4, 3), 125), "汉族", "1990.07", "正式党员"],
        ["李明", id_number_for(date(1980, 5, 6), "male"), "汉族", "2005.07", "正式党员"],
    ]
    batch, page = upload_page(client, world, xlsx(tmp_path / "名册.xlsx", rows))
    assert "不是党籍状态，而是人员类别" in page  # Chinese for whoever imported in Chinese
    status = next(c for c in batch.columns if c["header"] == "党籍状态")
    assert status["reason"]["msgid"].startswith("“%(header)s”列的内容")
    assert status["reason"]["params"]["proposal"] == {"msgid": "人员类别"}
    warning = batch.rows.get(row_number=2).messages[0]
    assert warning["params"]["message"]["msgid"].startswith("15 位旧身份证号码 %(old)s")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()
    assert "not Membership status but Category" in page
    assert "The 15-digit legacy ID number 5334*******3125 was converted" in page
    assert "不是党籍状态" not in page and "15 位旧身份证号码" not in page
    with translation.override("en"):
        assert "not Membership status but Category" in render(status["reason"])


def test_a_batch_error_and_the_builders_messages_read_in_the_readers_language(
    client, world, tmp_path
):
    """ImportBatch.error and the member builder's messages inside row messages are stored as
    msgids too (issue 9): an importer in Chinese, a reader in English, and back."""
    secretary = world.users["secretary_a"]
    no_id = tmp_path / "无身份证列.csv"
    no_id.write_bytes("姓名,民族,入党日期\r\n多吉,藏族,1999-07-01\r\n".encode())
    with translation.override("zh-hans"):
        batch = upload(secretary, world.org_a, no_id)
        assert "没有找到“身份证号码”列" in render(batch.error)
    assert batch.error.startswith('{"msgid"')  # the column holds the msgid and parameters
    future = tmp_path / "未来.csv"
    future.write_bytes(
        (
            "姓名,民族,身份证号码,入党日期\r\n"
            f"多吉,藏族,{id_number_for(date(1979, 9, 9), 'male')},2999-07-01\r\n"
        ).encode()
    )
    with translation.override("zh-hans"):
        dated = upload(secretary, world.org_a, future)
    row = dated.rows.get(row_number=2)
    inner = row.messages[0]["params"]["message"]
    assert inner == {"msgid": "入党日期不能晚于今天。"}  # the builder's own msgid
    client.force_login(secretary)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("roster:roster_batch", args=[batch.code])).content.decode()
    assert "No &quot;身份证号码&quot; column was found" in page and "没有找到" not in page
    page = client.get(reverse("roster:roster_batch", args=[dated.code])).content.decode()
    assert "Row 2, 入党日期: The date joined cannot be later than today." in page
    with translation.override("zh-hant"):
        assert "入黨日期不能晚於今天" in render(row.messages[0])
    with translation.override("zh-hans"):
        assert render(row.messages[0]) == "第 2 行，入党日期：入党日期不能晚于今天。"


@pytest.mark.parametrize(
    ("language", "shown", "absent"),
    [
        # A Chinese 花名册's headers stay Chinese; their meaning is beside them.
        ("en", "“公民身份号码” (Citizen ID number), “入党日期” (Date joined)", "入党日期”“"),
        ("zh-hant", "“入党日期”（入黨日期）", "Date joined"),
        ("zh-hans", "（如“公民身份号码”“入党日期”“手机号码”）", "（入"),
    ],
)
def test_the_upload_page_names_the_chinese_headers_with_their_meaning(
    client, world, language, shown, absent
):
    client.force_login(world.users["secretary_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("roster:roster_upload", args=[world.org_a.pk])).content.decode()
    [hint] = [line for line in page.splitlines() if 'id="example-headers"' in line]
    assert shown in hint and absent not in hint
