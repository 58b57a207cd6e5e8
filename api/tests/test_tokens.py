"""API tokens (issue 7, item 8): hashed, expiring, revoked on password change and
deactivation, made and revoked on the API token page with every step audited; an account that
must change its password gets nothing from the API."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import Action, AuditEvent
from core.tests.personas import signed_in

pytestmark = pytest.mark.django_db

PAGE = "/api-token/"
MEMBERS = "/api/v1/members/"


def call(key, url=MEMBERS):
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def create_on_page(client):
    response = client.post(PAGE, {"action": "create"})
    assert response.status_code == 200
    return response


def test_page_makes_a_hashed_expiring_token_shown_once_and_audited(client, world, settings):
    user = world.users["secretary_a"]
    signed_in(client, user)
    response = create_on_page(client)
    key = response.context["key"]
    assert "no-store" in response["Cache-Control"]
    assert key in response.content.decode()

    token = AuthToken.objects.get(user=user)
    # Only the digest is stored; the 64 characters of the key appear nowhere in the row.
    assert token.digest == hash_token(key) != key
    assert key not in token.digest and len(token.token_key) < len(key)
    expected = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert abs(token.expiry - expected) < timedelta(minutes=1)

    event = AuditEvent.objects.get(action=Action.CREATE, target_id=str(user.pk))
    assert event.actor == user
    assert event.changes["api_token"] == [None, f"{key[:8]}…"]
    assert key not in str(event.changes)

    assert call(key).status_code == 200
    # Shown once: the list names it by its first characters only.
    listing = client.get(PAGE).content.decode()
    assert key not in listing
    assert f"{key[:8]}…" in listing


def test_several_tokens_listed_with_expiry_and_one_revoked(client, world):
    user = world.users["secretary_a"]
    signed_in(client, user)
    first = create_on_page(client).context["key"]
    second = create_on_page(client).context["key"]
    tokens = list(client.get(PAGE).context["tokens"])
    assert len(tokens) == 2 and all(t.expiry > timezone.now() for t in tokens)

    digest = hash_token(first)
    response = client.post(PAGE, {"action": "revoke", "token": digest})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(digest=digest).exists()
    event = AuditEvent.objects.get(action=Action.DELETE, target_id=str(user.pk))
    assert event.changes == {"api_token": [f"{first[:8]}…", None]}
    refused = call(first)
    assert refused.status_code == 401
    assert "令牌无效" in refused.json()["detail"]
    assert call(second).status_code == 200


def test_revoke_all_on_the_page(client, world):
    user = world.users["admin"]
    signed_in(client, user)
    keys = [create_on_page(client).context["key"] for _ in range(3)]
    assert client.post(PAGE, {"action": "revoke_all"}).status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(action=Action.DELETE).changes == {"api_tokens": [3, 0]}
    assert all(call(key).status_code == 401 for key in keys)


def test_nobody_revokes_another_users_token(client, world):
    _token, key = AuthToken.objects.create(user=world.users["secretary_b"])
    signed_in(client, world.users["secretary_a"])
    response = client.post(PAGE, {"action": "revoke", "token": hash_token(key)})
    assert response.status_code == 404
    assert call(key).status_code == 200
    assert not AuditEvent.objects.filter(action=Action.DELETE).exists()


def test_unknown_action_is_400(client, world):
    signed_in(client, world.users["admin"])
    assert client.post(PAGE, {"action": "rotate"}).status_code == 400
    assert not AuthToken.objects.exists()


def test_tokens_per_user_are_limited(client, world, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    user = world.users["admin"]
    signed_in(client, user)
    create_on_page(client)
    create_on_page(client)
    response = client.post(PAGE, {"action": "create"}, follow=True)
    assert "最多同时持有 2 个 API 令牌" in response.content.decode()
    assert AuthToken.objects.filter(user=user).count() == 2
    assert AuditEvent.objects.filter(action=Action.CREATE).count() == 2


def test_expired_token_is_refused_and_removed(world, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=7)}
    token, key = services.api_token_create(user=world.users["admin"])
    assert abs(token.expiry - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert call(key).status_code == 401
    assert not AuthToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token ÿþ", "Token " + "f" * 500])
def test_malformed_token_headers_are_401(world, header):
    response = APIClient().get(MEMBERS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "令牌无效" in response.json()["detail"]


def test_password_change_revokes_tokens(client, world):
    user = world.users["secretary_a"]
    _token, key = services.api_token_create(user=user)
    signed_in(client, user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Gesang-2026x",
            "new_password_again": "Gesang-2026x",
        },
    )
    assert response.status_code == 302
    assert call(key).status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action=Action.DELETE, target_id=str(user.pk))
    assert event.actor == user and event.changes == {"api_tokens": [1, 0]}


def test_password_reset_revokes_tokens(client, world):
    target = world.users["secretary_b"]
    _token, key = services.api_token_create(user=target)
    signed_in(client, world.users["security"])
    client.post(reverse("accounts:account_reset_password", args=[target.pk]))
    assert call(key).status_code == 401
    event = AuditEvent.objects.get(action=Action.DELETE, target_id=str(target.pk))
    assert event.actor == world.users["security"]


def test_deactivation_revokes_tokens(world):
    target = world.users["secretary_b"]
    _token, key = services.api_token_create(user=target)
    services.account_update(actor=world.users["security"], user=target, is_active=False)
    assert not AuthToken.objects.filter(user=target).exists()
    target.is_active = True  # reactivating the account does not bring the token back
    target.save(update_fields=["is_active"])
    assert call(key).status_code == 401


def api_urls():
    """Every GET endpoint of the API that needs an account, read from its own schema (the
    public channel's endpoints, /api/v1/public/, are open to anyone by design)."""
    admin = UserFactory(username="schema-reader")
    client = APIClient()
    client.force_authenticate(admin)
    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    return [
        path.replace("{id}", "1")
        for path, ops in paths.items()
        if "get" in ops and not path.startswith("/api/v1/public/")
    ] + ["/api/v1/schema/"]


@pytest.mark.parametrize("via", ["session", "token"])
def test_must_change_password_gets_nothing_from_the_api(client, world, via):
    user = world.users["secretary_a"]
    _token, key = AuthToken.objects.create(user=user)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    if via == "session":
        client.force_login(user)
        api = client
    else:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    urls = api_urls()
    assert MEMBERS in urls
    for url in urls:
        response = api.get(url)
        assert response.status_code == 403, url
        assert "请先登录网页修改密码" in response.content.decode(), url
    write = api.patch(f"{MEMBERS}{world.member_a.pk}/", {"post": "x"}, format="json")
    assert write.status_code == 403
    # The documentation page is for the browser: it sends the user to change the password.
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 302
    assert docs["Location"] == reverse("accounts:password_change")


def test_drf_authtoken_table_is_dropped_and_recorded():
    """The migration away from rest_framework.authtoken (clear tokens): the table goes, the
    count of retired tokens goes into the audit log."""
    migration = importlib.import_module("api.migrations.0001_drop_drf_authtoken")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef', 1)")
    migration.drop_drf_tokens(apps, connection.SchemaEditorClass(connection))
    assert "authtoken_token" not in connection.introspection.table_names()
    event = AuditEvent.objects.get(target_type="authtoken.token")
    assert event.changes == {"api_tokens_dropped": 1}
    # Run again on a database without the table: nothing happens.
    migration.drop_drf_tokens(apps, connection.SchemaEditorClass(connection))
    assert AuditEvent.objects.filter(target_type="authtoken.token").count() == 1
