"""The demo prefecture's account requests and a month of audit history, so the secretary's
account pages, the security officer's queue and the auditor's dashboard show content."""

import random
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from audit.models import Action, AuditEvent
from organisations.models import Organisation, OrganisationKind


def seed_accounts(rng: random.Random) -> None:
    """secretary_a asks accounts for two branches of their committee; the security officer
    issues the first branch's (its sheet is ready to print) and leaves the second waiting."""
    secretary = User.objects.get(username="secretary_a")
    security = User.objects.get(username="security")
    branches = list(
        Organisation.objects.filter(
            kind=OrganisationKind.BRANCH, path__startswith=secretary.organisation.path
        )
        .annotate(n=Count("members"))
        .filter(n__gt=0)
        .order_by("path")[:2]
    )
    issued = account_services.account_requests_for_organisation(
        actor=secretary, organisation=branches[0]
    )
    account_services.account_requests_issue(actor=security, request_ids=[r.pk for r in issued[:6]])
    if len(branches) > 1:
        account_services.account_requests_for_organisation(
            actor=secretary, organisation=branches[1]
        )
    _history(rng, secretary)


def _history(rng: random.Random, secretary: User) -> None:
    """Thirty days of sign-ins, a few failed ones, a lockout, unmasked views and exports.
    Synthetic past events are written as such (they record no real write), dated in the past."""
    now = timezone.now()
    member = (
        secretary.organisation.members.order_by("id").first() if secretary.organisation else None
    )
    events = []
    for days_ago in range(30, 0, -1):
        day = now - timedelta(days=days_ago)
        for _n in range(rng.randint(2, 9)):
            events.append(
                AuditEvent(
                    occurred_at=day - timedelta(minutes=rng.randint(0, 600)),
                    actor=secretary,
                    actor_name=secretary.username,
                    action=Action.LOGIN,
                    target_type="accounts.user",
                    target_id=str(secretary.pk),
                    target_repr=str(secretary),
                    ip_address="10.53.1.23",
                )
            )
        for _n in range(rng.choice([0, 0, 0, 1, 2, 4])):
            events.append(
                AuditEvent(
                    occurred_at=day - timedelta(minutes=rng.randint(0, 600)),
                    actor_name="zhangsan",
                    action=Action.LOGIN_FAILED,
                    target_repr="zhangsan",
                    ip_address="10.53.7.40",
                )
            )
        if days_ago in (3, 17):
            events.append(
                AuditEvent(
                    occurred_at=day,
                    actor_name="zhangsan",
                    action=Action.LOCKOUT,
                    target_repr="zhangsan",
                    ip_address="10.53.7.40",
                )
            )
        if member is not None and days_ago % 6 == 0:
            events.append(
                AuditEvent(
                    occurred_at=day,
                    actor=secretary,
                    actor_name=secretary.username,
                    action=Action.REVEAL,
                    target_type="organisations.member",
                    target_id=str(member.pk),
                    target_repr=member.name,
                    organisation_id=member.organisation_id,
                    reason="办理组织关系转接，核对身份",
                    changes={"field": "id_number"},
                    ip_address="10.53.1.23",
                )
            )
        if days_ago % 10 == 0:
            events.append(
                AuditEvent(
                    occurred_at=day,
                    actor=secretary,
                    actor_name=secretary.username,
                    action=Action.EXPORT,
                    target_repr="党员花名册",
                    organisation_id=secretary.organisation_id,
                    changes={"rows": rng.randint(40, 300), "id_numbers": "masked"},
                    ip_address="10.53.1.23",
                )
            )
    AuditEvent.objects.bulk_create(events)
