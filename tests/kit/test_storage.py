"""Shared file storage: one contract for the local directory and S3, streaming downloads, and uploads that are
all or nothing when the storage fails.

S3 is moto's standalone server, started on a free local port: boto3 speaks real HTTP to it. An outage is that
server stopped (or an address where nothing listens): the connection is refused, as it would be in life.
"""
from __future__ import annotations

import io
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from flask import send_file
from flask_babel import force_locale
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select

from app import create_app
from app.appeals import service as appeals
from app.extensions import db
from app.kit import files, storage
from app.kit.errors import ConfigError, Invalid
from app.kit.storage import CHUNK_SIZE, LocalStorage, StorageUnavailable, StoredFile, StoredFileMissing
from app.kit.storage_s3 import S3Storage
from app.models import Appeal, AppealMessage, Article, ArticleImage, Attachment, Category, District, OutboxMessage, Proposal, User
from app.news import service as news
from app.proposals import service as proposals
from tests.conftest import Browserless
from tests.factories import PASSWORD, PDF, PNG, Upload, create_appeal, create_reference_data, create_user, image_bytes

REGION = "us-east-1"
STORAGE_MESSAGE = "The file could not be stored right now. Nothing was saved; try again in a few minutes."


# --- The S3 peer ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """Test credentials for boto3, and none of this machine's AWS files."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                            "AWS_EC2_METADATA_DISABLED": "true"}.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        yield


class MotoServer:
    """moto's standalone S3 on a free port of 127.0.0.1, stoppable mid-test."""

    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.running = True

    def client(self):
        """A plain boto3 client of this server, to look at the bucket from outside the portal."""
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION)

    def bucket(self) -> str:
        """A new, empty bucket."""
        name = f"reqemsal-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        """Stop serving and close the listening socket: from now on a connection is refused."""
        if self.running:
            self.running = False
            self.server.stop()
            # ThreadedMotoServer.stop() only ends the serving loop; the socket would still accept connections
            # into its backlog and leave clients waiting for their read timeout instead of being refused.
            self.server._server.server_close()


@pytest.fixture(scope="session")
def moto(aws_env) -> Iterator[MotoServer]:
    """One S3 server for the contract tests."""
    server = MotoServer()
    yield server
    server.stop()


def closed_endpoint() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- One contract, two backends ---------------------------------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> storage.Storage:
    """Each backend, empty."""
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    moto = request.getfixturevalue("moto")
    return S3Storage(moto.bucket(), prefix="tests/", endpoint_url=moto.endpoint, region=REGION)


def test_put_open_exists_size_delete(store):
    assert not store.exists("letter.pdf")
    assert store.put("letter.pdf", PDF, content_type="application/pdf") == len(PDF)
    assert store.exists("letter.pdf") and store.size("letter.pdf") == len(PDF)
    with store.open("letter.pdf") as handle:
        assert handle.size == len(PDF) and handle.etag and handle.last_modified is not None
        assert b"".join(handle) == PDF
    store.delete("letter.pdf")
    assert not store.exists("letter.pdf")


def test_put_reads_a_file_from_its_position_and_replaces_what_was_there(store):
    store.put("photo.png", b"old bytes")
    source = io.BytesIO(b"header to skip" + PNG)
    source.seek(len(b"header to skip"))
    assert store.put("photo.png", source) == len(PNG)
    assert store.open("photo.png").read_all() == PNG and store.size("photo.png") == len(PNG)


def test_a_file_larger_than_a_chunk_is_read_in_chunks(store):
    data = os.urandom(CHUNK_SIZE * 3 + 12345)
    store.put("big.bin", io.BytesIO(data))
    handle = store.open("big.bin")
    # The size is known before a byte is read: the download's Content-Length.
    assert handle.size == len(data)
    chunks = list(handle)
    assert len(chunks) >= 4 and all(0 < len(chunk) <= CHUNK_SIZE for chunk in chunks)
    assert b"".join(chunks) == data


def test_delete_is_idempotent(store):
    store.put("once.pdf", PDF)
    store.delete("once.pdf")
    store.delete("once.pdf")
    store.delete("never-stored.pdf")
    assert not store.exists("once.pdf")


def test_a_missing_file_is_missing_not_unavailable(store):
    with pytest.raises(StoredFileMissing):
        store.open("nothing-here")
    with pytest.raises(StoredFileMissing):
        store.size("nothing-here")


@pytest.mark.parametrize("key", ["../etc/passwd", "a/b", "", ".hidden", "x" * 201, "ad\x00"])
def test_a_key_is_a_plain_name_never_a_path(store, key):
    with pytest.raises(ValueError):
        store.put(key, PDF)
    with pytest.raises(ValueError):
        store.open(key)


# --- The local directory ------------------------------------------------------------------------------------------


class SlowSource(io.RawIOBase):
    """A file that yields its bytes in small pieces and runs ``during`` before each, or fails half way."""

    def __init__(self, data: bytes, during=None, fail_after: int | None = None):
        self.data, self.position, self.during, self.fail_after = data, 0, during, fail_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.fail_after is not None and self.position >= self.fail_after:
            raise OSError("the upload stream broke")
        if self.during:
            self.during()
        piece = self.data[self.position:self.position + min(len(buffer), 1000)]
        buffer[:len(piece)] = piece
        self.position += len(piece)
        return len(piece)


def test_a_local_file_appears_under_its_key_only_when_complete(tmp_path):
    local = LocalStorage(tmp_path)
    seen = []
    local.put("doc.pdf", SlowSource(PDF * 100, during=lambda: seen.append(local.exists("doc.pdf"))))
    assert seen and not any(seen)
    assert local.open("doc.pdf").read_all() == PDF * 100
    assert os.listdir(tmp_path) == ["doc.pdf"]


def test_a_local_write_that_fails_leaves_nothing(tmp_path):
    local = LocalStorage(tmp_path)
    local.put("doc.pdf", b"the version before")
    with pytest.raises(StorageUnavailable):
        local.put("doc.pdf", SlowSource(PDF * 100, fail_after=2000))
    with pytest.raises(StorageUnavailable):
        local.put("new.pdf", SlowSource(PDF * 100, fail_after=2000))
    # The earlier file is whole, the new one absent, and no temporary file is left behind.
    assert local.open("doc.pdf").read_all() == b"the version before"
    assert os.listdir(tmp_path) == ["doc.pdf"]


def test_a_directory_that_cannot_be_written_is_unavailable(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"a file where the directory should be")
    local = LocalStorage(blocker)
    with pytest.raises(StorageUnavailable):
        local.put("doc.pdf", PDF)
    with pytest.raises(StorageUnavailable):
        local.open("doc.pdf")


# --- S3 -------------------------------------------------------------------------------------------------------------


def test_s3_keys_carry_the_prefix_and_the_type(moto):
    bucket = moto.bucket()
    s3 = S3Storage(bucket, prefix="/portal/files/", endpoint_url=moto.endpoint, region=REGION)
    s3.put("letter", PDF, content_type="application/pdf")
    head = moto.client().head_object(Bucket=bucket, Key="portal/files/letter")
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(PDF)
    assert [o["Key"] for o in moto.client().list_objects_v2(Bucket=bucket)["Contents"]] == ["portal/files/letter"]


def test_the_s3_client_fails_fast(aws_env):
    s3 = S3Storage("any", endpoint_url=closed_endpoint(), region=REGION)
    config = s3.client.meta.config
    # Two retries: three attempts in all (botocore counts the first one too).
    assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (2, 10, 3)
    started = time.monotonic()
    for attempt in (lambda: s3.put("doc", PDF), lambda: s3.open("doc"), lambda: s3.exists("doc"),
                    lambda: s3.size("doc"), lambda: s3.delete("doc")):
        with pytest.raises(StorageUnavailable):
            attempt()
    # Refused connections, each retried twice: seconds, not the minutes of boto3's defaults.
    assert time.monotonic() - started < 30


def test_a_read_broken_off_mid_download_is_a_storage_error(moto):
    s3 = S3Storage(moto.bucket(), endpoint_url=moto.endpoint, region=REGION)
    s3.put("big", os.urandom(CHUNK_SIZE * 4))
    handle = s3.open("big")
    chunks = iter(handle)
    next(chunks)
    # The connection under the body goes away, as when the service drops it.
    handle._close()
    with pytest.raises(StorageUnavailable):
        list(chunks)


# --- Choosing the backend -------------------------------------------------------------------------------------------


def test_the_backend_is_chosen_by_the_settings(tmp_path, aws_env):
    assert isinstance(storage.from_config({}, tmp_path), LocalStorage)
    local = storage.from_config({"STORAGE_BACKEND": "local", "ATTACHMENTS_DIR": str(tmp_path / "a")}, tmp_path)
    assert local.directory == tmp_path / "a"
    assert storage.from_config({"STORAGE_BACKEND": "local"}, tmp_path).directory == tmp_path / "attachments"
    s3 = storage.from_config({"STORAGE_BACKEND": "S3", "S3_BUCKET": "files", "S3_PREFIX": "gnc",
                              "S3_ENDPOINT_URL": "http://127.0.0.1:9", "S3_REGION": REGION}, tmp_path)
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.object_key("x")) == ("files", "gnc/x")
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        storage.from_config({"STORAGE_BACKEND": "s3"}, tmp_path)
    with pytest.raises(ConfigError, match="STORAGE_BACKEND"):
        storage.from_config({"STORAGE_BACKEND": "ftp"}, tmp_path)


def test_the_app_has_one_storage(app):
    assert isinstance(app.extensions["storage"], LocalStorage)
    assert app.extensions["storage"].directory == Path(app.config["ATTACHMENTS_DIR"])


# --- Downloads stream, with the headers they always had -------------------------------------------------------------


def _citizen_with_appeal(attachments) -> tuple[int, int]:
    districts = create_reference_data()
    citizen = create_user("citizen@example.az")
    appeal = create_appeal(citizen, districts["GNC"], attachments=attachments)
    return appeal.id, appeal.attachments[0].id


def test_a_download_streams_with_the_headers_send_file_gave(app, client, tmp_path):
    body = PDF + os.urandom(CHUNK_SIZE * 2)
    with app.app_context():
        appeal_id, attachment_id = _citizen_with_appeal([Upload("Ərizə və şəkil.pdf", body)])
    Browserless(client).login("citizen@example.az", PASSWORD)
    url = f"/cabinet/appeals/{appeal_id}/files/{attachment_id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == body
    # What send_file answered for the same file before the storage: compared header by header.
    reference = tmp_path / "reference.pdf"
    reference.write_bytes(body)
    with app.test_request_context():
        before = send_file(reference, mimetype="application/pdf", as_attachment=True, download_name="Ərizə və şəkil.pdf")
        before.close()
    for header in ("Content-Type", "Content-Length", "Content-Disposition"):
        assert response.headers[header] == before.headers[header], header
    # Not send_file's ``no-cache``, which lets a cache keep the copy: an access-checked file is kept by none.
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "filename*=UTF-8''%C6%8Friz%C9%99" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # The body is the stored file itself, read chunk by chunk as it goes out: never a bytes object in memory.
    with app.test_request_context():
        attachment = db.session.get(Attachment, attachment_id)
        streamed = files.send(attachment)
        assert isinstance(streamed.response, StoredFile) and streamed.is_streamed
        streamed.close()


def test_a_file_missing_from_the_storage_is_a_404(app, client):
    with app.app_context():
        appeal_id, attachment_id = _citizen_with_appeal([Upload("letter.pdf", PDF)])
        storage.current().delete(db.session.get(Attachment, attachment_id).stored_name)
    Browserless(client).login("citizen@example.az", PASSWORD)
    assert client.get(f"/cabinet/appeals/{appeal_id}/files/{attachment_id}").status_code == 404


# --- The portal on S3, and S3 going away -----------------------------------------------------------------------------


def s3_app_for(app, endpoint: str, bucket: str):
    """The portal on the suite's database with its files in ``bucket`` at ``endpoint``."""
    return create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket, "S3_PREFIX": "portal", "S3_ENDPOINT_URL": endpoint, "S3_REGION": REGION,
    })


def _release(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def own_moto(aws_env) -> Iterator[MotoServer]:
    """An S3 server of this test alone, which it may stop."""
    server = MotoServer()
    yield server
    server.stop()


def field_error(html: str, field: str) -> str:
    """The error text printed beside ``field``."""
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_on_s3_an_appeal_files_and_downloads_and_an_outage_keeps_nothing(app, own_moto):
    bucket = own_moto.bucket()
    portal = s3_app_for(app, own_moto.endpoint, bucket)
    try:
        with portal.app_context():
            create_reference_data()
            create_user("citizen@example.az")
            gnc = db.session.scalar(select(District.id).where(District.code == "GNC"))
            category = db.session.scalar(select(Category.id).order_by(Category.id))
        client = portal.test_client()
        web = Browserless(client)
        web.login("citizen@example.az", PASSWORD)
        client.get("/?lang=en")
        body = PDF + os.urandom(CHUNK_SIZE * 3)

        def file(token: str):
            data = {"district_id": str(gnc), "category_id": str(category), "kind": "complaint",
                    "subject": "Küçədə su yoxdur", "text": "Üç gündür ki, küçəmizdə su yoxdur.",
                    "applicant_name": "Aygün Həsənova", "applicant_address": "Gəncə ş., Nizami küç. 5",
                    "submission_token": token,
                    "attachments": [(io.BytesIO(body), "letter.pdf")]}
            return web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data")

        first = file("first")
        assert first.status_code == 302, re.findall(r'error-summary.*?</div>', first.get_data(as_text=True), re.S)
        with portal.app_context():
            attachment = db.session.scalar(select(Attachment))
            attachment_url = f"/cabinet/appeals/{attachment.appeal_id}/files/{attachment.id}"
            key = f"portal/{attachment.stored_name}"
            emails = count(OutboxMessage)
        # The object is in the bucket under the prefix; no file was written on this machine.
        assert [o["Key"] for o in own_moto.client().list_objects_v2(Bucket=bucket)["Contents"]] == [key]
        assert own_moto.client().get_object(Bucket=bucket, Key=key)["Body"].read() == body
        assert not any(Path(app.config["ATTACHMENTS_DIR"]).iterdir())
        download = client.get(attachment_url)
        assert download.status_code == 200 and download.data == body
        assert download.headers["Content-Length"] == str(len(body))

        own_moto.stop()
        response = file("second")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, html[:500]
        assert field_error(html, "attachments") == STORAGE_MESSAGE
        with portal.app_context():
            assert count(Appeal) == 1 and count(Attachment) == 1 and count(OutboxMessage) == emails
        # A download during the outage: the portal's own 503 page, asking to try again.
        unavailable = client.get(attachment_url)
        assert unavailable.status_code == 503 and unavailable.headers["Retry-After"]
        assert "Error 503" in unavailable.get_data(as_text=True)
    finally:
        _release(portal)


@pytest.fixture
def outage(app, aws_env):
    """The portal on an S3 address where nothing answers, in a request context (English), with a resident, an
    editor and an appeal filed before the outage (no attachments)."""
    portal = s3_app_for(app, closed_endpoint(), "gone")
    with portal.test_request_context(), force_locale("en"):
        districts = create_reference_data()
        people = {"citizen": create_user("citizen@example.az"),
                  "editor": create_user("editor@example.az", roles=[("editor", districts["GNC"])])}
        appeal = create_appeal(people["citizen"], districts["GNC"])
        yield {"districts": districts, "appeal": appeal.id, **people}
        db.session.remove()
    _release(portal)


def test_a_message_with_a_file_during_an_outage_keeps_nothing(outage):
    with pytest.raises(Invalid) as error:
        appeals.post_message(outage["citizen"], outage["appeal"], "Şəkil əlavə edirəm.", [Upload("photo.png", PNG)])
    assert error.value.errors == {"attachments": STORAGE_MESSAGE}
    assert count(AppealMessage) == 0 and count(Attachment) == 0


def test_an_answer_to_an_information_request_during_an_outage_keeps_nothing(outage):
    appeal = db.session.get(Appeal, outage["appeal"])
    appeal.status = "info_requested"
    db.session.commit()
    with pytest.raises(Invalid) as error:
        appeals.transition(outage["citizen"], appeal.id, "in_progress",
                           appeals.StepData(note="Sənəd əlavədədir.", attachments=[Upload("doc.pdf", PDF)]))
    assert error.value.errors == {"attachments": STORAGE_MESSAGE}
    assert db.session.get(Appeal, appeal.id).status == "info_requested"
    assert count(AppealMessage) == 0 and count(Attachment) == 0


def test_a_proposal_picture_during_an_outage_keeps_nothing(outage):
    category = db.session.scalar(select(Category).order_by(Category.position))
    data = proposals.ProposalInput(district_id=outage["districts"]["GNC"].id, category_id=category.id,
                                   title="Parkda velosiped yolu", body="Mərkəzi parkda velosiped yolu salınsın.",
                                   image=Upload("park.png", PNG))
    with pytest.raises(Invalid) as error:
        proposals.create(outage["citizen"], data)
    assert error.value.errors == {"image": STORAGE_MESSAGE}
    assert count(Proposal) == 0


def test_a_news_cover_during_an_outage_keeps_nothing(outage):
    data = news.ArticleInput(kind="news", district_id=outage["districts"]["GNC"].id, texts={
        "az": news.TextInput("Yeni park açıldı", "Gəncədə yeni park", "Parkda ağaclar əkildi.", "Parkda ağaclar")})
    upload = Upload("park.jpg", image_bytes(800, 600))
    with pytest.raises(Invalid) as error:
        news.save(outage["editor"], None, data, upload)
    assert error.value.errors == {"cover": STORAGE_MESSAGE}
    assert count(Article) == 0 and count(ArticleImage) == 0


def test_the_outage_message_is_in_every_language(app):
    with app.test_request_context():
        for lang, words in {"az": "saxlanıla bilmədi", "ru": "не удалось сохранить"}.items():
            with force_locale(lang):
                message = files.storage_failed("attachments").errors["attachments"]
                assert words in message, (lang, message)


def test_cleaning_up_during_an_outage_never_raises(outage):
    # The use case's own answer (the form error) must not be replaced by a failure to delete.
    files.remove(["a" * 48, "b" * 48])
    assert db.session.get(User, outage["citizen"].id) is not None


# --- Listing every key (what a backup copies) -----------------------------------------------------------------------


def test_keys_lists_every_stored_file_in_key_order(store):
    assert list(store.keys()) == []
    for key in ("b-photo.png", "a-letter.pdf", "c.bin"):
        store.put(key, PDF)
    assert list(store.keys()) == ["a-letter.pdf", "b-photo.png", "c.bin"]
    store.delete("b-photo.png")
    assert list(store.keys()) == ["a-letter.pdf", "c.bin"]


def test_local_keys_skip_files_being_written_and_what_is_not_a_key(tmp_path):
    local = LocalStorage(tmp_path)
    local.put("done.pdf", PDF)
    seen = []
    local.put("doc.pdf", SlowSource(PDF * 100, during=lambda: seen.append(list(local.keys()))))
    # While doc.pdf was written its temporary file was there, and never listed.
    assert seen and all(keys == ["done.pdf"] for keys in seen)
    # What a crash leaves behind, and what no service makes, are not keys either.
    (tmp_path / f"{storage.TEMP_PREFIX}abc123").write_bytes(b"half a file")
    (tmp_path / "a-folder").mkdir()
    assert list(local.keys()) == ["doc.pdf", "done.pdf"]


def test_local_keys_of_a_directory_not_made_yet_and_of_one_that_cannot_be_read(tmp_path):
    assert list(LocalStorage(tmp_path / "not-yet").keys()) == []
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"a file where the directory should be")
    with pytest.raises(StorageUnavailable):
        list(LocalStorage(blocker).keys())


def test_s3_keys_walk_every_page_and_stay_under_the_prefix(moto):
    bucket = moto.bucket()
    s3 = S3Storage(bucket, prefix="portal", endpoint_url=moto.endpoint, region=REGION)
    s3.list_page_size = 2
    pages = []
    s3.client.meta.events.register("after-call.s3.ListObjectsV2", lambda **_kwargs: pages.append(1))
    keys = [f"file-{n:02}" for n in range(7)]
    for key in reversed(keys):
        s3.put(key, PDF)
    outside = moto.client()
    # Another deployment's prefix, a name that only starts like ours, and an object deeper under our prefix.
    for other in ("elsewhere/file-99", "portalx", "portal/nested/file-00"):
        outside.put_object(Bucket=bucket, Key=other, Body=b"not ours")
    assert list(s3.keys()) == keys
    # 7 keys (and the nested object) 2 at a time: S3 was asked page after page.
    assert len(pages) == 4


def test_s3_keys_without_a_prefix_are_the_whole_bucket(moto):
    s3 = S3Storage(moto.bucket(), endpoint_url=moto.endpoint, region=REGION)
    s3.put("letter.pdf", PDF)
    assert list(s3.keys()) == ["letter.pdf"]


def test_s3_keys_during_an_outage_are_unavailable(aws_env):
    s3 = S3Storage("gone", prefix="portal", endpoint_url=closed_endpoint(), region=REGION)
    with pytest.raises(StorageUnavailable):
        list(s3.keys())
