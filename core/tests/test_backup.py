"""Backups that restore (issue 13): `manage.py backup`, then `manage.py restore` into an empty
database, finds no difference in members, organisations and audit events; the ID numbers still
decrypt; a wrong key is refused before anything is written; the key is not in the archive.

SQLite in the normal run; the PostgreSQL path when the suite runs on PostgreSQL (it restores
into a database of its own, named after the test database, and drops only that one)."""

import os
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit import services as audit
from audit.models import Action, AuditEvent
from core import backup, crypto
from core.actors import operator
from organisations.models import Member, Organisation
from organisations.tests.factories import MemberFactory, id_number_for

pytestmark = pytest.mark.django_db(transaction=True)
TABLES = [Member._meta.db_table, Organisation._meta.db_table, AuditEvent._meta.db_table]


@pytest.fixture
def content(world):
    """The personas' world, two members more with known ID numbers, audit events about them,
    and a file in each storage."""
    numbers = [id_number_for(), id_number_for()]
    members = [
        MemberFactory(organisation=world.org_a, name=f"备份{i}", id_number=number)
        for i, number in enumerate(numbers)
    ]
    with transaction.atomic():
        for member in members:
            audit.record(
                actor=operator("backup-test"),
                action=Action.UPDATE,
                target=member,
                changes={"name": ["旧名", member.name]},
            )
    storages["default"].save("documents/minutes.pdf", ContentFile(b"%PDF-1.7 minutes"))
    storages["private"].save("attachments/photo.jpg", ContentFile(b"\xff\xd8\xff photo"))
    return numbers


def rows(reader, table):
    try:
        return reader.rows(table)
    finally:
        reader.close()


def source_reader():
    params = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        import sqlite3

        name, uri = backup._sqlite_name(params["NAME"])
        return backup._Reader(sqlite3.connect(name, uri=uri), "sqlite")
    return backup._Reader(backup._pg_connect(params), "postgresql")


def same_content(target_params, id_numbers):
    for table in TABLES:
        before = rows(source_reader(), table)
        after = rows(backup.reader_for(target_params), table)
        assert before and after == before, table
    # And the restored ID numbers decrypt under the configured key.
    reader = backup.reader_for(target_params)
    try:
        tokens = {
            row[0]
            for row in reader.connection.cursor()
            .execute(f"SELECT id_number_encrypted FROM {Member._meta.db_table}")
            .fetchall()
        }
    finally:
        reader.close()
    assert set(id_numbers) <= {crypto.decrypt(token) for token in tokens}


@pytest.fixture
def empty_target(tmp_path):
    """An empty database to restore into, of the suite's engine."""
    params = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        params["NAME"] = str(tmp_path / "restored.sqlite3")
        yield params
        return
    if connection.vendor != "postgresql":
        pytest.skip(f"backup supports SQLite and PostgreSQL, not {connection.vendor}")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        reason = "pg_dump/pg_restore missing: sudo apt-get install postgresql-client"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # A database of this test's own, beside the test database; only it is ever dropped.
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = backup._pg_connect(params, dbname="postgres")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**params, "NAME": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def files_emptied():
    """The stored files go, as on a machine rebuilt from nothing."""
    for alias in backup.STORAGE_ALIASES:
        location = Path(storages[alias].location)
        if location.exists():
            shutil.rmtree(location)


def test_backup_restores_into_an_empty_database_with_no_difference(
    content, empty_target, tmp_path, settings, monkeypatch
):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    assert archive.stat().st_mode & 0o077 == 0  # owner-only
    files_emptied()

    monkeypatch.setitem(settings.DATABASES, "restore_target", empty_target)
    call_command("restore", str(archive), database="restore_target")

    same_content(empty_target, content)
    assert storages["default"].open("documents/minutes.pdf").read() == b"%PDF-1.7 minutes"
    assert storages["private"].open("attachments/photo.jpg").read() == b"\xff\xd8\xff photo"


def test_the_key_is_not_in_the_archive_and_a_wrong_key_is_refused(
    content, empty_target, tmp_path, settings, monkeypatch
):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    key = settings.FIELD_ENCRYPTION_KEY.encode()
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                data = tar.extractfile(member).read()
                assert key not in data, member.name

    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    monkeypatch.setitem(settings.DATABASES, "restore_target", empty_target)
    with pytest.raises(CommandError, match="another FIELD_ENCRYPTION_KEY"):
        call_command("restore", str(archive), database="restore_target")
    with pytest.raises(CommandError, match="another FIELD_ENCRYPTION_KEY"):
        call_command("restore", str(archive), check=True)
    # Nothing was written.
    if empty_target["ENGINE"].endswith("sqlite3"):
        assert not Path(empty_target["NAME"]).exists()
    else:
        reader = backup.reader_for(empty_target)
        try:
            assert reader.tables() == []
        finally:
            reader.close()


def test_a_database_with_tables_is_never_restored_over(content, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    members = Member.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))  # into the database in use
    assert Member.objects.count() == members


def test_an_existing_archive_is_never_replaced_and_junk_is_refused(content, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"not a backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive))
    with pytest.raises(CommandError, match="not a Dangjian backup"):
        call_command("restore", str(archive), check=True)
