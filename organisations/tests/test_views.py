from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from core.tests.personas import signed_in
from organisations.models import Member, Organisation, OrganisationKind
from organisations.tests.factories import MemberFactory, OrganisationFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["admin"])
    return client


def _names(response):
    return [m.name for m in response.context["page"].object_list]


def test_member_list_query_count_is_fixed(client, django_assert_num_queries):
    bureau = OrganisationFactory()
    branch = OrganisationFactory(parent=bureau)
    OrganisationFactory(parent=bureau)
    MemberFactory(organisation=OrganisationFactory(), name="外单位")  # outside the subtree
    signed_in(client, UserFactory(role=Role.SECRETARY, organisation=bureau))
    for n in range(5):
        MemberFactory(organisation=branch, name=f"李明{n}")
    # session, user, secretary's organisation, count, page (the organisation filter lists no
    # organisations: a remote search offers them)
    with django_assert_num_queries(5):
        response = client.get(reverse("organisations:member_list"))
    assert sorted(_names(response)) == [f"李明{n}" for n in range(5)]
    for n in range(20):
        MemberFactory(organisation=branch, name=f"王芳{n}")
    with django_assert_num_queries(5):
        response = client.get(reverse("organisations:member_list"))
    assert len(_names(response)) == 25
    # With the organisation filter: its check and its one option's name.
    for n in range(60):
        MemberFactory(organisation=branch, name=f"张华{n}")
    with django_assert_num_queries(7):
        response = client.get(reverse("organisations:member_list"), {"organisation": branch.pk})
    assert len(_names(response)) == 50


@pytest.fixture
def registry(db):
    """An admin's client over a registry of known members, apart from the personas."""
    branch = OrganisationFactory()
    members = {
        name: MemberFactory(organisation=branch, name=name, **fields)
        for name, fields in {
            "扎西·次仁": {"sex": "male"},
            "扎西·多吉": {"sex": "male"},
            "和丽华": {"sex": "female", "birth_date": date(1986, 4, 2)},
            "阿普": {
                "sex": "male",
                "birth_date": date(1980, 1, 1),
                "joined_on": date(2001, 7, 1),
                "category": "probationary",
                "full_member_on": None,
            },
        }.items()
    }
    return branch, members


@pytest.fixture
def registry_client(client, registry):
    client.force_login(UserFactory(role=Role.COMMITTEE_ADMIN))
    return client


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zxcr", ["扎西·次仁"]),
        ("zhaxi", ["扎西·次仁", "扎西·多吉"]),  # by pinyin: ciren before duoji
        ("次仁", ["扎西·次仁"]),
        ("hlh", ["和丽华"]),
    ],
)
def test_search_by_pinyin_initials_full_pinyin_and_name(registry_client, query, expected):
    response = registry_client.get(reverse("organisations:member_list"), {"q": query})
    assert _names(response) == expected


def test_search_by_last_four_of_id(registry_client, registry):
    _branch, members = registry
    last4 = members["和丽华"].id_number[-4:]
    response = registry_client.get(reverse("organisations:member_list"), {"q": last4.lower()})
    assert "和丽华" in _names(response)
    assert "扎西·次仁" not in _names(response)


def test_filter_by_organisation_includes_subtree(client):
    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    bureau = OrganisationFactory(parent=root, kind=OrganisationKind.PARTY_COMMITTEE)
    branch = OrganisationFactory(parent=bureau)
    MemberFactory(organisation=bureau, name="甲")
    MemberFactory(organisation=branch, name="乙")
    MemberFactory(organisation=OrganisationFactory(parent=root), name="丙")
    MemberFactory(organisation=OrganisationFactory(), name="丁")
    client.force_login(UserFactory(role=Role.COMMITTEE_ADMIN))
    response = client.get(reverse("organisations:member_list"), {"organisation": bureau.pk})
    assert sorted(_names(response)) == ["乙", "甲"]


def test_filters_and_sort(registry_client):
    url = reverse("organisations:member_list")
    assert _names(registry_client.get(url, {"category": "probationary"})) == ["阿普"]
    assert _names(registry_client.get(url, {"sex": "female"})) == ["和丽华"]
    assert _names(registry_client.get(url, {"joined_year": 2001})) == ["阿普"]
    assert _names(registry_client.get(url, {"order": "joined_on"}))[0] == "阿普"
    assert _names(registry_client.get(url, {"order": "-joined_on"}))[-1] == "阿普"


def test_bad_filter_shows_field_error_and_no_rows(admin_client):
    response = admin_client.get(reverse("organisations:member_list"), {"joined_year": "abc"})
    assert _names(response) == []
    assert "入党年份" in response.content.decode()


def test_list_partial_for_htmx(admin_client):
    response = admin_client.get(
        reverse("organisations:member_list"),
        {"q": "zxcr"},
        headers={"HX-Request": "true", "HX-Target": "member-table"},
    )
    body = response.content.decode()
    assert '<div id="member-table">' in body
    assert "<html" not in body
    # The export link follows the new filters (an out-of-band swap).
    assert 'id="export-actions" hx-swap-oob="true"' in body
    assert "member_export" not in body and "/members/export/?q=zxcr" in body


def test_phone_and_id_masked_in_list(admin_client, world):
    body = admin_client.get(reverse("organisations:member_list")).content.decode()
    assert world.member_a.id_number not in body
    assert world.member_a.id_number_masked in body
    assert "138****4321" in body
    assert "13887654321" not in body


def test_export_is_the_filtered_set_masked_and_audited(client):
    bureau = OrganisationFactory()
    branch = OrganisationFactory(parent=bureau)
    wangs = [MemberFactory(organisation=branch, name=f"王芳{n}") for n in range(3)]
    MemberFactory(organisation=branch, name="李明")  # filtered out by the search
    MemberFactory(organisation=OrganisationFactory(), name="王外")  # outside the subtree
    client.force_login(UserFactory(role=Role.SECRETARY, organisation=bureau))
    response = client.get(reverse("roster:member_export"), {"q": "wang"})
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert "花名册" in rows[0][0]
    header_index = next(i for i, row in enumerate(rows) if row[0] == "序号")
    data = [row for row in rows[header_index + 1 :] if row[0]]
    assert sorted(row[1] for row in data) == ["王芳0", "王芳1", "王芳2"]
    assert not any(member.id_number in str(rows) for member in wangs)
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.changes["rows"] == 3


def test_member_detail_masks_and_reveal_via_htmx_is_audited(client, world):
    client.force_login(world.users["secretary_a"])
    detail = client.get(reverse("organisations:member_detail", args=[world.member_a.pk]))
    assert world.member_a.id_number not in detail.content.decode()

    url = reverse("organisations:member_reveal", args=[world.member_a.pk])
    refused = client.post(url, {"reason": ""}, headers={"HX-Request": "true"})
    assert "查看事由" in refused.content.decode()
    assert world.member_a.id_number not in refused.content.decode()

    shown = client.post(url, {"reason": "核对身份"}, headers={"HX-Request": "true"})
    assert world.member_a.id_number in shown.content.decode()
    assert AuditEvent.objects.filter(action=Action.REVEAL, reason="核对身份").count() == 1


def test_member_cannot_reveal_own_id_in_clear(client, world):
    client.force_login(world.users["member"])
    url = reverse("organisations:member_reveal", args=[world.member_a.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_member_form_errors_in_chinese_naming_the_field(admin_client, world):
    response = admin_client.post(
        reverse("organisations:member_create"),
        {
            "name": "王芳",
            "id_number": "533401199001011230",
            "sex": "female",
            "ethnicity": "01",
            "birth_date": "1990-01-01",
            "joined_on": "2012-07-01",
            "category": "full",
            "organisation": world.org_b.pk,
            "status": "active",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "身份证号码：" in body
    assert "校验码" in body
    assert not Member.objects.filter(name="王芳").exists()


def test_member_form_creates_and_redirects(admin_client, world):
    from organisations.tests.factories import id_number_for

    number = id_number_for(date(1991, 2, 3), "male")
    response = admin_client.post(
        reverse("organisations:member_create"),
        {
            "name": "木 正军",
            "id_number": number.lower(),
            "sex": "male",
            "ethnicity": "27",
            "birth_date": "1991-02-03",
            "joined_on": "2013-07-01",
            "full_member_on": "2014-07-01",
            "category": "full",
            "organisation": world.org_b.pk,
            "status": "active",
        },
    )
    member = Member.objects.get(name="木正军")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:member_detail", args=[member.pk])


def test_member_edit_keeps_id_when_blank(admin_client, world):
    url = reverse("organisations:member_update", args=[world.member_b.pk])
    form = admin_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id"}
    data.update({"post": "副局长", "id_number": "", "organisation": world.org_b.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    world.member_b.refresh_from_db()
    assert world.member_b.post == "副局长"


def test_organisation_detail_counts_committee_and_term_warning(client):
    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    bureau = OrganisationFactory(parent=root, name="中共丙局委员会", kind="party_committee")
    branch = OrganisationFactory(parent=bureau)
    secretary = MemberFactory(organisation=bureau, category="full")
    MemberFactory(organisation=branch, category="full")
    MemberFactory(organisation=branch, category="probationary", full_member_on=None)
    MemberFactory(organisation=branch, status="deceased")  # not counted: not active
    MemberFactory(organisation=OrganisationFactory(parent=root))  # another bureau's
    soon = timezone.localdate() + timedelta(days=30)
    PositionFactory(
        organisation=bureau,
        member=secretary,
        term_start=soon - timedelta(days=365 * 5),
        term_end=soon,
    )
    client.force_login(UserFactory(role=Role.COMMITTEE_ADMIN))
    response = client.get(reverse("organisations:organisation_detail", args=[bureau.pk]))
    counts = response.context["counts"]
    assert (counts.full, counts.probationary, counts.total) == (2, 1, 3)
    body = response.content.decode()
    assert "即将届满" in body
    assert response.context["parent"] == root
    home = client.get(reverse("core:home")).content.decode()
    assert "中共丙局委员会 班子任期将于" in home


def test_organisation_edit_is_audited(admin_client, world):
    url = reverse("organisations:organisation_update", args=[world.org_b.pk])
    response = admin_client.post(
        url,
        {
            "name": "中共乙局机关支部委员会",
            "kind": "branch",
            "code": world.org_b.code,
            "organ": "乙局",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(world.org_b.pk))
    assert event.changes["organ"][1] == "乙局"


def test_secretary_does_not_see_the_parent_above_their_root(client, world):
    client.force_login(world.users["secretary_a"])
    response = client.get(reverse("organisations:organisation_detail", args=[world.org_a.pk]))
    assert response.context["parent"] is None
    assert world.root.name not in response.content.decode()


def test_position_form_adds_a_committee_member_with_default_term(admin_client, world):
    url = reverse("organisations:position_create", args=[world.org_a.pk])
    response = admin_client.post(
        url, {"member": world.member_a.pk, "title": "secretary", "term_start": "2025-01-10"}
    )
    assert response.status_code == 302
    position = world.org_a.positions.get()
    assert position.term_end == date(2030, 1, 10)
    bad = admin_client.post(
        url, {"member": world.member_b.pk, "title": "secretary", "term_start": "2025-01-10"}
    )
    assert "member" in bad.context["form"].errors  # 和丽华 is not in 甲局's subtree


def test_child_organisation_form(admin_client, world):
    response = admin_client.post(
        reverse("organisations:organisation_create", args=[world.branch_a.pk]),
        {"name": "第一党小组", "kind": "group", "code": "G-9", "is_active": "on"},
    )
    child = Organisation.objects.get(code="G-9")
    assert response["Location"] == reverse("organisations:organisation_detail", args=[child.pk])
    assert child.path.startswith(world.branch_a.path)


@pytest.mark.parametrize(
    "typed", ["扎西·次仁", "扎西次仁", "扎西 次仁", "扎西•次仁", "扎西.次仁", "西次"]
)
def test_a_name_is_found_however_its_middle_dot_is_typed(registry_client, typed):
    response = registry_client.get(reverse("organisations:member_list"), {"q": typed})
    assert _names(response) == ["扎西·次仁"]


def test_a_committee_is_listed_secretary_deputy_then_members(admin_client):
    branch = OrganisationFactory()
    for title, name in [
        ("committee_member", "委员甲"),
        ("secretary", "书记乙"),
        ("deputy", "副书记丙"),
    ]:
        PositionFactory(organisation=branch, title=title, member=MemberFactory(name=name))
    response = admin_client.get(reverse("organisations:organisation_detail", args=[branch.pk]))
    assert [p.member.name for p in response.context["positions"]] == [
        "书记乙",
        "副书记丙",
        "委员甲",
    ]


def test_a_status_column_appears_when_the_list_is_not_the_active_roster(admin_client):
    branch = OrganisationFactory()
    MemberFactory(organisation=branch, name="次仁卓玛", status="deceased")
    url = reverse("organisations:member_list")
    active = admin_client.get(url, {"organisation": branch.pk}).content.decode()
    assert "党籍状态</th>" not in active and "次仁卓玛" not in active
    everyone = admin_client.get(url, {"organisation": branch.pk, "status": ""}).content.decode()
    assert "党籍状态</th>" in everyone
    assert '<span class="badge text-bg-secondary">已故</span>' in everyone


def test_organisation_page_pages_its_children_in_a_fixed_number_of_queries(client):
    """A prefecture's 机关工委 has hundreds of organs under it at province scale: the page
    lists them a page at a time, and its queries do not grow with their number."""
    from organisations.views import CHILDREN_PAGE_SIZE

    root = OrganisationFactory(kind=OrganisationKind.COMMITTEE)
    for n in range(CHILDREN_PAGE_SIZE + 5):
        OrganisationFactory(parent=root, name=f"中共第{n:02d}局委员会")
    client.force_login(UserFactory(role=Role.COMMITTEE_ADMIN))
    url = reverse("organisations:organisation_detail", args=[root.pk])
    client.get(url)  # the first visit of a session reads what later ones remember
    with CaptureQueriesContext(connection) as first_page:
        body = client.get(url).content.decode()
    assert body.count("中共第") == CHILDREN_PAGE_SIZE and "中共第00局" in body
    assert f'<span class="badge text-bg-light border">{CHILDREN_PAGE_SIZE + 5}</span>' in body
    with CaptureQueriesContext(connection) as last_page:
        body = client.get(url, {"page": 2}).content.decode()
    assert body.count("中共第") == 5 and f"中共第{CHILDREN_PAGE_SIZE + 4:02d}局" in body
    assert len(first_page) == len(last_page)
    # A page number out of range shows the last page, never an error.
    assert client.get(url, {"page": "x"}).status_code == 200
