"""Every form, fuzzed through its real view (Hypothesis): whatever a user or an attacker types —
NUL, formula-like cells, right-to-left overrides, huge or out-of-range numbers, impossible
dates, markup — the answer is a page or a redirect, never a server error."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import AccountForm, PasswordChangeForm, UnlockForm
from organisations.forms import MemberForm, OrganisationForm, PositionForm, RevealForm
from organisations.tests.factories import PositionFactory
from roster.forms import ExportRevealForm
from roster.models import ImportBatch

NASTY = st.sampled_from(
    [
        "",
        "\x00",
        "abc\x00def",
        '=HYPERLINK("http://example.invalid","点我")',
        "=cmd|' /C calc'!A0",
        "+1",
        "@SUM(A1)",
        "\u202eabc",
        "9" * 30,
        "-1",
        "0",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "abc",
        "<script>alert(1)</script>",
        "扎西·次仁" * 200,
        "１２３",
        "   ",
    ]
)
VALUES = st.one_of(
    NASTY,
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(str),
)


def _fields(form_class) -> list[str]:
    return list(form_class.base_fields)


def _batch(world):
    return ImportBatch.objects.create(
        organisation=world.branch_a, original_name="花名册.xlsx", file_format="xlsx"
    ).code


# (url name, url kwargs from the world, persona, method, field names)
TARGETS = {
    "member_create": (
        "organisations:member_create",
        lambda w: {},
        "secretary_a",
        "post",
        _fields(MemberForm),
    ),
    "member_update": (
        "organisations:member_update",
        lambda w: {"pk": w.member_a.pk},
        "secretary_a",
        "post",
        _fields(MemberForm),
    ),
    "member_reveal": (
        "organisations:member_reveal",
        lambda w: {"pk": w.member_a.pk},
        "secretary_a",
        "post",
        _fields(RevealForm),
    ),
    "member_list": (
        "organisations:member_list",
        lambda w: {},
        "secretary_a",
        "get",
        ["q", "organisation", "category", "sex", "ethnicity", "education", "joined_year"]
        + ["status", "order", "page"],
    ),
    "member_export": (
        "roster:member_export",
        lambda w: {},
        "secretary_a",
        "post",
        _fields(ExportRevealForm),
    ),
    "organisation_create": (
        "organisations:organisation_create",
        lambda w: {"parent_pk": w.org_a.pk},
        "secretary_a",
        "post",
        _fields(OrganisationForm),
    ),
    "organisation_update": (
        "organisations:organisation_update",
        lambda w: {"pk": w.branch_a.pk},
        "secretary_a",
        "post",
        _fields(OrganisationForm),
    ),
    "position_create": (
        "organisations:position_create",
        lambda w: {"pk": w.org_a.pk},
        "secretary_a",
        "post",
        _fields(PositionForm),
    ),
    "position_end": (
        "organisations:position_end",
        lambda w: {"pk": PositionFactory(organisation=w.org_a, member=w.member_a).pk},
        "secretary_a",
        "post",
        ["ended_on"],
    ),
    "roster_columns": (
        "roster:roster_columns",
        lambda w: {"code": _batch(w)},
        "secretary_a",
        "post",
        [f"col_{n}" for n in range(6)],
    ),
    "account_create": (
        "accounts:account_create",
        lambda w: {},
        "security",
        "post",
        _fields(AccountForm),
    ),
    "account_update": (
        "accounts:account_update",
        lambda w: {"pk": w.users["secretary_b"].pk},
        "security",
        "post",
        _fields(AccountForm),
    ),
    "lockouts": ("accounts:lockouts", lambda w: {}, "security", "post", _fields(UnlockForm)),
    "password_change": (
        "accounts:password_change",
        lambda w: {},
        "member",
        "post",
        _fields(PasswordChangeForm),
    ),
    "audit_list": (
        "audit:event_list",
        lambda w: {},
        "auditor",
        "get",
        ["actor_name", "action", "target_type", "target_id", "target_repr", "since", "until"],
    ),
}


@pytest.mark.parametrize("target", sorted(TARGETS))
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_answers_with_a_server_error(client, world, target, data):
    url_name, kwargs, persona, method, fields = TARGETS[target]
    client.raise_request_exception = False
    client.force_login(world.users[persona])
    url = reverse(url_name, kwargs=kwargs(world))
    payload = data.draw(st.fixed_dictionaries({field: VALUES for field in fields}))
    response = getattr(client, method)(url, payload)
    assert response.status_code < 500, (target, payload, response.status_code)
