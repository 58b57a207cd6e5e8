"""Every named URL, walked by every persona, answers the expected status.

Out-of-scope objects answer 404 exactly like missing ones, and never reach the page."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent
from audit.services import record

PERSONAS = ["anonymous", "admin", "secretary_a", "secretary_b", "member", "auditor", "security"]
LOGIN = 302  # anonymous pages redirect to the login page

# name -> (method, kwargs builder, {persona: status}); missing personas default to `other`.
ALL_OK = {p: 200 for p in PERSONAS}


def party(admin=200, a=200, b=200, member=200):
    return {
        "anonymous": LOGIN,
        "admin": admin,
        "secretary_a": a,
        "secretary_b": b,
        "member": member,
        "auditor": 404,
        "security": 404,
    }


def only(persona, status=200):
    table = {p: 404 for p in PERSONAS}
    table["anonymous"] = LOGIN
    table[persona] = status
    return table


def api(admin=200, a=200, b=200, member=200):
    return {
        "anonymous": 401,
        "admin": admin,
        "secretary_a": a,
        "secretary_b": b,
        "member": member,
        "auditor": 403,
        "security": 403,
    }


# The API's index and documentation: any signed-in account; they hold no party data.
AUTHENTICATED_API = {**{p: 200 for p in PERSONAS}, "anonymous": 401}


def _event(w):
    return record(actor=w.users["admin"], action="update", target=w.member_a).pk


def _roster_batch(w):
    """A roster import batch of branch_a (secretary_a's subtree), as just uploaded."""
    from roster.models import ImportBatch

    batch = ImportBatch.objects.create(
        organisation=w.branch_a,
        created_by=w.users["admin"],
        original_name="花名册.xlsx",
        file_format="xlsx",
    )
    return {"code": batch.code}


ROUTES = {
    "core:home": ("get", lambda w: {}, {**{p: 200 for p in PERSONAS}, "anonymous": LOGIN}),
    "core:healthz": ("get", lambda w: {}, ALL_OK),
    "accounts:login": ("get", lambda w: {}, {**{p: 302 for p in PERSONAS}, "anonymous": 200}),
    "accounts:logout": ("post", lambda w: {}, {p: 302 for p in PERSONAS}),
    "accounts:password_change": (
        "get",
        lambda w: {},
        {**{p: 200 for p in PERSONAS}, "anonymous": LOGIN},
    ),
    "accounts:notification_read": (
        "post",
        lambda w: {"pk": 999999},
        {**{p: 404 for p in PERSONAS}, "anonymous": LOGIN},
    ),
    "accounts:api_token": ("get", lambda w: {}, party()),
    "accounts:account_list": ("get", lambda w: {}, only("security")),
    "accounts:account_create": ("get", lambda w: {}, only("security")),
    "accounts:account_update": ("get", lambda w: {"pk": w.users["member"].pk}, only("security")),
    "accounts:account_reset_password": (
        "post",
        lambda w: {"pk": w.users["member"].pk},
        only("security"),
    ),
    "accounts:lockouts": ("get", lambda w: {}, only("security")),
    "accounts:sessions": ("get", lambda w: {}, only("security")),
    "organisations:organisation_tree": ("get", lambda w: {}, party()),
    "organisations:organisation_detail": (
        "get",
        lambda w: {"pk": w.branch_a.pk},
        party(b=404, member=200),
    ),
    "organisations:organisation_update": (
        "get",
        lambda w: {"pk": w.branch_a.pk},
        party(b=404, member=404),
    ),
    "organisations:organisation_create": (
        "get",
        lambda w: {"parent_pk": w.org_a.pk},
        party(b=404, member=404),
    ),
    "organisations:position_create": (
        "get",
        lambda w: {"pk": w.org_a.pk},
        party(b=404, member=404),
    ),
    "organisations:position_end": (
        "post",
        lambda w: {"pk": 999999},
        party(admin=404, a=404, b=404, member=404),
    ),
    "organisations:member_list": ("get", lambda w: {}, party()),
    "roster:member_export": ("get", lambda w: {}, party()),
    "organisations:member_create": ("get", lambda w: {}, party(member=404)),
    "organisations:member_detail": ("get", lambda w: {"pk": w.member_a.pk}, party(b=404)),
    "organisations:member_update": (
        "get",
        lambda w: {"pk": w.member_a.pk},
        party(b=404, member=404),
    ),
    "organisations:member_reveal": (
        "get",
        lambda w: {"pk": w.member_a.pk},
        party(b=404, member=404),
    ),
    "roster:roster_upload": (
        "get",
        lambda w: {"pk": w.branch_a.pk},
        party(b=404, member=404),
    ),
    "roster:roster_batch": ("get", _roster_batch, party(b=404, member=404)),
    "roster:roster_columns": (
        "post",
        _roster_batch,
        party(admin=302, a=302, b=404, member=404),
    ),
    "roster:roster_apply": (
        "post",
        _roster_batch,
        party(admin=302, a=302, b=404, member=404),
    ),
    "roster:roster_rollback": (
        "post",
        _roster_batch,
        party(admin=302, a=302, b=404, member=404),
    ),
    "roster:roster_rejected": ("get", _roster_batch, party(b=404, member=404)),
    "roster:roster_template": ("get", lambda w: {}, party()),
    "audit:event_list": ("get", lambda w: {}, only("auditor")),
    "audit:event_detail": ("get", lambda w: {"pk": _event(w)}, only("auditor")),
    "api:api-root": ("get", lambda w: {}, AUTHENTICATED_API),
    "api:organisation-list": ("get", lambda w: {}, api()),
    "api:organisation-detail": ("get", lambda w: {"pk": w.branch_a.pk}, api(b=404)),
    "api:member-list": ("get", lambda w: {}, api()),
    "api:member-detail": ("get", lambda w: {"pk": w.member_a.pk}, api(b=404)),
    "api:schema": ("get", lambda w: {}, AUTHENTICATED_API),
    "api:docs": ("get", lambda w: {}, {**AUTHENTICATED_API, "anonymous": LOGIN}),
    "set_language": ("post", lambda w: {}, {p: 302 for p in PERSONAS}),
}
# Format-suffix and other generated variants of the routes above.
IGNORED = {"api:api-root", "api:organisation-list", "api:member-list"}


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


def _client_for(client, world, persona):
    if persona != "anonymous":
        client.force_login(world.users[persona])
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_status(client, world, persona, name):
    method, kwargs, expected = ROUTES[name]
    client = _client_for(client, world, persona)
    url = reverse(name, kwargs=kwargs(world))
    response = getattr(client, method)(url)
    assert response.status_code == expected[persona], (name, persona)


@pytest.mark.parametrize(
    "name", ["organisations:member_list", "organisations:organisation_tree", "api:member-list"]
)
def test_lists_never_show_out_of_scope_members(client, world, name):
    client.force_login(world.users["secretary_b"])
    body = client.get(reverse(name)).content.decode()
    assert world.member_b.name in body or name == "organisations:organisation_tree"
    assert world.member_a.name not in body
    assert world.branch_a.name not in body


def test_search_never_finds_out_of_scope_member(client, world):
    client.force_login(world.users["secretary_b"])
    body = client.get(reverse("organisations:member_list"), {"q": "zxcr"}).content.decode()
    assert world.member_a.name not in body


def test_audit_events_cannot_be_changed(world):
    event = AuditEvent.objects.get(pk=_event(world))
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.objects.all().delete()
