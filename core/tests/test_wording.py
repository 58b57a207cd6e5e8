"""Django's and DRF's own messages read naturally in each language (locale/overrides), the
繁體 interface keeps one set of terms, and the API answers in the reader's language."""

import pytest
from django.conf import settings
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_a_code_in_use_is_said_plainly(client, world):
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("organisations:organisation_create", args=[world.org_a.pk]),
        {"name": "重复", "kind": "branch", "code": world.org_b.code, "is_active": "on"},
    )
    assert response.context["form"].errors["code"] == ["已有党组织使用这个组织代码。"]
    body = response.content.decode()
    assert "具有" not in body and "已存在" not in body
    response = _in(client, "zh-hant").post(
        reverse("organisations:organisation_create", args=[world.org_a.pk]),
        {"name": "重复", "kind": "branch", "code": world.org_b.code, "is_active": "on"},
    )
    assert response.context["form"].errors["code"] == ["已有黨組織使用這個組織代碼。"]


def test_a_choice_not_on_the_list_is_said_plainly(client, world):
    client.force_login(world.users["admin"])
    response = client.get(reverse("organisations:member_list"), {"ethnicity": "tibetan"})
    body = response.content.decode()
    assert "民族：“tibetan”不在可选范围内，请从列表中选择。" in body
    assert "选择一个有效的选项" not in body


def test_traditional_chinese_uses_one_set_of_terms(client, world):
    for user in ("security", "secretary_a"):
        client.force_login(world.users[user])
        for name in ("accounts:account_list", "accounts:password_change", "core:home"):
            body = _in(client, "zh-hant").get(reverse(name)).content.decode()
            assert "賬" not in body and "用戶" not in body, (user, name)
    client.logout()
    login = _in(client, "zh-hant").get(reverse("accounts:login")).content.decode()
    assert "賬" not in login and "用戶" not in login
    # Django's own wording in Simplified Chinese says 账号 like the platform, not 帐号.
    from django.utils import translation

    django_message = "This account is inactive."  # Django's msgid (a literal, kept out of ours)
    with translation.override("zh-hans"):
        assert translation.gettext(django_message) == "该账号已停用。"


@pytest.mark.parametrize(
    ("language", "not_found", "no_credentials"),
    [
        ("en", "Not found.", "Authentication credentials were not provided."),
        ("zh-hans", "未找到。", "身份认证信息未提供。"),
        ("zh-hant", "找不到資源。", "身份認證信息未提供。"),
    ],
)
def test_the_api_answers_in_the_readers_language(world, language, not_found, no_credentials):
    api = APIClient(headers={"accept-language": language})
    assert api.get("/api/v1/members/").json()["detail"] == no_credentials
    _token, key = AuthToken.objects.create(user=world.users["secretary_a"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for url in ("/api/v1/members/999999/", "/api/v1/no-such-thing/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["detail"] == not_found, url
        assert response["Content-Language"] == language
