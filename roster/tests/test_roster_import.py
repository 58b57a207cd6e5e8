"""The roster import end to end at the service level: preview outcomes for a messy file,
apply in one transaction, idempotent re-import, rollback and what blocks it, scope, tasks."""

import os
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.utils import timezone

from audit.models import AuditEvent
from core.stored_text import render
from organisations import services as member_services
from organisations.models import Member, MembershipPeriod
from organisations.tests.factories import (
    MemberFactory,
    OrganisationFactory,
    PositionFactory,
    id_number_for,
)
from roster import services, tasks
from roster.models import BatchStatus, ImportBatch
from roster.tests import samples

HEADERS = samples.HEADERS
# Events about members (a batch also logs its own upload, preview and so on).
MEMBER = "organisations.member"


def upload(actor, organisation, path):
    with open(path, "rb") as handle:
        batch = services.batch_upload(
            actor=actor, organisation=organisation, upload=File(handle, name=path.name)
        )
    return tasks.start_preview(batch=batch, actor=actor)


def row(**overrides):
    """One roster row in HEADERS order, valid by default."""
    values = {
        "序号": None,
        "姓名": "王芳",
        "性别": "女",
        "民族": "汉族",
        "出生年月": "1985.03",
        "身份证": id_number_for(date(1985, 3, 12), "female"),
        "学历": "本科",
        "入党时间": "2010.07",
        "转正时间": "2011.07",
        "类别": "正式党员",
        "支部": "",
        "单位职务": "甲局 科员",
        "手机": "13887654321",
        "备注": "",
    }
    values.update(overrides)
    return list(values.values())


class Messy:
    """A roster for 中共甲局委员会 with every kind of row a real one has."""

    def __init__(self, world, tmp_path):
        self.tibetan_id = id_number_for(date(1990, 5, 20), "female")
        self.female_id = id_number_for(date(1988, 8, 8), "female")
        self.bad_checksum = self._wrong_check(id_number_for(date(1970, 1, 2), "male"))
        self.excel_number = float(id_number_for(date(1985, 3, 12), "male")[:15] + "000")
        self.rows = {
            4: row(
                姓名="次仁•卓玛",
                民族="藏",
                出生年月="1990.05",
                身份证=self.tibetan_id,
                入党时间="2015年7月",
                转正时间=datetime(2016, 7, 1),
                支部="甲局第一党支部",
                手机=13887654321,
            ),
            5: row(
                姓名="李  娜",
                性别="男",
                身份证=self.female_id,
                出生年月="1988.08",
                入党时间="2012-3-5",
                转正时间=20130305,
            ),
            6: row(姓名="张伟", 身份证=self.excel_number),
            7: row(
                姓名="次仁·卓玛",
                民族="藏",
                出生年月="1990.05",
                身份证=self.tibetan_id,
                入党时间="2015年7月",
                转正时间=datetime(2016, 7, 1),
                支部="甲局第一党支部",
                手机=13887654321,
            ),
            8: row(
                姓名="扎西 · 次仁",
                身份证=world.member_a.id_number,
                性别="男",
                出生年月="1985.03",
                入党时间=None,
                转正时间=None,
                类别=None,
                支部="中共甲局第一支部委员会",
                手机="13900001111",
                单位职务=None,
                学历=None,
            ),
            9: row(姓名="和丽华", 身份证=world.member_b.id_number, 入党时间="2010.07"),
            10: [None] * len(HEADERS),
            11: list(HEADERS),
            12: row(姓名="赵强", 身份证=self.bad_checksum, 性别="男", 出生年月="1970.01"),
            13: row(
                姓名="周敏",
                身份证=id_number_for(date(1991, 2, 3), "female"),
                出生年月="1991.02",
                支部="乙局机关支部",
            ),
            14: row(
                姓名="孙丽",
                身份证=id_number_for(date(1992, 4, 4), "female"),
                出生年月="1992.04",
                入党时间="1980.01",
                转正时间=None,
            ),
            15: row(
                姓名="钱红",
                身份证=id_number_for(date(1993, 6, 6), "female"),
                出生年月="1993.06",
                入党时间=None,
                转正时间=None,
            ),
            16: row(
                姓名="吴静",
                身份证=id_number_for(date(1994, 7, 7), "female"),
                出生年月="1994.07",
                类别="预备党员",
                入党时间="2024.09",
                转正时间="2025.09",
            ),
        }
        self.path = samples.write_workbook(tmp_path / "花名册.xlsx", list(self.rows.values()))

    @staticmethod
    def _wrong_check(number):
        return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.fixture
def messy(world, tmp_path):
    return Messy(world, tmp_path)


def outcomes(batch):
    return {r.row_number: r.outcome for r in batch.rows.all()}


def messages(batch, number):
    return " ".join(render(text) for text in batch.rows.get(row_number=number).messages)


def test_preview_gives_every_row_an_outcome_and_changes_nothing(world, messy):
    before = Member.objects.count()
    batch = upload(world.users["secretary_a"], world.org_a, messy.path)
    assert batch.status == BatchStatus.PREVIEWED and not batch.error
    assert batch.header_row == 3
    assert outcomes(batch) == {
        4: "new",
        5: "warning",
        6: "rejected",
        7: "skipped",
        8: "update",
        9: "rejected",
        10: "skipped",
        11: "skipped",
        12: "rejected",
        13: "rejected",
        14: "rejected",
        15: "warning",  # no 入党时间: imported, 资料不全
        16: "rejected",
        17: "skipped",  # 合计
        18: "skipped",  # footer note
    }
    # 钱红 (row 15) has no 入党时间: imported all the same, with a warning.
    assert batch.summary["to_create"] == 3 and batch.summary["to_update"] == 1
    assert Member.objects.count() == before
    assert not AuditEvent.objects.filter(batch=batch.code, target_type=MEMBER).exists()

    # Messages name the row and the file's own column, in Chinese.
    assert "第 5 行，性别：性别与身份证号码不符" in messages(batch, 5)
    assert "已按身份证号码导入" in messages(batch, 5)
    excel = messages(batch, 6)
    assert "第 6 行，公民身份号码" in excel and "Excel" in excel and "文本" in excel
    assert "与第 4 行是同一人" in messages(batch, 7)
    assert "已在其他党组织登记" in messages(batch, 9)
    assert world.org_b.name not in messages(batch, 9)  # never says where
    assert "校验码" in messages(batch, 12)
    assert "乙局机关支部" in messages(batch, 13) and "不是" in messages(batch, 13)
    assert "第 14 行，入党时间：入党日期早于年满 18 周岁之日" in messages(batch, 14)
    assert "第 15 行，入党时间：未填写；仍可导入，党员档案将标为“资料不全”" in messages(batch, 15)
    assert "第 16 行，转正时间：人员类别为预备党员时不应填写转正日期" in messages(batch, 16)
    assert "空行" in messages(batch, 10) and "重复的表头" in messages(batch, 11)
    assert "合计" in messages(batch, 17)

    update = batch.rows.get(row_number=8)
    assert update.diff == {"phone": ["138****4321", "139****1111"]}  # masked on screen
    assert update.member_id == world.member_a.pk
    assert update.id_number_masked == world.member_a.id_number_masked
    # No clear ID number is stored with the rows.
    for stored in batch.rows.values_list("values", "messages", "diff"):
        assert world.member_a.id_number not in str(stored)


def test_apply_writes_valid_rows_with_the_batch_in_the_audit_log(
    world, messy, django_capture_on_commit_callbacks
):
    secretary = world.users["secretary_a"]
    batch = upload(secretary, world.org_a, messy.path)
    stored = services.upload_storage().path(batch.stored_file)
    assert os.path.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_apply(batch=batch, actor=secretary)
    assert batch.status == BatchStatus.APPLIED
    assert batch.summary["created"] == 3 and batch.summary["updated"] == 1
    assert not batch.stored_file and not os.path.exists(stored)  # clear IDs gone from disk

    tibetan = Member.objects.with_id_number(messy.tibetan_id).get()
    assert tibetan.name == "次仁·卓玛"
    assert tibetan.ethnicity == "04"
    assert tibetan.organisation == world.branch_a
    assert (tibetan.joined_on, tibetan.joined_on_precision) == (date(2015, 7, 1), "month")
    assert (tibetan.full_member_on, tibetan.full_member_on_precision) == (date(2016, 7, 1), "day")
    assert tibetan.birth_date == date(1990, 5, 20)  # from the ID: the column only gave the month
    assert (tibetan.unit, tibetan.post, tibetan.phone) == ("甲局", "科员", "13887654321")
    assert tibetan.name_initials == "crzm"
    assert tibetan.periods.get().organisation == world.branch_a
    assert not tibetan.is_incomplete

    # Imported without 入党时间: 资料不全 until completed; on record in its organisation from
    # the day of the import.
    unknown = Member.objects.get(name="钱红")
    assert unknown.joined_on is None and unknown.category == "full"
    assert "joined_on" in unknown.missing_fields()
    assert Member.objects.incomplete().filter(pk=unknown.pk).exists()
    assert unknown.periods.get().started_on == timezone.localdate()

    corrected = Member.objects.with_id_number(messy.female_id).get()
    assert (corrected.name, corrected.sex) == ("李娜", "female")  # the ID wins over the column
    assert corrected.organisation == world.org_a  # no 所在党支部: the target

    world.member_a.refresh_from_db()
    assert world.member_a.phone == "13900001111"

    events = AuditEvent.objects.filter(batch=batch.code, target_type=MEMBER)
    assert sorted(events.values_list("action", flat=True)) == [
        "create",
        "create",
        "create",
        "update",
    ]
    update = events.get(action="update")
    assert update.changes == {"phone": ["138****4321", "139****1111"]}  # masked as on screen
    assert update.actor == secretary
    # The import rows hold no clear phone, neither the file's nor the one an update replaced.
    for stored in batch.rows.values_list("values", "diff", "before", "phone_token"):
        for phone in ("13900001111", "13887654321"):
            assert phone not in str(stored)
    row = batch.rows.get(member=world.member_a)
    assert row.before["phone"] == "138****4321"
    created = events.filter(action="create").first()
    assert "*" in created.changes["id_number"][1]  # masked in the log


def test_importing_the_same_file_twice_changes_nothing(world, messy):
    secretary = world.users["secretary_a"]
    services.batch_apply(batch=upload(secretary, world.org_a, messy.path), actor=secretary)
    count = Member.objects.count()
    again = upload(secretary, world.org_a, messy.path)
    assert again.applicable_count == 0
    assert outcomes(again)[4] == "unchanged" and outcomes(again)[8] == "unchanged"
    assert outcomes(again)[5] == "unchanged"
    with pytest.raises(ValidationError):
        tasks.start_apply(batch=again, actor=secretary)
    assert Member.objects.count() == count


def test_rollback_restores_values_and_removes_created_members(world, messy):
    secretary = world.users["secretary_a"]
    batch = services.batch_apply(batch=upload(secretary, world.org_a, messy.path), actor=secretary)
    assert services.rollback_blockers(batch) == []
    services.batch_rollback(batch=batch, actor=secretary)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK and batch.rolled_back_by == secretary
    assert not Member.objects.with_id_number(messy.tibetan_id).exists()
    world.member_a.refresh_from_db()
    assert world.member_a.phone == "13887654321"
    actions = AuditEvent.objects.filter(batch=batch.code, target_type=MEMBER).values_list(
        "action", flat=True
    )
    assert sorted(actions) == [
        *["create"] * 3,
        *["delete"] * 3,
        "update",
        "update",
    ]
    undone = AuditEvent.objects.filter(batch=batch.code, reason=f"撤销导入批次 {batch.code}")
    assert sorted(undone.values_list("action", flat=True)) == [
        "delete",
        "delete",
        "delete",
        "update",
    ]


def test_rollback_refused_once_a_member_changed_later(world, messy):
    secretary = world.users["secretary_a"]
    batch = services.batch_apply(batch=upload(secretary, world.org_a, messy.path), actor=secretary)
    tibetan = Member.objects.with_id_number(messy.tibetan_id).get()
    member_services.member_update(actor=secretary, member=tibetan, post="副科长")
    blockers = services.rollback_blockers(batch)
    assert blockers == ["第 4 行 次仁·卓玛：导入后又被修改过。"]
    with pytest.raises(ValidationError):
        services.batch_rollback(batch=batch, actor=secretary)
    assert Member.objects.with_id_number(messy.tibetan_id).exists()


def test_rollback_refused_while_a_position_refers_to_a_created_member(world, messy):
    secretary = world.users["secretary_a"]
    batch = services.batch_apply(batch=upload(secretary, world.org_a, messy.path), actor=secretary)
    tibetan = Member.objects.with_id_number(messy.tibetan_id).get()
    PositionFactory(organisation=world.branch_a, member=tibetan)
    assert "班子成员" in services.rollback_blockers(batch)[0]


def test_later_batch_rolled_back_first_frees_the_earlier_one(world, tmp_path):
    secretary = world.users["secretary_a"]
    number = id_number_for(date(1980, 1, 1), "male")
    first = samples.write_workbook(
        tmp_path / "1.xlsx", [row(姓名="马军", 性别="男", 出生年月="1980.01", 身份证=number)]
    )
    second = samples.write_workbook(
        tmp_path / "2.xlsx",
        [row(姓名="马军", 性别="男", 出生年月="1980.01", 身份证=number, 手机="13911112222")],
    )
    batch1 = services.batch_apply(batch=upload(secretary, world.org_a, first), actor=secretary)
    batch2 = services.batch_apply(batch=upload(secretary, world.org_a, second), actor=secretary)
    assert services.rollback_blockers(batch1)  # batch 2 changed the member since
    services.batch_rollback(batch=batch2, actor=secretary)
    assert Member.objects.with_id_number(number).get().phone == "13887654321"
    batch1.refresh_from_db()
    assert services.rollback_blockers(batch1) == []
    services.batch_rollback(batch=batch1, actor=secretary)
    assert not Member.objects.with_id_number(number).exists()


def test_moving_a_member_and_rolling_back_keeps_the_history_straight(world, tmp_path):
    admin = world.users["admin"]
    member = world.member_a  # in branch_a
    period = MembershipPeriod.objects.create(
        member=member, organisation=world.branch_a, started_on=date(2010, 7, 1)
    )
    path = samples.write_workbook(
        tmp_path / "move.xlsx",
        [
            row(
                姓名="扎西·次仁",
                性别="男",
                身份证=member.id_number,
                支部="乙局机关党支部",
                出生年月="1985.03",
                入党时间="2010.07.01",
                转正时间="2011.07.01",
                手机="13887654321",
                学历="",
                单位职务="",
            )
        ],
    )
    batch = upload(admin, world.root, path)
    assert batch.rows.get(row_number=4).diff["organisation"] == [
        world.branch_a.name,
        world.org_b.name,
    ]
    services.batch_apply(batch=batch, actor=admin)
    member.refresh_from_db()
    assert member.organisation == world.org_b
    period.refresh_from_db()
    assert period.ended_on is not None
    assert member.periods.filter(ended_on__isnull=True).get().organisation == world.org_b

    services.batch_rollback(batch=ImportBatch.objects.get(pk=batch.pk), actor=admin)
    member.refresh_from_db()
    period.refresh_from_db()
    assert member.organisation == world.branch_a
    assert list(member.periods.all()) == [period] and period.ended_on is None


def test_importer_must_be_able_to_edit_the_target(world, messy):
    with pytest.raises(PermissionDenied):
        upload(world.users["secretary_a"], world.org_b, messy.path)


def test_a_row_that_went_stale_after_preview_stays_out(world, messy):
    secretary = world.users["secretary_a"]
    batch = upload(secretary, world.org_a, messy.path)
    # Someone registers the same person between preview and apply.
    MemberFactory(
        organisation=world.branch_a,
        name="次仁卓玛",
        birth_date=date(1990, 5, 20),
        sex="female",
        id_number=messy.tibetan_id,
    )
    batch = services.batch_apply(batch=batch, actor=secretary)
    assert batch.summary["created"] == 2 and batch.summary["stale"] == 1
    stale = batch.rows.get(row_number=4)
    assert stale.outcome == "rejected" and "预览之后已被登记" in render(stale.messages[-1])


def test_apply_is_all_or_nothing(world, messy, monkeypatch):
    secretary = world.users["secretary_a"]
    batch = upload(secretary, world.org_a, messy.path)
    count = Member.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_apply_updates", broken)
    with pytest.raises(RuntimeError):
        services.batch_apply(batch=batch, actor=secretary)
    assert Member.objects.count() == count
    assert not AuditEvent.objects.filter(batch=batch.code, target_type=MEMBER).exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED


def test_large_files_go_to_the_task_worker(
    world, messy, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 5
    secretary = world.users["secretary_a"]
    with open(messy.path, "rb") as handle:
        batch = services.batch_upload(
            actor=secretary, organisation=world.org_a, upload=File(handle, name="r.xlsx")
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = tasks.start_preview(batch=batch, actor=secretary)
        assert queued.status == BatchStatus.QUEUED and queued.background
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and batch.summary["to_create"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        applying = tasks.start_apply(batch=batch, actor=secretary)
        assert applying.status == BatchStatus.APPLYING
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert AuditEvent.objects.filter(batch=batch.code, target_type=MEMBER).count() == 4


def test_a_failing_background_apply_leaves_the_preview_to_retry(
    world, messy, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ROSTER_BACKGROUND_ROWS = 5
    secretary = world.users["secretary_a"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(secretary, world.org_a, messy.path)  # previewed by the task
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_apply_creates", broken)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.start_apply(batch=batch, actor=secretary)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert "未做任何修改" in batch.error_message and "disk full" in batch.error_message


def test_csv_from_chinese_windows(world, tmp_path):
    admin = world.users["admin"]
    number = id_number_for(date(1979, 9, 9), "male")
    text = (
        "中共甲局委员会党员花名册\r\n"
        "姓名,性别,民族,身份证号码,入党日期,转正日期,手机号码\r\n"
        f"多吉,男,藏族,{number},1999.1,2000.10,13988887777\r\n"
        "合计,1人\r\n"
    )
    path = tmp_path / "花名册.csv"
    path.write_bytes(text.encode("gbk"))
    batch = upload(admin, world.org_a, path)
    result = batch.rows.get(row_number=3)
    assert result.outcome == "warning"  # 1999.1: January, or October that lost its 0?
    assert "10 月" in " ".join(render(text) for text in result.messages)
    services.batch_apply(batch=batch, actor=admin)
    member = Member.objects.with_id_number(number).get()
    assert (member.joined_on, member.full_member_on) == (date(1999, 1, 1), date(2000, 10, 1))


def test_branch_names_resolve_within_the_target_only(world, tmp_path):
    admin = world.users["admin"]
    other = OrganisationFactory(parent=world.org_b, name="中共乙局第一支部委员会")
    rows = [
        row(
            姓名="甲一",
            身份证=id_number_for(date(1981, 1, 1), "female"),
            出生年月="1981.01",
            支部="第一支部",
        ),
        row(
            姓名="甲二",
            身份证=id_number_for(date(1982, 2, 2), "female"),
            出生年月="1982.02",
            支部=world.branch_a.code,
        ),
    ]
    batch = upload(admin, world.org_a, samples.write_workbook(tmp_path / "b.xlsx", rows))
    assert outcomes(batch) == {4: "new", 5: "new", 6: "skipped", 7: "skipped"}
    assert other.name not in str(list(batch.rows.values_list("messages", flat=True)))
    # From the root both 第一支部 exist: the name is ambiguous.
    batch = upload(admin, world.root, samples.write_workbook(tmp_path / "c.xlsx", rows[:1]))
    assert "对应多个党组织" in messages(batch, 4)


def test_missing_id_column_asks_for_a_mapping(world, tmp_path):
    admin = world.users["admin"]
    path = samples.write_workbook(
        tmp_path / "m.xlsx",
        [["王芳", "女", "汉族", id_number_for(date(1985, 3, 12), "female"), "2010.07"]],
        headers=["姓名", "性别", "民族", "证件", "入党时间"],
    )
    batch = upload(admin, world.org_a, path)
    assert batch.status == BatchStatus.PREVIEWED
    # Issue 8: the column's content says what the header does not; proposed, with the reason.
    assert not batch.error and batch.summary["to_create"] == 1
    assert batch.columns[3]["field"] == "id_number" and batch.columns[3]["auto"]
    assert "“证件”列的列名未能识别，但内容是身份证号码" in render(batch.columns[3]["reason"])
    mapping = [c["field"] for c in batch.columns]
    mapping[3] = None
    batch = services.batch_preview(batch=batch, actor=admin, mapping=mapping)
    assert "身份证号码" in batch.error_message and batch.applicable_count == 0
    assert "“证件”" in batch.error_message  # what the header row holds


def test_an_unreadable_file_fails_with_its_reason(world, tmp_path):
    path = tmp_path / "x.xlsx"
    samples.write_workbook(path, [], headers=["一", "二", "三"])
    batch = upload(world.users["admin"], world.org_a, path)
    assert batch.status == BatchStatus.FAILED and "表头" in batch.error_message


def test_unapplied_uploads_expire_with_their_files(world, messy):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    stale = upload(world.users["secretary_a"], world.org_a, messy.path)
    fresh = upload(world.users["secretary_a"], world.org_a, messy.path)
    stale_file = services.upload_storage().path(stale.stored_file)
    ImportBatch.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert os.path.exists(stale_file)

    call_command("purge_roster_uploads", "--days", "7")

    assert not ImportBatch.objects.filter(pk=stale.pk).exists()
    assert not os.path.exists(stale_file)
    assert ImportBatch.objects.filter(pk=fresh.pk).exists()
