"""The S3-compatible backend of ``app.kit.storage`` (``STORAGE_BACKEND=s3``), in a module of its own: boto3 and
botocore are imported only by a process whose settings choose S3, not by every command and test server."""
from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from app.kit.storage import (
    CHUNK_SIZE,
    KEY_RE,
    Storage,
    StorageUnavailable,
    StoredFile,
    StoredFileMissing,
    _source_stream,
    check_key,
)

log = logging.getLogger("reqemsal.storage")

# What an S3 call raises when the service cannot be reached, times out or refuses (boto3's transfer manager
# wraps a refusal in Boto3Error); OSError for a connection dropped while a body is read.
S3_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, ClientError, Boto3Error, OSError)
# Fail fast during an outage: a resident waits seconds for "try again later", not minutes.
S3_CLIENT_CONFIG = {"connect_timeout": 2, "read_timeout": 10, "retries": {"max_attempts": 2}}
# Uploads run in the request's own thread: no pool of transfer threads per upload in every app server.
S3_TRANSFER = TransferConfig(use_threads=False)


def _missing(error: ClientError) -> bool:
    """Whether an S3 error says there is no such object (GET says NoSuchKey, HEAD only 404)."""
    details = error.response.get("Error", {})
    return details.get("Code") in ("NoSuchKey", "404", "NotFound") or \
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


class _KeptOpen:
    """The caller's file as boto3 gets it: boto3 closes the file it uploaded, and the caller's stays open."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def close(self) -> None:
        """Leave the file open: it belongs to the caller."""


class S3Storage(Storage):
    """Objects in one bucket of an S3-compatible service, each key under ``prefix``."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 client: Any = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url or None
        if client is None:
            config = BotoConfig(**S3_CLIENT_CONFIG,
                                # Other S3 services (MinIO, Ceph, a test server) are addressed by path, not by
                                # a host name per bucket.
                                s3={"addressing_style": "path"} if self.endpoint_url else None)
            client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=region or None, config=config)
        self.client = client
        # S3's own page size (at most 1000 keys per answer); tests make it small to walk several pages.
        self.list_page_size = 1000

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    def object_key(self, key: str) -> str:
        """The object's full key in the bucket: the prefix, a slash, the key."""
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: bytes | IO[bytes], content_type: str | None = None) -> int:
        """Upload in chunks (one request, or a multipart upload for large files: S3 shows an object only once
        it is complete). A failed upload is deleted as far as the service lets us: a request that timed out
        may still have been stored."""
        name = self.object_key(key)
        stream = _source_stream(source)
        if not (getattr(stream, "seekable", None) and stream.seekable()):
            # boto3 measures what it uploads (and rewinds it to retry): give it a copy that can seek.
            spooled = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_SIZE)  # dropped (and deleted) after the upload
            shutil.copyfileobj(stream, spooled, CHUNK_SIZE)
            spooled.seek(0)
            stream = spooled
        start = stream.tell()
        size = stream.seek(0, io.SEEK_END) - start
        stream.seek(start)
        extra = {"ContentType": content_type} if content_type else None
        try:
            self.client.upload_fileobj(_KeptOpen(stream), self.bucket, name, ExtraArgs=extra, Config=S3_TRANSFER)
        except S3_ERRORS as error:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=name)
            except S3_ERRORS:
                log.warning("could not delete %s after its failed upload", name)
            raise StorageUnavailable(f"storing {name}: {error}") from error
        return size

    def open(self, key: str) -> StoredFile:
        """GET the object; its body is read later, in chunks, as the response goes out."""
        name = self.object_key(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                raise StoredFileMissing(key) from None
            raise StorageUnavailable(f"opening {name}: {error}") from error
        except S3_ERRORS as error:
            raise StorageUnavailable(f"opening {name}: {error}") from error
        body = answer["Body"]
        return StoredFile(key, int(answer["ContentLength"]), lambda: body.iter_chunks(CHUNK_SIZE), body.close,
                          S3_ERRORS, last_modified=answer.get("LastModified"),
                          etag=(answer.get("ETag") or "").strip('"') or None)

    def _head(self, key: str) -> dict | None:
        name = self.object_key(key)
        try:
            return self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                return None
            raise StorageUnavailable(f"checking {name}: {error}") from error
        except S3_ERRORS as error:
            raise StorageUnavailable(f"checking {name}: {error}") from error

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        return self._head(key) is not None

    def delete(self, key: str) -> None:
        """DELETE the object (S3 answers the same whether it was there or not)."""
        name = self.object_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except S3_ERRORS as error:
            raise StorageUnavailable(f"deleting {name}: {error}") from error

    def size(self, key: str) -> int:
        """The object's length, from a HEAD."""
        answer = self._head(key)
        if answer is None:
            raise StoredFileMissing(key)
        return int(answer["ContentLength"])

    def keys(self) -> Iterator[str]:
        """The objects under the prefix, listed a page at a time (S3 answers in key order). Objects deeper
        under the prefix ("prefix/a/b") are not ours and are skipped."""
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start, PaginationConfig={"PageSize": self.list_page_size})
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    key = item["Key"][len(start):]
                    if KEY_RE.fullmatch(key):
                        yield key
        except S3_ERRORS as error:
            raise StorageUnavailable(f"listing {self.bucket}/{start}: {error}") from error
