"""Every named URL, walked by every persona, answers the expected status.

A URL that takes an object is walked twice: with an object of secretary_a's side of the tree
and with the same kind of object of secretary_b's side. Each persona reaches what is in its
scope (200, or 302 after a POST) and gets 404 for the rest, exactly as for a missing object;
out-of-scope objects never reach the page."""

import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent
from audit.services import record
from core.models import Notification
from core.tests.url_walk import (
    ALL_OK,
    AUTHENTICATED_API,
    LOGIN,
    PERSONAS,
    SIDES,
    SIGNED_IN_OK,
    api,
    api_scoped,
    both,
    only,
    party,
    recipient_only,
    scoped,
)
from organisations.tests.factories import PositionFactory


def _app_tables():
    """Each app may keep its own rows in `<app>/tests/url_routes.py`: `ROUTES` (same shape as
    below) and optionally `side_objects(world, side, base) -> dict` adding the objects its URLs
    take to each side (so domain apps add rows without editing this file)."""
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.tests.url_routes"))
        except ModuleNotFoundError as error:
            if error.name not in (f"{config.name}.tests", f"{config.name}.tests.url_routes"):
                raise
    return modules


def _sides(w) -> dict[str, SimpleNamespace]:
    """One secretary's side of the tree per side, with a real object of every kind a URL takes:
    secretary, organisation (a: branch_a, the member persona's own branch; b: org_b),
    subtree_root (the secretary's own organisation), member, position, batch, notification, event,
    and whatever each app's `side_objects` adds."""
    from roster.models import ImportBatch

    sides = {}
    for side, organisation, root, member in (
        ("a", w.branch_a, w.org_a, w.member_a),
        ("b", w.org_b, w.org_b, w.member_b),
    ):
        secretary = w.users[f"secretary_{side}"]
        sides[side] = SimpleNamespace(
            secretary=secretary,
            organisation=organisation,
            subtree_root=root,
            member=member,
            position=PositionFactory(
                organisation=organisation,
                member=member,
                term_start=date(2024, 1, 1),
                term_end=date(2027, 1, 1),
            ),
            batch=ImportBatch.objects.create(
                organisation=organisation,
                created_by=secretary,
                original_name="花名册.xlsx",
                file_format="xlsx",
            ),
            notification=Notification.objects.create(
                recipient=secretary, title=f"{member.name} 已转入", link="/"
            ),
            event=record(actor=w.users["admin"], action="update", target=member),
        )
    for module in _app_tables():
        if hasattr(module, "side_objects"):
            for side in SIDES:
                for key, value in module.side_objects(w, side, sides[side]).items():
                    setattr(sides[side], key, value)
    return sides


# name -> (method, kwargs for a side's object, or None; statuses: {persona: status} or, for a URL
# with an object, {side: {persona: status}}).
ROUTES = {
    "core:home": ("get", None, SIGNED_IN_OK),
    "core:healthz": ("get", None, ALL_OK),
    "accounts:login": ("get", None, {**{p: 302 for p in PERSONAS}, "anonymous": 200}),
    "accounts:logout": ("post", None, {p: 302 for p in PERSONAS}),
    "accounts:password_change": ("get", None, SIGNED_IN_OK),
    "accounts:notification_read": (
        "post",
        lambda s: {"pk": s.notification.pk},
        recipient_only(),
    ),
    "accounts:api_token": ("get", None, party()),
    "accounts:account_list": ("get", None, only("security")),
    "accounts:account_create": ("get", None, only("security")),
    "accounts:account_update": ("get", lambda s: {"pk": s.secretary.pk}, both(only("security"))),
    "accounts:account_reset_password": (
        "post",
        lambda s: {"pk": s.secretary.pk},
        both(only("security")),
    ),
    "accounts:lockouts": ("get", None, only("security")),
    "accounts:sessions": ("get", None, only("security")),
    "organisations:organisation_tree": ("get", None, party()),
    "organisations:organisation_detail": (
        "get",
        lambda s: {"pk": s.organisation.pk},
        scoped(member=200),
    ),
    "organisations:organisation_update": ("get", lambda s: {"pk": s.organisation.pk}, scoped()),
    "organisations:organisation_create": (
        "get",
        lambda s: {"parent_pk": s.subtree_root.pk},
        scoped(),
    ),
    "organisations:position_create": ("get", lambda s: {"pk": s.subtree_root.pk}, scoped()),
    "organisations:position_end": ("post", lambda s: {"pk": s.position.pk}, scoped(ok=302)),
    # A member's list is their own record (a redirect to it).
    "organisations:member_list": ("get", None, {**party(), "member": 302}),
    "organisations:member_create": ("get", None, {**party(), "member": 404}),
    "organisations:member_detail": ("get", lambda s: {"pk": s.member.pk}, scoped(member=200)),
    "organisations:member_update": ("get", lambda s: {"pk": s.member.pk}, scoped()),
    "organisations:member_reveal": ("get", lambda s: {"pk": s.member.pk}, scoped()),
    "audit:event_list": ("get", None, only("auditor")),
    "audit:event_detail": ("get", lambda s: {"pk": s.event.pk}, both(only("auditor"))),
    "api:api-root": ("get", None, AUTHENTICATED_API),
    "api:organisation-list": ("get", None, api()),
    "api:organisation-detail": (
        "get",
        lambda s: {"pk": s.organisation.pk},
        api_scoped(member=200),
    ),
    "api:member-list": ("get", None, api()),
    "api:member-detail": ("get", lambda s: {"pk": s.member.pk}, api_scoped(member=200)),
    "api:schema": ("get", None, AUTHENTICATED_API),
    "api:docs": ("get", None, {**AUTHENTICATED_API, "anonymous": LOGIN}),
    "set_language": ("post", None, {p: 302 for p in PERSONAS}),
}
for _module in _app_tables():
    assert not set(_module.ROUTES) & set(ROUTES), f"{_module.__name__} repeats a row"
    ROUTES.update(_module.ROUTES)


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            if ns == "admin":
                continue
            yield from named_urls(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_named_url_is_walked():
    assert set(named_urls()) - set(ROUTES) == set()


def _takes_an_object(name):
    try:
        reverse(name)
    except NoReverseMatch:
        return True
    return False


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_url_with_an_object_is_walked_with_both_sides_objects(name):
    _method, kwargs, expected = ROUTES[name]
    if _takes_an_object(name):
        assert kwargs is not None, f"{name} takes an object: give it one of each side"
        assert set(expected) == set(SIDES), f"{name}: expected statuses per side (a, b)"
        for side in SIDES:
            assert set(expected[side]) == set(PERSONAS), (name, side)
    else:
        assert kwargs is None, f"{name} takes no object"
        assert set(expected) == set(PERSONAS), name


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_status(client, world, persona, name):
    method, kwargs, expected = ROUTES[name]
    if persona != "anonymous":
        client.force_login(world.users[persona])
    if kwargs is None:
        response = getattr(client, method)(reverse(name))
        assert response.status_code == expected[persona], (name, persona)
        return
    sides = _sides(world)
    answered = {
        side: getattr(client, method)(reverse(name, kwargs=kwargs(sides[side]))).status_code
        for side in SIDES
    }
    assert answered == {side: expected[side][persona] for side in SIDES}, (name, persona)


# What each secretary's lists must show (their own side) and never show (the other side).
LISTED = {
    "organisations:member_list": lambda s: [s.member.name],
    "api:member-list": lambda s: [s.member.name],
    "organisations:organisation_tree": lambda s: [s.subtree_root.name, s.organisation.name],
}


@pytest.mark.parametrize("own", SIDES)
@pytest.mark.parametrize("name", sorted(LISTED))
def test_lists_never_show_out_of_scope_members(client, world, name, own):
    other = "b" if own == "a" else "a"
    sides = _sides(world)
    client.force_login(sides[own].secretary)
    body = client.get(reverse(name)).content.decode()
    for text in LISTED[name](sides[own]):
        assert text in body, (name, own, text)
    for text in LISTED[name](sides[other]):
        assert text not in body, (name, own, text)


def test_search_never_finds_out_of_scope_member(client, world):
    client.force_login(world.users["secretary_b"])
    response = client.get(reverse("organisations:member_list"), {"q": "zxcr"})
    assert response.status_code == 200
    assert world.member_a.name not in response.content.decode()
    client.force_login(world.users["admin"])
    response = client.get(reverse("organisations:member_list"), {"q": "zxcr"})
    assert world.member_a.name in response.content.decode()  # the search itself finds 扎西·次仁


def test_audit_events_cannot_be_changed(world):
    event = record(actor=world.users["admin"], action="update", target=world.member_a)
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.objects.all().delete()
