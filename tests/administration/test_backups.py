"""The restore drill: a portal with appeals and attachments is backed up with ``flask backup create``, restored with
``flask backup restore`` into a new database and a new storage, and the restored portal shows the same appeals and
serves the same files. Then what must be refused: a damaged backup, and a database that already holds appeals.

The backup is taken of the suite's own database (a SQLite file, or PostgreSQL when ``TEST_DATABASE_URL`` says so).
The restore goes to a new SQLite file, or to a new PostgreSQL database beside the suite's (``<name>_restore``,
dropped afterwards), and to a new local directory or a bucket of moto's S3 server. Real databases, real tools.
"""
from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.administration import backups
from app.extensions import db
from app.kit import storage
from app.kit.storage import CHUNK_SIZE
from app.models import Appeal, Attachment
from tests.conftest import Browserless
from tests.databases import sibling_database
from tests.factories import PASSWORD, PDF, PNG, Upload, create_appeal, create_reference_data, create_user
from tests.kit import test_storage
from tests.kit.test_storage import REGION, closed_endpoint

# The S3 server of the storage tests (started once per session when a test here asks for it).
aws_env = test_storage.aws_env
moto = test_storage.moto


@dataclass(frozen=True)
class Filed:
    """An appeal as the drill expects to find it again: who filed it, and its files by name."""

    id: int
    number: str
    subject: str
    citizen: str
    files: dict[str, bytes]


@pytest.fixture
def portal(app) -> list[Filed]:
    """Three appeals in Gəncə from two residents, two of them with attachments (one larger than a storage chunk),
    and an official of Gəncə."""
    big = PDF + os.urandom(CHUNK_SIZE * 2 + 17)
    wanted = [
        ("citizen@example.az", "Küçədə su yoxdur", {"plan.pdf": big, "photo.png": PNG}),
        ("citizen@example.az", "Parkda işıq yanmır", {"akt.pdf": PDF + b"akt"}),
        ("qonsu@example.az", "Məktəbin damı axır", {}),
    ]
    with app.app_context():
        districts = create_reference_data()
        people = {email: create_user(email) for email in ("citizen@example.az", "qonsu@example.az")}
        create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", districts["GNC"])])
        filed = []
        for email, subject, attachments in wanted:
            appeal = create_appeal(people[email], districts["GNC"], subject=subject,
                                   attachments=[Upload(name, data) for name, data in attachments.items()])
            filed.append(Filed(appeal.id, appeal.number, appeal.subject, email, dict(attachments)))
        db.session.remove()
    return filed


@pytest.fixture
def fresh_database(app, tmp_path) -> Iterator[str]:
    """The address of a new, empty database of the suite's kind."""
    with sibling_database(app.config["SQLALCHEMY_DATABASE_URI"], "restore", tmp_path) as url:
        yield url


@pytest.fixture(params=["local", "s3"])
def fresh_storage(request, tmp_path) -> dict[str, str]:
    """The settings of a new, empty storage: a local directory, or a bucket of moto's S3 server."""
    if request.param == "local":
        return {"STORAGE_BACKEND": "local", "ATTACHMENTS_DIR": str(tmp_path / "restored-files")}
    server = request.getfixturevalue("moto")
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": server.bucket(), "S3_PREFIX": "restored",
            "S3_ENDPOINT_URL": server.endpoint, "S3_REGION": REGION}


def release(application) -> None:
    """Close a second app's database connections (a PostgreSQL database in use cannot be dropped)."""
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def create_backup(runner, destination: Path) -> Path:
    """``flask backup create --to destination``; the folder it made."""
    result = runner.invoke(args=["backup", "create", "--to", str(destination)])
    assert result.exit_code == 0, result.output
    match = re.search(r"^Backup (\S+): database [\d.]+ k?M?B, (\d+) files?, [\d.]+ k?M?B, in [\d.]+ s; folder (.+)\.$",
                      result.output, re.M)
    assert match, result.output
    folder = Path(match.group(3))
    assert folder.parent == destination and folder.name == match.group(1)
    return folder


def test_the_restore_drill(app, runner, portal, fresh_database, fresh_storage, tmp_path):
    started = time.monotonic()
    folder = create_backup(runner, tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    expected_files = [data for appeal in portal for data in appeal.files.values()]
    assert manifest["files"]["count"] == len(expected_files) == 3
    assert manifest["files"]["bytes"] == sum(len(data) for data in expected_files)
    assert manifest["database"]["kind"] == make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    with app.app_context():
        assert manifest["alembic_revision"] == backups.code_revision()
    assert sorted(p.name for p in folder.iterdir()) == sorted(["files", "manifest.json", manifest["database"]["file"]])

    restored = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database, **fresh_storage})
    try:
        cli = restored.test_cli_runner()
        result = cli.invoke(args=["backup", "restore", str(folder)])
        assert result.exit_code == 0, result.output
        assert f"Restored {folder.name} into " in result.output and ": 3 files, " in result.output
        # The schema came back at this code's revision: nothing to upgrade.
        assert "flask db upgrade" not in result.output
        with restored.app_context():
            assert sorted(storage.current().keys()) == sorted(manifest_keys(manifest))
            assert db.session.scalar(select(func.count()).select_from(Appeal)) == 3

        # Each resident sees their own appeals and downloads the very same bytes.
        for email in ("citizen@example.az", "qonsu@example.az"):
            client = restored.test_client()
            assert Browserless(client).login(email, PASSWORD).status_code == 302
            page = client.get("/cabinet/appeals").get_data(as_text=True)
            for appeal in portal:
                assert (appeal.number in page and appeal.subject in page) == (appeal.citizen == email), appeal
            for appeal in (a for a in portal if a.citizen == email):
                assert_files(restored, client, appeal, f"/cabinet/appeals/{appeal.id}/files")

        # The district's official sees all three in the inbox and opens the files in the office.
        client = restored.test_client()
        assert Browserless(client).login("official@example.az", PASSWORD).status_code == 302
        inbox = client.get("/office/appeals").get_data(as_text=True)
        assert all(appeal.number in inbox and appeal.subject in inbox for appeal in portal)
        for appeal in portal:
            assert_files(restored, client, appeal, f"/office/appeals/{appeal.id}/files")

        # Restoring again over the restored portal is refused in one line, unless forced.
        again = cli.invoke(args=["backup", "restore", str(folder)])
        assert again.exit_code == 1
        refusal = [line for line in again.output.splitlines() if line.startswith("Error:")]
        assert len(refusal) == 1 and "already holds 3 appeals" in refusal[0] and "--force" in refusal[0], again.output
        forced = cli.invoke(args=["backup", "restore", str(folder), "--force"])
        assert forced.exit_code == 0, forced.output
        with restored.app_context():
            assert sorted(db.session.scalars(select(Appeal.number))) == sorted(a.number for a in portal)
    finally:
        release(restored)
    # The drill is part of every test run: it must stay quick.
    assert time.monotonic() - started < 30


def manifest_keys(manifest: dict) -> list[str]:
    return [item["key"] for item in manifest["files"]["items"]]


def assert_files(application, client, appeal: Filed, base: str) -> None:
    """Every attachment of ``appeal`` downloads, under its name, with the bytes that were filed."""
    with application.app_context():
        attachments = db.session.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id)).all()
        named = {a.original_name: a.id for a in attachments}
        db.session.remove()
    assert set(named) == set(appeal.files)
    for name, data in appeal.files.items():
        response = client.get(f"{base}/{named[name]}")
        assert response.status_code == 200 and response.data == data, (appeal.number, name)


# --- Refusals ---------------------------------------------------------------------------------------------------


def test_a_damaged_backup_is_refused_naming_the_file(app, runner, portal, tmp_path):
    folder = create_backup(runner, tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    first, second = manifest_keys(manifest)[:2]
    with app.app_context():
        before = sorted(storage.current().keys())
    dump = folder / manifest["database"]["file"]
    original = (folder / "files" / first).read_bytes()

    def refused(expected: str) -> None:
        # Even forced: a damaged backup never reaches the database or the storage.
        result = runner.invoke(args=["backup", "restore", str(folder), "--force"])
        assert result.exit_code == 1 and expected in result.output, result.output
        assert "nothing was restored" in result.output
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Appeal)) == 3
            assert sorted(storage.current().keys()) == before

    (folder / "files" / first).write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    refused(f"files/{first} does not match its checksum in manifest.json")
    (folder / "files" / first).write_bytes(original)
    (folder / "files" / second).unlink()
    refused(f"files/{second} is missing")
    with open(dump, "ab") as out:
        out.write(b"\0")
    refused(f"{dump.name} does not match its checksum")


def test_a_crafted_manifest_never_reaches_outside_the_backup(app, runner, portal, tmp_path):
    folder = create_backup(runner, tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["items"][0]["key"] = "../../etc/passwd"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(args=["backup", "restore", str(folder), "--force"])
    assert result.exit_code == 1 and "manifest.json cannot be read" in result.output, result.output


def test_restoring_over_appeals_is_refused_and_a_parent_folder_points_at_the_backup(app, runner, portal, tmp_path):
    folder = create_backup(runner, tmp_path / "backups")
    result = runner.invoke(args=["backup", "restore", str(folder)])
    assert result.exit_code == 1 and "already holds 3 appeals; restore with --force" in result.output, result.output
    result = runner.invoke(args=["backup", "restore", str(folder.parent)])
    assert result.exit_code == 1 and f"the newest backup there is {folder}" in result.output, result.output


# --- The backup folder ------------------------------------------------------------------------------------------


def test_a_backup_that_fails_leaves_no_folder(app, tmp_path, aws_env):
    # The files are in an S3 that does not answer: the database is dumped, then listing the files fails.
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "STORAGE_BACKEND": "s3", "S3_BUCKET": "gone", "S3_ENDPOINT_URL": closed_endpoint(),
                                    "S3_REGION": REGION})
    try:
        result = broken.test_cli_runner().invoke(args=["backup", "create", "--to", str(tmp_path)])
    finally:
        release(broken)
    assert result.exit_code == 1 and "listing gone/" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_backups_can_run_again_and_clear_what_a_dead_run_left(app, runner, tmp_path):
    destination = tmp_path / "backups"
    dead, running = destination / ".partial-20200101T000000Z-1", destination / ".partial-20261206T000000Z-2"
    for partial in (dead, running):
        (partial / "files").mkdir(parents=True)
    two_days_ago = time.time() - 2 * 86400
    for path in (dead, dead / "files"):
        os.utime(path, (two_days_ago, two_days_ago))
    first = create_backup(runner, destination)
    second = create_backup(runner, destination)
    # Two complete backups (a second one within the same second gets its own name), the dead run's folder gone,
    # and a run that may still be going left alone.
    assert first != second and (first / "manifest.json").is_file() and (second / "manifest.json").is_file()
    assert not dead.exists() and running.exists()


def test_the_database_address_for_the_postgresql_tools():
    address, env = backups.libpq_url("postgresql+psycopg://portal:s3cret@db.internal:5433/portal?sslmode=require")
    # The password goes in the environment: a command line is visible to every user of the machine.
    assert address == "postgresql://portal@db.internal:5433/portal?sslmode=require"
    assert env == {"PGPASSWORD": "s3cret"}
    assert backups.libpq_url("postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal") == \
        ("postgresql://postgres@127.0.0.1:5432/reqemsal", {})


def test_sizes_for_people():
    assert [backups.human_size(n) for n in (0, 999, 1000, 1_234_567, 4_500_000_000)] == \
        ["0 B", "999 B", "1.0 kB", "1.2 MB", "4.5 GB"]
