"""Hostile uploads are bounded (issue 7, item 4): each test builds the file it needs, small
and fast, with the limit set low, and checks the Chinese message and how many rows stayed.

- shared strings (or any part read whole) that would unpack past the cap: refused from the
  zip directory, before openpyxl parses anything;
- a sheet or a CSV of (almost) nothing but empty rows: a run of empty rows ends the table;
- more rows than the cap: refused, nothing stored;
- a big file (by size) is read by the worker only, never in the upload request."""

import re
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured

from roster import reader
from roster.models import BatchStatus, ImportRow
from roster.reader import RosterFileError
from roster.tests import samples
from roster.tests.test_roster_views import latest_batch, people_rows, post_file

MB = 1024 * 1024


def rewrite(source, target, *, change=None, add=None):
    """A copy of the .xlsx `source` with parts changed (name → function of the old bytes) or
    added (name → bytes)."""
    change, add = change or {}, add or {}
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename in change:
                data = change[item.filename](data)
            new.writestr(item.filename, data)
        for name, data in add.items():
            new.writestr(name, data)
    return target


SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_shared_strings(source, target, *, size: int, name: str = "xl/sharedStrings.xml"):
    """A copy of `source` with a shared strings part holding one string of `size` characters
    (it deflates to a few KB), declared where openpyxl looks for it."""
    part = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>' + b"x" * size + b"</t></si></sst>"
    )
    override = f'<Override PartName="/{name}" ContentType="{SHARED_STRINGS}"/></Types>'
    return rewrite(
        source,
        target,
        change={"[Content_Types].xml": lambda data: data.replace(b"</Types>", override.encode())},
        add={name: part},
    )


@pytest.fixture
def openpyxl_calls(monkeypatch):
    """Every time anything asks openpyxl or calamine (reader._calamine_workbook) to open a
    workbook."""
    calls = []

    def counting(original):
        def call(*args, **kwargs):
            calls.append(args)
            return original(*args, **kwargs)

        return call

    monkeypatch.setattr(openpyxl, "load_workbook", counting(openpyxl.load_workbook))
    monkeypatch.setattr(reader, "_calamine_workbook", counting(reader._calamine_workbook))
    return calls


def test_shared_strings_bomb_refused_before_openpyxl_parses_anything(
    client, world, tmp_path, settings, openpyxl_calls
):
    settings.ROSTER_MAX_SHARED_STRINGS_MB = 1
    plain = samples.write_workbook(tmp_path / "plain.xlsx", people_rows(3))
    bomb = with_shared_strings(plain, tmp_path / "花名册.xlsx", size=2 * MB)
    assert bomb.stat().st_size < 100 * 1024  # a small upload
    client.force_login(world.users["secretary_a"])
    response = post_file(client, world.org_a, bomb)
    batch = latest_batch()
    assert response.status_code == 302
    assert batch.status == BatchStatus.FAILED
    assert "共享字符串" in batch.error_message and "1 MB" in batch.error_message
    assert "共享字符串" in client.get(response.url).content.decode()
    assert openpyxl_calls == []
    assert ImportRow.objects.filter(batch=batch).count() == 0


def test_shared_strings_are_found_whatever_the_part_is_called(tmp_path, settings, openpyxl_calls):
    """openpyxl finds the shared strings through [Content_Types].xml, so the cap does too:
    a part named like a worksheet (which would be streamed) is still read whole."""
    settings.ROSTER_MAX_SHARED_STRINGS_MB = 1
    plain = samples.write_workbook(tmp_path / "plain.xlsx", people_rows(1))
    hidden = "xl/worksheets/strings.xml"
    path = with_shared_strings(plain, tmp_path / "hidden.xlsx", size=2 * MB, name=hidden)
    with pytest.raises(RosterFileError, match="共享字符串"):
        reader.open_table(path, "xlsx")
    assert openpyxl_calls == []
    # The same file under the cap opens: the renaming itself is harmless.
    settings.ROSTER_MAX_SHARED_STRINGS_MB = 3
    reader.open_table(path, "xlsx").close()
    assert len(openpyxl_calls) == 1


def test_every_part_read_whole_is_capped(tmp_path, settings, openpyxl_calls):
    settings.ROSTER_MAX_SHARED_STRINGS_MB = 1
    plain = samples.write_workbook(tmp_path / "plain.xlsx", people_rows(1))
    path = rewrite(
        plain,
        tmp_path / "styles.xlsx",
        change={"xl/styles.xml": lambda data: data + b"<!--" + b" " * (2 * MB) + b"-->"},
    )
    with pytest.raises(RosterFileError, match="“xl/styles.xml”部分解压后超过 1 MB"):
        reader.open_table(path, "xlsx")
    assert openpyxl_calls == []


def test_the_whole_unpacked_size_is_capped(tmp_path, settings, openpyxl_calls):
    settings.ROSTER_MAX_UNPACKED_MB = 1
    plain = samples.write_workbook(tmp_path / "plain.xlsx", people_rows(1))
    path = rewrite(plain, tmp_path / "big.xlsx", add={"xl/media/pad.bin": b"\0" * (2 * MB)})
    with pytest.raises(RosterFileError, match="解压后超过 1 MB"):
        reader.open_table(path, "xlsx")
    assert openpyxl_calls == []


def million_empty_rows(tmp_path, *, after: list[str]):
    """A roster of 3 people, then a million empty rows, then `after` in one more row."""
    plain = samples.write_workbook(
        tmp_path / "plain.xlsx", people_rows(3), total_row=False, footer=""
    )
    last = 6  # title, unit line, header, 3 people

    def pad(data: bytes) -> bytes:
        assert max(int(n) for n in re.findall(rb'<row r="(\d+)"', data)) == last
        empty = b"<row/>" * 1_000_000  # "r" is optional: each row is the one after the last
        cells = b"".join(
            b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
            % (column.encode(), last + 1_000_001, value.encode())
            for column, value in zip("BF", after, strict=True)
        )
        tail = b'<row r="%d">%s</row>' % (last + 1_000_001, cells)
        return data.replace(b"</sheetData>", empty + tail + b"</sheetData>")

    return rewrite(
        plain, tmp_path / "花名册.xlsx", change={"xl/worksheets/sheet1.xml": pad}
    ), last + 1


def test_a_million_empty_rows_end_the_table_in_the_worker(
    client, world, tmp_path, settings, openpyxl_calls, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_MB = 5
    settings.ROSTER_EMPTY_ROWS_END = 1000
    path, first_empty = million_empty_rows(tmp_path, after=["藏在后面", "533401198503120028"])
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks() as callbacks:
        post_file(client, world.org_a, path)
    batch = latest_batch()
    # Unpacked it is big: the request only read the zip directory and queued it.
    assert batch.status == BatchStatus.QUEUED and batch.background
    assert openpyxl_calls == [] and len(callbacks) == 1
    callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert batch.summary["rows"] == 3 and batch.summary["to_create"] == 3
    assert batch.summary["ended_at_row"] == first_empty
    assert batch.estimated_rows == 1_000_004  # every <row/> counted, so it is the worker's
    assert ImportRow.objects.filter(batch=batch).count() == 3
    assert not ImportRow.objects.filter(batch=batch, name="藏在后面").exists()
    page = client.get(f"/roster/{batch.code}/").content.decode()
    assert f"从第 {first_empty} 行起是一大段空行，视为表格结束" in page


@pytest.mark.parametrize("blank", [b"\r\n", b",,,,\r\n"])
def test_a_csv_of_blank_lines_stores_a_bounded_number_of_rows(
    client, world, tmp_path, settings, django_capture_on_commit_callbacks, blank
):
    settings.ROSTER_BACKGROUND_MB = 1
    settings.ROSTER_EMPTY_ROWS_END = 100
    people = people_rows(2)
    lines = ["姓名,身份证号码,性别,出生年月"] + [f"{p[1]},{p[5]},女,1980.01" for p in people]
    data = ("\r\n".join(lines) + "\r\n").encode() + blank * (1_300_000 // len(blank))
    path = tmp_path / "花名册.csv"
    path.write_bytes(data + "后来者,533401198503120028,女,1985.03\r\n".encode())
    client.force_login(world.users["secretary_a"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_file(client, world.org_a, path)
        assert latest_batch().status == BatchStatus.QUEUED  # over 1 MB: the worker's
    assert len(callbacks) == 1
    batch = latest_batch()
    assert batch.status == BatchStatus.PREVIEWED
    assert batch.summary["rows"] == 2 and batch.summary["ended_at_row"] == 4
    assert ImportRow.objects.filter(batch=batch).count() == 2


def test_more_rows_than_the_cap_are_refused_and_nothing_stays(client, world, tmp_path, settings):
    settings.ROSTER_MAX_ROWS = 20
    rows = people_rows(12) + [[None] * len(samples.HEADERS)] * 3 + people_rows(12, start=20)
    path = samples.write_workbook(tmp_path / "r.xlsx", rows, total_row=False, footer="")
    client.force_login(world.users["secretary_a"])
    response = post_file(client, world.org_a, path)
    batch = latest_batch()
    assert batch.status == BatchStatus.FAILED
    assert batch.error_message == "表格超过 20 行，请分成几个文件上传（每个不超过 20 行）。"
    assert ImportRow.objects.filter(batch=batch).count() == 0
    assert batch.error_message in client.get(response.url).content.decode()
    # At the cap it goes through (empty rows inside the table count: they are stored).
    settings.ROSTER_MAX_ROWS = 27
    post_file(client, world.org_a, path)
    assert latest_batch().summary["rows"] == 27


def test_empty_rows_inside_the_table_stay_and_a_trailing_run_goes(tmp_path, settings):
    settings.ROSTER_EMPTY_ROWS_END = 3
    path = tmp_path / "r.csv"
    path.write_text("姓名,身份证号码,性别\n甲,1,女\n\n\n乙,2,男\n\n\n")
    table = reader.open_table(path, "csv")
    numbers = [number for number, _cells in table.rows()]
    assert numbers == [2, 3, 4, 5] and table.ended_at is None
    path.write_text("姓名,身份证号码,性别\n甲,1,女\n\n\n\n乙,2,男\n")
    table = reader.open_table(path, "csv")
    assert [number for number, _cells in table.rows()] == [2] and table.ended_at == 3


def test_limits_must_be_positive(monkeypatch):
    from config.settings import _positive_int

    monkeypatch.setenv("ROSTER_MAX_ROWS", "0")
    with pytest.raises(ImproperlyConfigured, match="ROSTER_MAX_ROWS must be"):
        _positive_int("ROSTER_MAX_ROWS", 100_000)
    monkeypatch.setenv("ROSTER_MAX_ROWS", "500")
    assert _positive_int("ROSTER_MAX_ROWS", 100_000) == 500
