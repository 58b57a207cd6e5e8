"""Reads of roster import batches, always from the scoped queryset."""

from .models import ImportBatch, ImportRow, RowOutcome

BATCHES_SHOWN = 20


def batches(user):
    """Batches of organisations the user may edit, with what a page shows of them."""
    return ImportBatch.objects.editable_by(user).select_related(
        "organisation", "created_by", "applied_by", "rolled_back_by"
    )


def recent_batches(user, organisation):
    return batches(user).filter(organisation=organisation)[:BATCHES_SHOWN]


def batch_rows(batch: ImportBatch, outcome: str | None = None):
    """A batch's rows in source order, optionally of one outcome; no clear data loaded."""
    rows = ImportRow.objects.filter(batch=batch).defer("values", "id_number_token", "raw", "before")
    if outcome in RowOutcome.values:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("row_number")


def rejected_rows(batch: ImportBatch):
    return (
        ImportRow.objects.filter(batch=batch, outcome=RowOutcome.REJECTED)
        .only("row_number", "raw", "messages")
        .order_by("row_number")
    )
