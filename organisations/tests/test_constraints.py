"""Database constraints speak Chinese on the field they concern; their names never reach users
("约束 “term_ends_after_start” 是无效的" was what the position form said)."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import BaseConstraint
from django.urls import reverse

from audit.models import AuditEvent
from core.constraints import ConstraintErrorsOnFields
from organisations import services
from organisations.models import Position

pytestmark = pytest.mark.django_db


def our_constraints():
    for app in ("organisations", "roster"):
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                yield model, constraint


def test_every_constraint_has_a_chinese_message_on_a_field():
    found = list(our_constraints())
    assert len(found) >= 3
    for model, constraint in found:
        message = str(constraint.violation_error_message)
        assert message != BaseConstraint.default_violation_error_message, constraint.name
        assert constraint.name not in message
        assert any("\u4e00" <= c <= "\u9fff" for c in message), constraint.name
        assert issubclass(model, ConstraintErrorsOnFields), model
        field = model.constraint_fields[constraint.violation_error_code]
        model._meta.get_field(field)  # a real field of the model


def test_the_position_form_shows_the_term_rule_on_the_term_end(client, world):
    client.force_login(world.users["secretary_a"])
    response = client.post(
        reverse("organisations:position_create", args=[world.org_a.pk]),
        {
            "member": world.member_a.pk,
            "title": "secretary",
            "term_start": "2025-01-10",
            "term_end": "2024-01-10",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["term_end"] == ["任期届满日期必须晚于任期开始日期。"]
    body = response.content.decode()
    assert "任期届满日期必须晚于任期开始日期。" in body
    assert "term_ends_after_start" not in body and "约束" not in body
    assert not Position.objects.exists()
    assert not AuditEvent.objects.filter(target_type="organisations.position").exists()


def test_the_position_service_raises_it_on_the_field(world):
    with pytest.raises(ValidationError) as excinfo:
        services.position_create(
            actor=world.users["admin"],
            organisation=world.org_a,
            member=world.member_a,
            title="secretary",
            term_start=date(2025, 1, 10),
            term_end=date(2025, 1, 10),
        )
    assert excinfo.value.message_dict == {"term_end": ["任期届满日期必须晚于任期开始日期。"]}
    assert not Position.objects.exists()


def test_the_member_constraint_speaks_on_the_full_member_date(world):
    member = world.member_a
    member.category = "probationary"
    with pytest.raises(ValidationError) as excinfo:
        member.validate_constraints()
    assert excinfo.value.message_dict == {
        "full_member_on": ["人员类别为预备党员时不应填写转正日期。"]
    }
