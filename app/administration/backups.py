"""Backups of the portal: its database and every stored file in one folder, and their restore elsewhere.

A backup is a folder ``<destination>/<UTC timestamp>/`` (``20261206T080102Z``) holding

- ``database.dump``: PostgreSQL in pg_dump's custom format (``-Fc --no-owner --no-acl``), one consistent
  snapshot however busy the portal is; or ``database.sqlite``: a SQLite database copied with SQLite's own backup
  API, which is consistent too (a plain file copy during a write is not);
- ``files/<key>``: every file of the storage (attachments, e-service documents, pictures), local or S3;
- ``manifest.json``: when it was made, the schema's Alembic revision, the database kind, the number of files and
  their bytes, and the size and SHA-256 of each file and of the dump.

The folder is written as ``.partial-<name>-<pid>`` and renamed when everything in it is on disk, so a backup
that was interrupted never looks complete; a new run leaves the backups already there alone.

``restore`` checks every checksum before it changes anything, refuses a database that already holds appeals
unless forced, puts the files into the configured storage and then the database into the configured database.
Files and dumps are read and written in chunks, never whole in memory.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from app.extensions import db
from app.kit import storage
from app.kit.storage import CHUNK_SIZE, StoredFileMissing
from app.models import Appeal

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite"}
PARTIAL = ".partial-"
# A partial folder this old belongs to a run that died (killed, machine rebooted): the next run removes it.
STALE_AFTER = timedelta(days=1)
PG_CLIENT_HINT = "install the PostgreSQL client tools of the server's version (Debian: apt-get install postgresql-client)"

# progress(step, done, total): step is "database", "files" or "checking"; done counts up to total.
Progress = Callable[[str, int, int], None]


class BackupError(Exception):
    """A backup or restore could not be made; the message says why in one line."""


class DamagedBackup(BackupError):
    """A file of the backup is missing or does not match its checksum; nothing was restored."""


class DatabaseNotEmpty(BackupError):
    """The database to restore into already holds appeals."""

    def __init__(self, database: str, appeals: int):
        super().__init__(f"Refused: {database} already holds {appeals} appeal{'s' if appeals != 1 else ''}; "
                         "restore with --force to replace its contents with the backup.")
        self.database = database
        self.appeals = appeals


def human_size(size: int) -> str:
    """``size`` bytes for a person: "930 B", "12.4 kB", "1.2 MB", "3.0 GB"."""
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class BackupSummary:
    """What ``backup`` wrote."""

    name: str
    path: Path
    database_kind: str
    database_bytes: int
    files: int
    files_bytes: int
    seconds: float
    revision: str | None
    # Files listed but deleted before they could be copied (an appeal removed while the backup ran).
    vanished: tuple[str, ...] = ()

    def line(self) -> str:
        """One line for the command's output."""
        text = (f"Backup {self.name}: database {human_size(self.database_bytes)}, {_plural(self.files, 'file')}, "
                f"{human_size(self.files_bytes)}, in {self.seconds:.1f} s; folder {self.path}.")
        if self.vanished:
            text += f" {_plural(len(self.vanished), 'file')} deleted while it ran {'is' if len(self.vanished) == 1 else 'are'} not in it."
        return text


@dataclass(frozen=True)
class RestoreSummary:
    """What ``restore`` put back."""

    name: str
    database: str
    database_kind: str
    files: int
    files_bytes: int
    seconds: float
    revision: str | None
    expected_revision: str | None

    def line(self) -> str:
        """One line for the command's output (with what to run next when the schema is not this code's)."""
        text = (f"Restored {self.name} into {self.database}: {_plural(self.files, 'file')}, "
                f"{human_size(self.files_bytes)}, in {self.seconds:.1f} s.")
        if self.expected_revision and self.revision != self.expected_revision:
            text += (f" Its schema is at revision {self.revision}, this code expects {self.expected_revision}: "
                     "run `flask db upgrade` if the backup is the older.")
        return text


# --- The database -------------------------------------------------------------------------------------------------


def _url() -> URL:
    # The engine's URL, not the setting: Flask-SQLAlchemy has already made a relative SQLite path absolute.
    return db.engine.url


def _kind(url: URL) -> str:
    kind = url.get_backend_name()
    if kind not in DUMPS:
        raise BackupError(f"Backups know PostgreSQL and SQLite; this database is {kind}.")
    return kind


def describe(url: URL) -> str:
    """The database for a message, without its password: "postgresql 10.0.0.5:5432/portal" or the SQLite file."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite {url.database}"
    return f"{url.get_backend_name()} {url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def libpq_url(url: str | URL) -> tuple[str, dict[str, str]]:
    """The address pg_dump and pg_restore take (``postgresql://``, no SQLAlchemy driver) and the environment
    that carries the password: on a command line it would be visible to every user of the machine."""
    parsed = make_url(url)
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                       database=parsed.database, query=parsed.query)
    env = {"PGPASSWORD": str(parsed.password)} if parsed.password else {}
    return plain.render_as_string(hide_password=False), env


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("The SQLite database is in memory: there is no file to back up or restore into.")
    return Path(url.database)


def _revision() -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def code_revision() -> str | None:
    """The Alembic head of this code's migrations (None when Flask-Migrate is not set up)."""
    migrate = current_app.extensions.get("migrate")
    if migrate is None:
        return None
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_current_head()


def appeals_held() -> int:
    """How many appeals the configured database holds (0 when it has no schema yet)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(Appeal.__tablename__):
            return 0
        return conn.scalar(select(func.count()).select_from(Appeal.__table__)) or 0


def _run(arguments: list[str], env: dict[str, str], what: str) -> None:
    tool = shutil.which(arguments[0])
    if tool is None:
        raise BackupError(f"{arguments[0]} is not on PATH: {PG_CLIENT_HINT}.")
    finished = subprocess.run([tool, *arguments[1:]], env={**os.environ, **env}, capture_output=True, text=True,
                              check=False)
    if finished.returncode != 0:
        # pg_dump and pg_restore say what went wrong on stderr, first line first (the rest is context).
        said = " / ".join(line.strip() for line in finished.stderr.splitlines() if line.strip())
        raise BackupError(f"{what} failed ({arguments[0]} exit {finished.returncode}): {said[:600] or 'no message'}")


def _dump_database(url: URL, kind: str, target: Path) -> None:
    if kind == "postgresql":
        address, env = libpq_url(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}", f"--dbname={address}"],
             env, "Dumping the database")
        return
    source_file = _sqlite_file(url)
    if not source_file.is_file():
        raise BackupError(f"There is no SQLite database at {source_file}.")
    _sqlite_copy(source_file, target)


def _sqlite_copy(source_file: Path, target_file: Path) -> None:
    """Copy one SQLite database over another with SQLite's backup API: consistent while others write, and the
    target changes in one transaction (a reader sees the old database or the new one). The source is opened
    read-only: a backup's copy keeps its checksum, and a wrong path never creates an empty database."""
    source = sqlite3.connect(f"{source_file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_file)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"Copying the SQLite database {source_file} to {target_file} failed: {error}") from error
    finally:
        source.close()


def _restore_database(url: URL, kind: str, dump: Path) -> None:
    # The app's pooled connections would hold locks pg_restore's DROP TABLE waits for, and PostgreSQL plans
    # prepared against the old tables: none of them may outlive the restore.
    db.session.remove()
    db.engine.dispose()
    try:
        if kind == "postgresql":
            address, env = libpq_url(url)
            # One transaction: a restore that fails half way leaves the database as it was.
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
                  "--exit-on-error", f"--dbname={address}", str(dump)], env, "Restoring the database")
        else:
            target = _sqlite_file(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(dump, target)
    finally:
        db.engine.dispose()


# --- Files ----------------------------------------------------------------------------------------------------------


def _hash_file(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _copy_out(store: storage.Storage, key: str, target: Path) -> tuple[int, str]:
    """Stream the stored file into ``target``, hashing it on the way; its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with store.open(key) as stored, open(target, "wb") as out:
        for chunk in stored:
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest()


def _fsync_directory(path: Path) -> None:
    # A rename or a new file is durable only once its directory is flushed too.
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# --- Backup ---------------------------------------------------------------------------------------------------------


def _remove_stale_partials(destination: Path, now: float) -> None:
    """Remove the partial folders of runs that died long ago (a running backup keeps touching its folder)."""
    for entry in destination.iterdir():
        if not (entry.name.startswith(PARTIAL) and entry.is_dir()):
            continue
        try:
            touched = max(p.stat().st_mtime for p in (entry, entry / FILES) if p.exists())
        except (OSError, ValueError):  # removed meanwhile by its own run
            continue
        if now - touched > STALE_AFTER.total_seconds():
            shutil.rmtree(entry, ignore_errors=True)


def _free_name(destination: Path, name: str) -> Path:
    """``destination/name``, or ``name-2``, ``name-3``… when a backup of the same second is there."""
    candidate, number = destination / name, 1
    while candidate.exists():
        number += 1
        candidate = destination / f"{name}-{number}"
    return candidate


def backup(destination_dir: str | os.PathLike[str], progress: Progress | None = None) -> BackupSummary:
    """Write a new backup folder under ``destination_dir``: the database, every stored file, the manifest."""
    report = progress or (lambda _step, _done, _total: None)
    started = time.monotonic()
    destination = Path(destination_dir)
    destination.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(destination, time.time())
    created = datetime.now(UTC).replace(microsecond=0)
    name = created.strftime("%Y%m%dT%H%M%SZ")
    work = destination / f"{PARTIAL}{name}-{os.getpid()}"
    url = _url()
    kind = _kind(url)
    store = storage.current()
    try:
        work.mkdir()
        revision = _revision()
        dump = work / DUMPS[kind]
        report("database", 0, 1)
        _dump_database(url, kind, dump)
        report("database", 1, 1)
        database_bytes, database_sha = _hash_file(dump)
        # Files after the database: an upload is stored before its row commits, so every file a row of the dump
        # names is already in the storage when it is listed. (The other order could miss the newest uploads.)
        keys = list(store.keys())
        files_dir = work / FILES
        files_dir.mkdir()
        items: list[dict[str, Any]] = []
        vanished: list[str] = []
        report("files", 0, len(keys))
        for done, key in enumerate(keys, start=1):
            try:
                size, sha = _copy_out(store, key, files_dir / key)
            except StoredFileMissing:
                (files_dir / key).unlink(missing_ok=True)
                vanished.append(key)
            else:
                items.append({"key": key, "bytes": size, "sha256": sha})
            report("files", done, len(keys))
        files_bytes = sum(item["bytes"] for item in items)
        manifest = {
            "format": FORMAT,
            "name": name,
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "alembic_revision": revision,
            "database": {"kind": kind, "file": dump.name, "bytes": database_bytes, "sha256": database_sha},
            "storage": repr(store),
            "files": {"count": len(items), "bytes": files_bytes, "vanished": vanished, "items": items},
        }
        with open(work / MANIFEST, "w", encoding="utf-8") as out:
            json.dump(manifest, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        _fsync_directory(files_dir)
        _fsync_directory(work)
        final = _free_name(destination, name)
        os.rename(work, final)
        _fsync_directory(destination)
    except BaseException:
        # Failed or interrupted (Ctrl-C too): nothing half-made stays behind.
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupSummary(name=final.name, path=final, database_kind=kind, database_bytes=database_bytes,
                         files=len(items), files_bytes=files_bytes, seconds=time.monotonic() - started,
                         revision=revision, vanished=tuple(vanished))


# --- Restore --------------------------------------------------------------------------------------------------------


def read_manifest(source_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The backup's manifest, checked for shape (every key a plain storage key); ``BackupError`` if it is not
    a backup made by this code."""
    source = Path(source_dir)
    path = source / MANIFEST
    if not path.is_file():
        found = sorted(p.parent.name for p in source.glob(f"*/{MANIFEST}") if not p.parent.name.startswith(PARTIAL))
        hint = f" (the newest backup there is {source / found[-1]})" if found else ""
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}{hint}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        database = manifest["database"]
        if manifest["format"] != FORMAT or DUMPS.get(database["kind"]) != database["file"]:
            raise ValueError("unknown format or database")
        for item in manifest["files"]["items"]:
            # A key names a file under files/: never let a crafted manifest reach outside the backup.
            storage.check_key(item["key"])
            if not isinstance(item["bytes"], int) or not isinstance(item["sha256"], str):
                raise ValueError(f"no size or checksum for {item['key']}")
    except (ValueError, KeyError, TypeError) as error:
        raise DamagedBackup(f"The backup is damaged: {path} cannot be read ({error}); nothing was restored.") from error
    return manifest


def verify(source_dir: str | os.PathLike[str], manifest: dict[str, Any], progress: Progress | None = None) -> None:
    """Check the dump and every file against the manifest's sizes and checksums; ``DamagedBackup`` naming the
    first file that is missing or different."""
    report = progress or (lambda _step, _done, _total: None)
    source = Path(source_dir)
    database = manifest["database"]
    entries = [(database["file"], database["bytes"], database["sha256"])]
    entries += [(f"{FILES}/{item['key']}", item["bytes"], item["sha256"]) for item in manifest["files"]["items"]]
    report("checking", 0, len(entries))
    for done, (relative, size, sha) in enumerate(entries, start=1):
        path = source / relative
        if not path.is_file():
            raise DamagedBackup(f"The backup is damaged: {relative} is missing from {source}; nothing was restored.")
        if _hash_file(path) != (size, sha):
            raise DamagedBackup(f"The backup is damaged: {relative} does not match its checksum in {MANIFEST}; "
                                "nothing was restored.")
        report("checking", done, len(entries))


def restore(source_dir: str | os.PathLike[str], force: bool = False, progress: Progress | None = None) -> RestoreSummary:
    """Restore the backup in ``source_dir`` into the configured database and storage.

    Nothing is changed unless every checksum matches and, without ``force``, the database holds no appeals.
    The files go first: if the database then fails, the old database is untouched (PostgreSQL restores in one
    transaction) and the extra files harm nobody.
    """
    report = progress or (lambda _step, _done, _total: None)
    started = time.monotonic()
    source = Path(source_dir)
    manifest = read_manifest(source)
    url = _url()
    kind = _kind(url)
    if manifest["database"]["kind"] != kind:
        raise BackupError(f"This backup holds a {manifest['database']['kind']} database; the configured database "
                          f"is {kind}.")
    verify(source, manifest, progress)
    held = appeals_held()
    if held and not force:
        raise DatabaseNotEmpty(describe(url), held)
    store = storage.current()
    items = manifest["files"]["items"]
    report("files", 0, len(items))
    for done, item in enumerate(items, start=1):
        with open(source / FILES / item["key"], "rb") as stored:
            store.put(item["key"], stored)
        report("files", done, len(items))
    report("database", 0, 1)
    _restore_database(url, kind, source / manifest["database"]["file"])
    report("database", 1, 1)
    return RestoreSummary(name=manifest.get("name") or source.name, database=describe(url), database_kind=kind,
                          files=len(items), files_bytes=sum(item["bytes"] for item in items),
                          seconds=time.monotonic() - started, revision=manifest.get("alembic_revision"),
                          expected_revision=code_revision())
