"""Backups that restore: the database and every stored file in one archive, never the key.

An archive (`manage.py backup`) is a gzipped tar holding

    manifest.json      format, time, engine, the latest migration of each app, the row count of
                       every table, the file counts, and the key's fingerprint
    database.pgdump    PostgreSQL: `pg_dump --format=custom` (no owners, no privileges)
    database.sqlite3   SQLite: a consistent copy through SQLite's online backup API
    files/<storage>/   the "default" and "private" storages' files (core/storage.py)

The field encryption key (FIELD_ENCRYPTION_KEY) is never in it. The data's ID numbers and
phones are encrypted under that key, so an archive alone discloses none of them, and the key
kept beside the data would undo that. The manifest carries the key's fingerprint instead: the
keyed digest of a constant (the same value as the database's KeyCheck row, which is in the dump
anyway), from which the key cannot be recovered. `manage.py restore` compares it with the
configured key before it writes anything and refuses a restore under another key, which would
give a database whose ID numbers no one can read and whose duplicate checks find nothing.

The archive still holds personal data in clear (names, and roster uploads not yet applied hold
clear ID numbers): it is written owner-only (0600) and belongs in encrypted, access-controlled
storage (docs/deploy.md, "Backups").

Restore only ever fills an empty database and empty storages: it refuses a database that has
tables, and leaves a stored file that already exists untouched (and says so). Nothing is
dropped. Cross-engine restores (SQLite to PostgreSQL) are not supported: use dumpdata/loaddata.
"""

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from . import crypto
from .storage import PRIVATE

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_DUMP = "database.sqlite3"
FILES = "files"
STORAGE_ALIASES = ("default", PRIVATE)
# Transient files beside the uploads, never worth restoring (roster/progress.py).
SKIPPED_DIRS = ("roster/progress",)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Target:
    """Where a restore writes: a Django connection's settings (NAME, USER, HOST ...)."""

    engine: str  # "postgresql" or "sqlite"
    params: dict

    @classmethod
    def of(cls, settings_dict: dict) -> "Target":
        return cls(engine=_engine(settings_dict["ENGINE"]), params=dict(settings_dict))


@dataclass
class RestoreReport:
    tables: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    kept_files: list[str] = field(default_factory=list)


def _engine(engine: str) -> str:
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite" in engine:
        return "sqlite"
    raise BackupError(f"backup supports PostgreSQL and SQLite, not {engine}")


def key_fingerprint() -> str:
    """The configured key's fingerprint: the keyed digest of the key check's constant."""
    return crypto.digest(crypto.CHECK_PLAINTEXT)


# --- backup -----------------------------------------------------------------------------


def backup(output: Path, *, alias: str = "default") -> dict:
    """Write the archive `output` (refusing to overwrite one); returns its manifest."""
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} exists already: give a new file name.")
    connection = connections[alias]
    engine = _engine(connection.settings_dict["ENGINE"])
    crypto.verify_key()  # never archive data the configured key cannot read
    with tempfile.TemporaryDirectory(prefix="dangjian-backup-") as work:
        work_dir = Path(work)
        if engine == "postgresql":
            dump = work_dir / PG_DUMP
            counts = _pg_dump(connection.settings_dict, dump)
        else:
            dump = work_dir / SQLITE_DUMP
            _sqlite_dump(connection, dump)
            counts = table_counts(_open(Target(engine, {}), dump))
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "migrations": _latest_migrations(alias),
            "tables": counts,
            "key_fingerprint": key_fingerprint(),
            "files": {},
        }
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as stream, tarfile.open(fileobj=stream, mode="w:gz") as tar:
                tar.add(dump, arcname=dump.name)
                for storage_alias in STORAGE_ALIASES:
                    count = 0
                    for name in _stored_files(storage_alias):
                        with storages[storage_alias].open(name, "rb") as source:
                            data = source.read()
                        _add_bytes(tar, f"{FILES}/{storage_alias}/{name}", data)
                        count += 1
                    manifest["files"][storage_alias] = count
                _add_bytes(
                    tar, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                )
            os.replace(partial, output)
        finally:
            if partial.exists():
                partial.unlink()
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _latest_migrations(alias: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _pg_env(params: dict) -> dict:
    env = dict(os.environ)
    env.update(
        {
            key: str(value)
            for key, value in {
                "PGHOST": params.get("HOST"),
                "PGPORT": params.get("PORT"),
                "PGUSER": params.get("USER"),
                "PGPASSWORD": params.get("PASSWORD"),
                "PGDATABASE": params.get("NAME"),
            }.items()
            if value
        }
    )
    return env


def _run(command: list[str], params: dict) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed: sudo apt-get install postgresql-client (the version of "
            "the server or newer)."
        )
    result = subprocess.run(command, env=_pg_env(params), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()}")


def _pg_dump(params: dict, dump: Path) -> dict[str, int]:
    """Dump the database and count its rows in one snapshot (the application may be writing
    meanwhile): a repeatable-read transaction exports its snapshot, pg_dump reads that one."""
    from psycopg import IsolationLevel

    connection = _pg_connect(params)
    try:
        connection.autocommit = False
        connection.isolation_level = IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        cursor = connection.cursor()
        cursor.execute("SELECT pg_export_snapshot()")
        row = cursor.fetchone()
        assert row is not None
        reader = _Reader(connection, "postgresql")
        counts = {table: reader.count(table) for table in reader.tables()}
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={row[0]}",
                f"--file={dump}",
            ],
            params,
        )
        connection.rollback()
    finally:
        connection.close()
    return counts


def _sqlite_dump(connection, dump: Path) -> None:
    """A consistent copy while the application runs (SQLite's online backup API)."""
    connection.ensure_connection()
    destination = sqlite3.connect(dump)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _stored_files(alias: str) -> Iterator[str]:
    storage = storages[alias]
    skipped = set(SKIPPED_DIRS)
    if isinstance(storage, FileSystemStorage):
        # A storage whose folder lies inside this one (private under MEDIA_ROOT) is its own.
        own = Path(storage.location).resolve()
        for other in STORAGE_ALIASES:
            other_storage = storages[other]
            if other != alias and isinstance(other_storage, FileSystemStorage):
                inner = Path(other_storage.location).resolve()
                if inner != own and own in inner.parents:
                    skipped.add(inner.relative_to(own).as_posix())
        if not own.exists():
            return
    yield from _walk(storage, "", skipped)


def _walk(storage: Storage, folder: str, skipped: set[str]) -> Iterator[str]:
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for directory in sorted(directories):
        path = f"{folder}/{directory}" if folder else directory
        if path not in skipped:
            yield from _walk(storage, path, skipped)


# --- reading a database, for counts and comparisons ---------------------------------------


class _Reader:
    """A plain DB-API connection to a database outside Django's connections (a dump, or a
    restore's target), for counting and comparing rows."""

    def __init__(self, connection, engine: str):
        self.connection, self.engine = connection, engine

    def tables(self) -> list[str]:
        cursor = self.connection.cursor()
        if self.engine == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        else:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        return [row[0] for row in cursor.fetchall()]

    def rows(self, table: str, order: str = "1") -> list[tuple]:
        cursor = self.connection.cursor()
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608 (own names)
        return [tuple(row) for row in cursor.fetchall()]

    def count(self, table: str) -> int:
        cursor = self.connection.cursor()
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (own names)
        return cursor.fetchone()[0]

    def close(self) -> None:
        self.connection.close()


def _pg_connect(params: dict, dbname: str | None = None):
    import psycopg

    return psycopg.connect(
        dbname=dbname or params["NAME"],
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        autocommit=True,
    )


def _open(target: Target, sqlite_file: Path | None = None) -> _Reader:
    """A reader of the target database (of the SQLite file `sqlite_file` when given; a
    PostgreSQL dump is counted on the live database it was just taken from)."""
    if target.engine == "sqlite":
        name, uri = _sqlite_name(sqlite_file or target.params["NAME"])
        return _Reader(sqlite3.connect(name, uri=uri), "sqlite")
    return _Reader(_pg_connect(target.params), "postgresql")


def table_counts(reader: _Reader) -> dict[str, int]:
    try:
        return {table: reader.count(table) for table in reader.tables()}
    finally:
        reader.close()


def reader_for(settings_dict: dict) -> _Reader:
    target = Target.of(settings_dict)
    return _open(target)


# --- restore ----------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Dangjian backup ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: backup format {manifest.get('format')} is not known.")
    return manifest


def check_key(manifest: dict) -> None:
    if manifest.get("key_fingerprint") != key_fingerprint():
        raise BackupError(
            "This backup was written under another FIELD_ENCRYPTION_KEY than the one configured "
            "(the fingerprints differ). Set FIELD_ENCRYPTION_KEY to the key kept with this "
            "backup and run the restore again. Nothing was restored."
        )


def restore(archive: Path, *, target: Target, restore_files: bool = True) -> RestoreReport:
    """Restore `archive` into the empty database `target` and the configured storages."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    check_key(manifest)
    if manifest["engine"] != target.engine:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database and the target is "
            f"{target.engine}: restore into the same engine (see docs/deploy.md)."
        )
    reader = _open(target) if _exists(target) else None
    if reader is not None:
        try:
            tables = reader.tables()
        finally:
            reader.close()
        if tables:
            raise BackupError(
                f"The target database {target.params['NAME']} is not empty ({len(tables)} "
                "tables): restore into a new, empty database. Nothing was restored."
            )
    report = RestoreReport()
    with tempfile.TemporaryDirectory(prefix="dangjian-restore-") as work:
        work_dir = Path(work)
        with tarfile.open(archive, "r:gz") as tar:
            dump_name = PG_DUMP if target.engine == "postgresql" else SQLITE_DUMP
            tar.extract(dump_name, work_dir, filter="data")
            dump = work_dir / dump_name
            if target.engine == "postgresql":
                _run(
                    [
                        "pg_restore",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        "--exit-on-error",
                        f"--dbname={target.params['NAME']}",
                        str(dump),
                    ],
                    target.params,
                )
            else:
                _sqlite_restore(dump, target.params["NAME"])
            if restore_files:
                _restore_files(tar, report)
    report.tables = table_counts(_open(target))
    expected = manifest["tables"]
    if report.tables != expected:
        differing = sorted(
            t for t in set(expected) | set(report.tables) if expected.get(t) != report.tables.get(t)
        )
        raise BackupError(f"The restored tables differ from the backup's: {differing}")
    return report


def _sqlite_name(name) -> tuple[str, bool]:
    """(name, is_uri): an in-memory test database is named by a URI (file:...?mode=memory)."""
    name = str(name)
    return name, name.startswith("file:")


def _exists(target: Target) -> bool:
    if target.engine == "sqlite":
        name, uri = _sqlite_name(target.params["NAME"])
        return uri or Path(name).exists()
    return True  # a PostgreSQL target is created empty beforehand (createdb)


def _sqlite_restore(dump: Path, destination_name) -> None:
    name, uri = _sqlite_name(destination_name)
    if not uri:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(dump), sqlite3.connect(name, uri=uri)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    if not uri:
        os.chmod(name, 0o600)


def _restore_files(tar: tarfile.TarFile, report: RestoreReport) -> None:
    for alias in STORAGE_ALIASES:
        report.files[alias] = 0
    for member in tar.getmembers():
        parts = PurePosixPath(member.name).parts
        if len(parts) < 3 or parts[0] != FILES or not member.isfile():
            continue
        alias, name = parts[1], "/".join(parts[2:])
        if alias not in STORAGE_ALIASES or ".." in parts:
            raise BackupError(f"unexpected entry in the backup: {member.name}")
        storage = storages[alias]
        if storage.exists(name):
            report.kept_files.append(f"{alias}:{name}")
            continue
        source = tar.extractfile(member)
        assert source is not None
        saved = storage.save(name, File(source, name=name))
        if saved != name:
            raise BackupError(f"{alias}:{name} was stored as {saved}")
        report.files[alias] += 1


def settings_dict_for(alias: str = "default") -> dict:
    return dict(settings.DATABASES[alias])
