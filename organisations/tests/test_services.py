from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Action, AuditEvent
from organisations import services
from organisations.models import Member, MembershipPeriod
from organisations.tests.factories import MemberFactory, OrganisationFactory, id_number_for

pytestmark = pytest.mark.django_db


def member_fields(organisation, **overrides):
    fields = {
        "name": "卓玛 · 央金",
        "id_number": id_number_for(date(1990, 5, 4), "female"),
        "sex": "female",
        "ethnicity": "04",
        "birth_date": date(1990, 5, 4),
        "education": "bachelor",
        "joined_on": date(2015, 7, 1),
        "full_member_on": date(2016, 7, 1),
        "category": "full",
        "organisation": organisation,
        "unit": "州委办公室",
        "post": "科员",
        "phone": "13988776655",
        "status": "active",
    }
    fields.update(overrides)
    return fields


def test_create_encrypts_masks_indexes_and_audits(world):
    admin = world.users["admin"]
    fields = member_fields(world.branch_a)
    member = services.member_create(actor=admin, **fields)

    assert member.name == "卓玛·央金"  # spaces removed
    assert member.name_initials == "zmyj"
    assert member.name_pinyin == "zhuomayangjin"
    assert fields["id_number"] not in member.id_number_encrypted
    assert member.id_number == fields["id_number"]
    assert member.id_number_masked == fields["id_number"][:4] + "*" * 10 + fields["id_number"][-4:]
    assert Member.objects.with_id_number(fields["id_number"]).get() == member
    assert MembershipPeriod.objects.get(member=member).organisation == world.branch_a

    event = AuditEvent.objects.get(action=Action.CREATE, target_id=str(member.pk))
    assert event.actor == admin
    assert event.organisation_id == world.branch_a.pk
    assert event.changes["name"] == [None, "卓玛·央金"]
    assert event.changes["id_number"] == [None, member.id_number_masked]
    assert fields["id_number"] not in str(event.changes)


@pytest.mark.parametrize(
    ("override", "field", "fragment"),
    [
        ({"id_number": "53340119900504002"}, "id_number", "18"),
        ({"id_number": "5.33401E+17"}, "id_number", "Excel"),
        ({"sex": "male"}, "sex", "性别"),
        ({"birth_date": date(1990, 5, 5)}, "birth_date", "1990-05-04"),
        ({"full_member_on": date(2014, 1, 1)}, "full_member_on", "转正日期"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, override, field, fragment):
    with pytest.raises(ValidationError) as excinfo:
        services.member_create(
            actor=world.users["admin"], **member_fields(world.branch_a, **override)
        )
    messages = excinfo.value.message_dict
    assert field in messages
    assert fragment in " ".join(messages[field])
    assert not Member.objects.filter(name="卓玛·央金").exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_duplicate_id_number_is_refused(world):
    fields = member_fields(world.branch_a)
    services.member_create(actor=world.users["admin"], **fields)
    with pytest.raises(ValidationError) as excinfo:
        services.member_create(actor=world.users["admin"], **fields)
    assert "已登记" in " ".join(excinfo.value.message_dict["id_number"])


def test_secretary_cannot_write_outside_subtree(world):
    with pytest.raises(PermissionDenied):
        services.member_create(actor=world.users["secretary_b"], **member_fields(world.branch_a))
    with pytest.raises(PermissionDenied):
        services.member_update(actor=world.users["secretary_b"], member=world.member_a, post="局长")


def test_update_records_field_diff_and_transfer_history(world):
    secretary = world.users["admin"]
    member = world.member_a
    services.member_update(actor=secretary, member=member, post="科长", organisation=world.org_b)

    event = AuditEvent.objects.get(action=Action.UPDATE, target_id=str(member.pk))
    assert event.changes["post"] == ["", "科长"]
    assert event.changes["organisation"] == [world.branch_a.pk, world.org_b.pk]
    periods = list(MembershipPeriod.objects.filter(member=member).order_by("id"))
    assert periods[-1].organisation == world.org_b
    assert periods[-1].ended_on is None


def test_update_without_change_writes_nothing(world):
    services.member_update(actor=world.users["admin"], member=world.member_a, post="")
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_reveal_needs_a_reason_and_is_audited(world):
    secretary = world.users["secretary_a"]
    with pytest.raises(ValidationError):
        services.member_reveal_id_number(actor=secretary, member=world.member_a, reason=" ")
    number = services.member_reveal_id_number(
        actor=secretary, member=world.member_a, reason="核对组织关系转接"
    )
    assert number == world.member_a.id_number
    event = AuditEvent.objects.get(action=Action.REVEAL)
    assert (event.actor, event.reason, event.target_id) == (
        secretary,
        "核对组织关系转接",
        str(world.member_a.pk),
    )


def test_reveal_out_of_scope_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.member_reveal_id_number(
            actor=world.users["secretary_b"], member=world.member_a, reason="看看"
        )
    assert not AuditEvent.objects.filter(action=Action.REVEAL).exists()


def test_position_term_defaults_by_kind(world):
    position = services.position_create(
        actor=world.users["secretary_a"],
        organisation=world.org_a,
        member=world.member_a,
        title="secretary",
        term_start=date(2024, 3, 1),
    )
    assert position.term_end == date(2029, 3, 1)  # party committee: 5 years
    branch_position = services.position_create(
        actor=world.users["secretary_a"],
        organisation=world.branch_a,
        member=world.member_a,
        title="deputy",
        term_start=date(2024, 2, 29),
    )
    assert branch_position.term_end == date(2027, 2, 28)  # branch: 3 years


def test_organisation_create_under_parent_is_in_subtree(world):
    child = services.organisation_create(
        actor=world.users["secretary_a"],
        parent=world.branch_a,
        name="第一党小组",
        kind="group",
        code="G-1",
    )
    assert child.path.startswith(world.branch_a.path)
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=world.users["secretary_b"],
            parent=world.branch_a,
            name="x",
            kind="group",
            code="G-2",
        )


def test_subtree_is_one_prefix_query(django_assert_num_queries):
    root = OrganisationFactory()
    bureau = OrganisationFactory(parent=root)
    branch = OrganisationFactory(parent=bureau)
    group = OrganisationFactory(parent=branch)
    for organisation, name in [(bureau, "甲"), (branch, "乙"), (group, "丙"), (root, "丁")]:
        MemberFactory(organisation=organisation, name=name)
    MemberFactory(organisation=OrganisationFactory(parent=root), name="戊")
    with django_assert_num_queries(1):
        names = list(Member.objects.in_subtree(bureau).values_list("name", flat=True))
    assert sorted(names) == ["丙", "乙", "甲"]
