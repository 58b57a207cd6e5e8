"""The one scoping policy: the shared scoped queryset, the operator scope, and the tree rules."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from core.actors import MissingActor, operator
from core.tests.personas import signed_in
from organisations import services
from organisations.models import (
    Member,
    MembershipPeriod,
    Organisation,
    OrganisationKind,
    Position,
    PositionTitle,
)
from organisations.policy import ScopedQuerySet
from organisations.tests.factories import MemberFactory, OrganisationFactory, PositionFactory

# Models that hold a key to an organisation or a member but are not organisation-owned data,
# each with the reason; every other such model must inherit the scoped queryset base.
NOT_ORGANISATION_OWNED = {
    # Accounts are the security officer's (三员分立), scoped by role, not by the tree.
    "accounts.user": "accounts are managed by the security officer, not by the tree",
    # The audit log is the auditor's alone (AuditEvent.objects.readable_by).
    "audit.auditevent": "the auditor reads the whole log; readable_by decides",
}


def _points_at_party_data(model) -> bool:
    targets = {apps.get_model("organisations", "Organisation"), Member}
    return any(
        field.is_relation and field.many_to_one is not None and field.related_model in targets
        for field in model._meta.get_fields()
        if field.concrete
    )


def test_every_organisation_owned_model_inherits_the_scoped_base():
    owned = [
        model
        for model in apps.get_models()
        if model in (Organisation, Member) or _points_at_party_data(model)
    ]
    # The walk itself must find the models we know of, or it proves nothing.
    assert {Organisation, Member, Position, MembershipPeriod} <= set(owned)
    lacking = [
        model._meta.label_lower
        for model in owned
        if model._meta.label_lower not in NOT_ORGANISATION_OWNED
        and not isinstance(model._default_manager.all(), ScopedQuerySet)
    ]
    assert lacking == [], f"models without the scoped queryset base: {lacking}"
    for model in owned:
        if model._meta.label_lower not in NOT_ORGANISATION_OWNED:
            assert isinstance(model.organisation_path, str)


@pytest.mark.parametrize("model", [Organisation, Member, Position, MembershipPeriod])
def test_a_missing_actor_is_an_error_not_everything(db, model):
    with pytest.raises(MissingActor):
        model.objects.visible_to(None)
    with pytest.raises(MissingActor):
        model.objects.editable_by(None)


def test_services_refuse_a_missing_actor(world):
    with pytest.raises(MissingActor):
        services.organisation_update(actor=None, organisation=world.org_a, name="无主")
    assert Organisation.objects.get(pk=world.org_a.pk).name == "中共甲局委员会"


def test_the_operator_scope_reaches_the_whole_tree_and_is_named_in_the_log(world):
    actor = operator("nightly")
    assert set(Member.objects.visible_to(actor)) == {world.member_a, world.member_b}
    services.organisation_update(actor=actor, organisation=world.org_b, short_name="乙局")
    event = AuditEvent.objects.get(target_id=str(world.org_b.pk))
    assert event.actor is None and event.actor_name == "operator:nightly"


def test_an_operator_is_asked_for_by_name():
    with pytest.raises(ValueError):
        operator("  ")


def test_membership_history_is_scoped_with_its_member(world):
    own = MembershipPeriod.objects.create(
        member=world.member_a, organisation=world.branch_a, started_on=date(2010, 1, 1)
    )
    other = MembershipPeriod.objects.create(
        member=world.member_b, organisation=world.org_b, started_on=date(2012, 1, 1)
    )
    users = world.users
    assert set(MembershipPeriod.objects.visible_to(users["secretary_a"])) == {own}
    assert set(MembershipPeriod.objects.visible_to(users["secretary_b"])) == {other}
    assert set(MembershipPeriod.objects.visible_to(users["member"])) == {own}
    assert set(MembershipPeriod.objects.editable_by(users["member"])) == set()
    assert set(MembershipPeriod.objects.visible_to(users["auditor"])) == set()
    assert set(MembershipPeriod.objects.visible_to(users["admin"])) == {own, other}


def test_positions_are_editable_only_inside_the_write_scope(world):
    seat_a = PositionFactory(organisation=world.org_a, member=world.member_a)
    seat_b = PositionFactory(organisation=world.org_b, member=world.member_b)
    assert set(Position.objects.editable_by(world.users["secretary_a"])) == {seat_a}
    assert set(Position.objects.editable_by(world.users["member"])) == set()
    # A member sees the committee of their own organisation, not other ones.
    member_view = Position.objects.visible_to(world.users["member"])
    assert seat_b not in member_view


def test_ending_another_subtrees_position_is_404(client, world):
    seat_b = PositionFactory(organisation=world.org_b, member=world.member_b)
    signed_in(client, world.users["secretary_a"])
    response = client.post(reverse("organisations:position_end", args=[seat_b.pk]))
    assert response.status_code == 404
    seat_b.refresh_from_db()
    assert seat_b.ended_on is None


# --- the tree's rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent_kind", "kind", "allowed"),
    [
        (OrganisationKind.COMMITTEE, OrganisationKind.PARTY_COMMITTEE, True),
        (OrganisationKind.COMMITTEE, OrganisationKind.BRANCH, True),
        (OrganisationKind.COMMITTEE, OrganisationKind.GROUP, False),
        (OrganisationKind.PARTY_COMMITTEE, OrganisationKind.GENERAL_BRANCH, True),
        (OrganisationKind.PARTY_COMMITTEE, OrganisationKind.COMMITTEE, False),
        (OrganisationKind.GENERAL_BRANCH, OrganisationKind.BRANCH, True),
        (OrganisationKind.GENERAL_BRANCH, OrganisationKind.PARTY_COMMITTEE, False),
        (OrganisationKind.BRANCH, OrganisationKind.GROUP, True),
        (OrganisationKind.BRANCH, OrganisationKind.BRANCH, False),
        (OrganisationKind.GROUP, OrganisationKind.GROUP, False),
        (OrganisationKind.GROUP, OrganisationKind.COMMITTEE, False),
    ],
)
def test_which_kinds_sit_under_which(world, parent_kind, kind, allowed):
    parent = OrganisationFactory(parent=world.root, kind=parent_kind)
    create = lambda: services.organisation_create(  # noqa: E731
        actor=world.users["admin"], parent=parent, name="新组织", kind=kind, code=f"N-{kind}"
    )
    if allowed:
        assert create().kind == kind
    else:
        with pytest.raises(ValidationError) as caught:
            create()
        assert "kind" in caught.value.message_dict
        assert not Organisation.objects.filter(code=f"N-{kind}").exists()


def test_a_committee_under_a_group_is_refused_through_the_form(client, world):
    group = OrganisationFactory(parent=world.branch_a, kind=OrganisationKind.GROUP)
    signed_in(client, world.users["admin"])
    response = client.post(
        reverse("organisations:organisation_create", args=[group.pk]),
        {"name": "中共某某工委", "kind": OrganisationKind.COMMITTEE, "code": "BAD-1"},
    )
    assert response.status_code == 200
    assert "党小组之下不能再设下级组织" in response.content.decode()
    assert not Organisation.objects.filter(code="BAD-1").exists()
    assert not AuditEvent.objects.filter(action="create", target_repr="中共某某工委").exists()


def test_changing_a_kind_keeps_the_tree_valid(world):
    group = OrganisationFactory(parent=world.branch_a, kind=OrganisationKind.GROUP)
    with pytest.raises(ValidationError):
        # A branch with a group under it cannot become a group.
        services.organisation_update(
            actor=world.users["admin"], organisation=world.branch_a, kind=OrganisationKind.GROUP
        )
    with pytest.raises(ValidationError):
        services.organisation_update(
            actor=world.users["admin"], organisation=group, kind=OrganisationKind.BRANCH
        )


def test_only_the_committee_admin_founds_a_root(world):
    fields = {"name": "中共另一工委", "kind": OrganisationKind.COMMITTEE, "code": "ROOT-2"}
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=world.users["secretary_a"], parent=None, **fields)
    root = services.organisation_create(actor=world.users["admin"], parent=None, **fields)
    assert root.depth == 1
    with pytest.raises(ValidationError):
        services.organisation_create(
            actor=world.users["admin"],
            parent=None,
            name="根上的支部",
            kind=OrganisationKind.BRANCH,
            code="ROOT-3",
        )


def test_one_secretary_at_a_time(client, world):
    first = MemberFactory(organisation=world.org_a)
    second = MemberFactory(organisation=world.org_a)
    services.position_create(
        actor=world.users["secretary_a"],
        organisation=world.org_a,
        member=first,
        title=PositionTitle.SECRETARY,
        term_start=date(2024, 1, 1),
    )
    signed_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("organisations:position_create", args=[world.org_a.pk]),
        {"member": second.pk, "title": PositionTitle.SECRETARY, "term_start": "2025-01-01"},
    )
    assert response.status_code == 200
    assert "该组织已有在任书记" in response.content.decode()
    assert Position.objects.filter(organisation=world.org_a, title="secretary").count() == 1
    # A deputy is fine, and once the secretary has left a new one can be appointed.
    services.position_create(
        actor=world.users["secretary_a"],
        organisation=world.org_a,
        member=second,
        title=PositionTitle.DEPUTY,
        term_start=date(2025, 1, 1),
    )
    seat = Position.objects.get(organisation=world.org_a, title="secretary")
    services.position_end(
        actor=world.users["secretary_a"], position=seat, ended_on=date(2025, 6, 1)
    )
    services.position_create(
        actor=world.users["secretary_a"],
        organisation=world.org_a,
        member=second,
        title=PositionTitle.SECRETARY,
        term_start=date(2025, 6, 2),
    )
    assert (
        Position.objects.current().filter(organisation=world.org_a, title="secretary").count() == 1
    )
