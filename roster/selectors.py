"""Reads of roster import batches, always from the scoped queryset."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from organisations.models import Organisation

from .models import ImportBatch, ImportRow, RowOutcome

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

BATCHES_SHOWN = 20


def batches(user: "User | AnonymousUser") -> QuerySet[ImportBatch]:
    """Batches of organisations the user may edit, with what a page shows of them."""
    return ImportBatch.objects.editable_by(user).select_related(
        "organisation", "created_by", "applied_by", "rolled_back_by"
    )


def recent_batches(
    user: "User | AnonymousUser", organisation: Organisation
) -> QuerySet[ImportBatch]:
    return batches(user).filter(organisation=organisation)[:BATCHES_SHOWN]


def batch_rows(batch: ImportBatch, outcome: str | None = None) -> QuerySet[ImportRow]:
    """A batch's rows in source order, optionally of one outcome; no clear data loaded."""
    rows = ImportRow.objects.filter(batch=batch).defer("values", "id_number_token", "raw", "before")
    if outcome in RowOutcome.values:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("row_number")


def rejected_rows(batch: ImportBatch) -> QuerySet[ImportRow]:
    return (
        ImportRow.objects.filter(batch=batch, outcome=RowOutcome.REJECTED)
        .only("row_number", "raw", "messages")
        .order_by("row_number")
    )
