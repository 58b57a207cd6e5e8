"""manage.py import_roster: the same preview and apply, as text or one JSON object."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from organisations.models import Member
from organisations.tests.factories import id_number_for
from roster.models import ImportBatch
from roster.tests import samples
from roster.tests.test_roster_import import row


@pytest.fixture
def roster(world, tmp_path):
    rows = [
        row(姓名="王  芳", 身份证=id_number_for(date(1985, 3, 12), "female")),
        row(姓名="张伟", 身份证="533401198503121230"),  # wrong check digit
    ]
    return samples.write_workbook(tmp_path / "花名册.xlsx", rows)


def run(capsys, *args):
    try:
        call_command("import_roster", *map(str, args))
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, capsys.readouterr().out


def test_dry_run_as_json_changes_nothing(world, roster, capsys, settings):
    status, out = run(capsys, roster, "--org", world.org_a.code, "--format", "json")
    assert status == 0
    report = json.loads(out)
    assert report["rows"][0] == {"row": 4, "outcome": "new", "name": "王芳", "messages": []}
    assert report["rows"][1]["outcome"] == "rejected"
    assert "第 5 行，公民身份号码" in report["rows"][1]["messages"][0]
    assert [r["outcome"] for r in report["rows"][2:]] == ["skipped", "skipped"]
    assert report["summary"]["new"] == 1 and report["summary"]["applied"] is False
    assert not Member.objects.filter(name="王芳").exists()
    assert not ImportBatch.objects.exists()
    assert not list((settings.MEDIA_ROOT / "roster").glob("*.xlsx"))  # no copy left behind


def test_apply_by_id_imports_and_audits_as_the_command_line(world, roster, capsys):
    status, out = run(capsys, roster, "--org", world.org_a.pk, "--apply", "--format", "json")
    assert status == 0
    summary = json.loads(out)["summary"]
    assert summary["applied"] is True and summary["created"] == 1
    batch = ImportBatch.objects.get(code=summary["batch"])
    event = AuditEvent.objects.get(batch=batch.code, target_type="organisations.member")
    assert event.actor is None and event.actor_name == "operator:import_roster"
    assert Member.objects.get(name="王芳").organisation == world.org_a


def test_as_a_user_with_that_users_scope(world, roster, capsys):
    with pytest.raises(CommandError, match="may not edit"):
        run(capsys, roster, "--org", world.org_b.code, "--user", "secretary_a")
    status, _out = run(capsys, roster, "--org", world.org_a.code, "--user", "secretary_a")
    assert status == 0


def test_nothing_importable_exits_non_zero(world, tmp_path, capsys):
    path = samples.write_workbook(
        tmp_path / "bad.xlsx", [row(姓名="张伟", 身份证=float("5.33401198503120E+17"))]
    )
    status, out = run(capsys, path, "--org", world.org_a.code, "--apply", "--format", "json")
    assert status == 1
    assert "Excel" in json.loads(out)["rows"][0]["messages"][0]
    assert not ImportBatch.objects.exists()


def test_text_report(world, roster, capsys):
    status, out = run(capsys, roster, "--org", world.org_a.code)
    assert status == 0
    assert "不予导入" in out and "校验码" in out and "no --apply" in out


def test_unreadable_file(world, tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n")
    status, out = run(capsys, path, "--org", world.org_a.code, "--format", "json")
    assert status == 1 and "表头" in json.loads(out)["error"]


def names_and_numbers(tmp_path, *, headers=("人员", "号码", "民族", "入党时间", "党籍状态")):
    from roster.tests.test_roster_layouts import xlsx

    rows = [
        list(headers),
        ["王芳", id_number_for(date(1985, 3, 12), "female"), "汉族", "2010.07", "正式党员"],
    ]
    return xlsx(tmp_path / "名单.xlsx", rows)


def test_map_sets_columns_by_header_as_the_page_does(world, tmp_path, capsys):
    path = names_and_numbers(tmp_path)
    status, out = run(capsys, path, "--org", world.org_a.code, "--format", "json")
    report = json.loads(out)
    assert status == 1 and "没有找到“姓名”列" in report["error"]
    assert [c["field"] for c in report["columns"]][:2] == [None, "id_number"]
    status, out = run(
        capsys, path, "--org", world.org_a.code, "--format", "json", "--map", "人员=姓名", "--apply"
    )
    report = json.loads(out)
    assert status == 0 and report["summary"]["created"] == 1
    used = {c["header"]: c["field"] for c in report["columns"]}
    # By hand (人员), by content (号码 holds ID numbers, 党籍状态 holds the category).
    assert used == {
        "人员": "name",
        "号码": "id_number",
        "民族": "ethnicity",
        "入党时间": "joined_on",
        "党籍状态": "category",
    }
    assert next(c for c in report["columns"] if c["header"] == "人员")["auto"] is False
    assert Member.objects.filter(name="王芳").exists()


def test_mapping_file_and_its_mistakes(world, tmp_path, capsys):
    path = names_and_numbers(tmp_path)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"columns": {"人员": "name", "党籍状态": None}}, ensure_ascii=False),
        encoding="utf-8",
    )
    status, out = run(
        capsys, path, "--org", world.org_a.code, "--format", "json", "--mapping", mapping
    )
    report = json.loads(out)
    assert status == 0 and report["summary"]["new"] == 1
    assert {c["header"]: c["field"] for c in report["columns"]}["党籍状态"] is None
    with pytest.raises(CommandError, match="no column headed 姓名"):
        call_command("import_roster", str(path), "--org", world.org_a.code, "--map", "姓名=name")
    with pytest.raises(CommandError, match="unknown field 'nickname'"):
        call_command(
            "import_roster", str(path), "--org", world.org_a.code, "--map", "人员=nickname"
        )
    assert not ImportBatch.objects.exists()


def test_mapping_file_names_organisations_too(world, tmp_path, capsys):
    from roster.models import OrganisationValue
    from roster.tests.test_roster_layouts import xlsx

    rows = [
        ["姓名", "身份证号码", "民族", "入党时间", "所在党支部"],
        ["王芳", id_number_for(date(1985, 3, 12), "female"), "汉族", "2010.07", "机关一支部"],
    ]
    path = xlsx(tmp_path / "r.xlsx", rows)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"organisations": {"机关一支部": world.branch_a.code}}, ensure_ascii=False),
        encoding="utf-8",
    )
    status, out = run(capsys, path, "--org", world.org_a.code, "--mapping", mapping, "--apply")
    assert status == 0
    assert Member.objects.get(name="王芳").organisation == world.branch_a
    assert OrganisationValue.objects.get().maps_to == world.branch_a
    assert (
        AuditEvent.objects.filter(actor_name="operator:import_roster", action="create").count() == 2
    )
