"""The field encryption key: a wrong key is refused at start; rotation keeps every value."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from core import crypto
from core.models import KeyCheck
from organisations.models import Member
from organisations.tests.factories import MemberFactory, OrganisationFactory, id_number_for

pytestmark = pytest.mark.django_db


def _key() -> str:
    return Fernet.generate_key().decode()


def test_the_first_start_writes_the_check_and_the_same_key_passes():
    assert not KeyCheck.objects.exists()
    crypto.verify_key()
    assert KeyCheck.objects.count() == 1
    crypto.verify_key()  # a second start with the same key
    assert KeyCheck.objects.count() == 1


def test_a_wrong_key_is_refused_at_start(settings):
    crypto.verify_key()
    settings.FIELD_ENCRYPTION_KEY = _key()
    with pytest.raises(crypto.KeyMismatch, match="does not match"):
        crypto.verify_key()
    errors = run_checks()
    assert [e.id for e in errors if e.id == "core.E001"] == ["core.E001"]


def test_a_malformed_key_says_what_a_key_looks_like(settings):
    settings.FIELD_ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(crypto.ImproperlyConfigured, match="32 url-safe base64"):
        crypto.encrypt("x")


def test_a_new_key_with_the_old_one_listed_asks_for_the_rotation(settings):
    crypto.verify_key()
    old = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = _key(), [old]
    with pytest.raises(crypto.KeyMismatch, match="rotate_encryption_key"):
        crypto.verify_key()


def test_rotation_re_encrypts_and_keeps_lookups_working(settings):
    crypto.verify_key()
    organisation = OrganisationFactory()
    number = id_number_for()
    member = MemberFactory(organisation=organisation, id_number=number)
    old_token = member.id_number_encrypted
    old = settings.FIELD_ENCRYPTION_KEY

    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = _key(), [old]
    out = StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "organisations.Member: 1 rows re-encrypted" in out.getvalue()

    member.refresh_from_db()
    assert member.id_number_encrypted != old_token
    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # the old key is gone: everything still reads
    crypto.verify_key()
    assert member.id_number == number
    assert Member.objects.with_id_number(number).get() == member
    event = AuditEvent.objects.get(target_repr="FIELD_ENCRYPTION_KEY")
    assert event.actor_name == "operator:rotate_encryption_key"
    assert event.changes["rotated"]["organisations.Member"] == 1


def test_rotation_without_the_old_key_changes_nothing(settings):
    crypto.verify_key()
    member = MemberFactory(organisation=OrganisationFactory())
    token = member.id_number_encrypted
    settings.FIELD_ENCRYPTION_KEY = _key()
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_OLD_KEYS"):
        call_command("rotate_encryption_key")
    member.refresh_from_db()
    assert member.id_number_encrypted == token
