"""Writing the audit log. Services call `record` inside their own transaction."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import models, router, transaction
from django.http import HttpRequest
from django.utils import timezone

from core import network
from core.actors import Actor, Operator

from .models import Action, AuditEvent

if TYPE_CHECKING:
    from accounts.models import User
    from organisations.models import Organisation

# Personal fields a snapshot records as the screen shows them: the model's `<field>_masked`
# (Member.id_number_masked, Member.phone_masked). A model without one shows the field in clear
# (an account's phone is its login identifier, on the security officer's pages), and so does
# the log. A password is never shown at all: MASK.
MASKED_FIELDS = {"id_number", "phone", "password"}
MASK = "******"


def _plain(value: object) -> object:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date | datetime | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, JSON-ready, for a before/after comparison; the
    personal ones (MASKED_FIELDS) masked as on screen.

    Two values can share a mask (13812344321 and 13899994321): a service that must know
    whether a masked field changed compares its digests (organisations.services)."""
    values: dict[str, Any] = {}
    for name in fields:
        if name == "password":
            values[name] = MASK
            continue
        if name in MASKED_FIELDS and hasattr(instance, f"{name}_masked"):
            values[name] = getattr(instance, f"{name}_masked")
            continue
        field = instance._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            values[name] = getattr(instance, field.attname)
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, through the trusted proxies only (core.network)."""
    return network.client_ip(request)


def record(
    *,
    actor: "Actor | None",
    action: Action | str,
    target: models.Model | None = None,
    organisation: "Organisation | int | None" = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    target_repr: str = "",
    batch: str = "",
    actor_name: str = "",
) -> AuditEvent:
    """Append one audit event. Called by services within their transaction.

    The actor is an account, the operator of a command or job (named in `actor_name` as
    "operator:<command>"), or, for events about a failed sign-in, nobody. Refuses to run
    outside a transaction: an event written on its own could stay when the write it
    records is rolled back, or go missing when the write stays."""
    if not transaction.get_connection(router.db_for_write(AuditEvent)).in_atomic_block:
        raise transaction.TransactionManagementError(
            "audit.services.record() must run inside the transaction of the write it records: "
            "call it from a service decorated with @transaction.atomic "
            "(or inside `with transaction.atomic():`)."
        )
    if isinstance(actor, Operator):
        actor_obj, actor_name = None, str(actor)
    else:
        # Signed in, so an account of AUTH_USER_MODEL (the stubs only know AbstractBaseUser).
        signed_in = actor if getattr(actor, "is_authenticated", False) else None
        actor_obj = cast("User | None", signed_in)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor_obj,
        actor_name=actor_obj.get_username() if actor_obj else actor_name,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=(target_repr or str(target or ""))[:200],
        organisation_id=getattr(organisation, "pk", organisation),
        changes=changes or {},
        reason=reason[:300],
        ip_address=client_ip(request),
        batch=batch,
    )
    event.save(force_insert=True)
    return event


@transaction.atomic
def purge_expired(*, now: datetime | None = None) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS, never younger than the legal floor
    AUDIT_RETENTION_MIN_DAYS (a setting overridden below it is still refused)."""
    days = max(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_RETENTION_MIN_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    # Bypass the append-only queryset on purpose: retention is the one permitted deletion.
    deleted, _ = models.QuerySet(AuditEvent).filter(occurred_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def export_recorded(
    *, actor: Actor, rows: int, filters: dict[str, Any], request: HttpRequest | None = None
) -> AuditEvent:
    """The auditor exported part of the log: who, when, how many events, which filters."""
    return record(
        actor=actor,
        action=Action.EXPORT,
        target_repr="审计日志",
        changes={"rows": rows, "filters": {k: str(v) for k, v in filters.items()}},
        request=request,
    )
