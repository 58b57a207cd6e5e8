"""audit.services.record refuses to write an event outside a transaction: an event on its own
could outlive a rolled-back write, or miss a write that stayed.

pytest-django's `db` fixture runs each test inside an atomic block, which would hide a missing
transaction; these tests use `transaction=True`, where autocommit is real."""

import pytest
from django.db import transaction

from audit.models import Action, AuditEvent
from audit.services import record


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(transaction.TransactionManagementError, match="@transaction.atomic"):
        record(actor=None, actor_name="test", action=Action.CREATE, target_repr="x")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_record_inside_a_transaction_is_written():
    with transaction.atomic():
        record(actor=None, actor_name="test", action=Action.CREATE, target_repr="x")
    assert AuditEvent.objects.get().actor_name == "test"


@pytest.mark.django_db(transaction=True)
def test_an_event_goes_when_its_write_is_rolled_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, actor_name="test", action=Action.CREATE, target_repr="x")
        raise RuntimeError("the write failed")
    assert not AuditEvent.objects.exists()
