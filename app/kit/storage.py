"""Stored files behind one interface: a local directory (the default) or S3-compatible object storage.

Attachments, e-service documents (the issued result PDFs among them), proposal pictures and news covers are
kept under a key (a random name the database row holds) and read back in chunks, never whole. The backend is
chosen by ``STORAGE_BACKEND``:

- ``local``: files under ``ATTACHMENTS_DIR`` (default ``instance/attachments``), each written under a
  temporary name and renamed into place, so a crash never leaves half a file under a key;
- ``s3``: objects in ``S3_BUCKET`` under ``S3_PREFIX``, at ``S3_ENDPOINT_URL`` (any S3-compatible service) in
  ``S3_REGION``, with the credentials boto3 finds itself (environment, ``~/.aws``, an instance role). Several
  app servers then share one store and none of them holds a file of its own.

Any failure of the store (unreachable, refused, a full disk) is raised as ``StorageUnavailable``, so a use
case can answer "try again later" without knowing which backend it runs on.
"""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import tempfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from flask import Flask, current_app

from app.kit.errors import ConfigError

log = logging.getLogger("reqemsal.storage")

CHUNK_SIZE = 64 * 1024
BACKENDS = ("local", "s3")
# Keys are the names the services make (random hex, "<name>-<width>.jpg"): no directories, no "..".
KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# A local file being written is called this until it is complete.
TEMP_PREFIX = ".partial-"


class StorageError(Exception):
    """Base of what the storage raises."""


class StorageUnavailable(StorageError):
    """The store could not carry out the operation (unreachable, refused, full); nothing under the key can be
    relied on, and trying again later may succeed."""


class StoredFileMissing(StorageError):
    """No file is stored under the key."""


def check_key(key: str) -> str:
    """``key`` if it is a plain name a service would make; otherwise ``ValueError`` (never a path)."""
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class StoredFile:
    """An open stored file: iterate it for its bytes in chunks (it is a WSGI body as it is), then close it.

    ``size`` is known before the first byte is read; ``last_modified`` and ``etag`` when the backend says.
    Iterating closes the file at its end; ``close`` may be called any number of times.
    """

    def __init__(self, key: str, size: int, chunks: Callable[[], Iterator[bytes]], close: Callable[[], None],
                 errors: tuple[type[BaseException], ...], last_modified: datetime | None = None,
                 etag: str | None = None):
        self.key = key
        self.size = size
        self.last_modified = last_modified
        self.etag = etag
        self._chunks = chunks
        self._close = close
        self._errors = errors
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._chunks()
        except self._errors as error:
            # Past the headers of a download nothing can be answered any more; the caller sees a typed error.
            raise StorageUnavailable(f"reading {self.key}: {error}") from error
        finally:
            self.close()

    def read_all(self) -> bytes:
        """Every byte at once: for small files and tests only (downloads iterate)."""
        return b"".join(self)

    def close(self) -> None:
        """Release the file or connection (idempotent)."""
        if not self._closed:
            self._closed = True
            try:
                self._close()
            except Exception:  # noqa: BLE001 - closing is cleanup; the bytes are already sent or abandoned
                log.warning("closing stored file %s failed", self.key, exc_info=True)

    def __enter__(self) -> StoredFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Storage(ABC):
    """Where stored files live. Every operation raises ``StorageUnavailable`` when the store cannot answer."""

    @abstractmethod
    def put(self, key: str, source: bytes | IO[bytes], content_type: str | None = None) -> int:
        """Store ``source`` (bytes, or a binary file read from its current position in chunks) under ``key``,
        replacing what was there; returns the number of bytes stored. Either all of it is stored or nothing."""

    @abstractmethod
    def open(self, key: str) -> StoredFile:
        """The file under ``key``, open for reading in chunks; ``StoredFileMissing`` when there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file under ``key``; removing one that is not there is no error."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The size in bytes of the file under ``key``; ``StoredFileMissing`` when there is none."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every key a file is stored under, in key order (what a backup copies). Files being written are not
        listed; a ``StorageUnavailable`` may come at any step of the iteration."""


def _source_stream(source: bytes | IO[bytes]) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else source


class LocalStorage(Storage):
    """Files in one directory of this machine (created when the first file is stored)."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.directory)!r})"

    def _path(self, key: str) -> Path:
        return self.directory / check_key(key)

    def put(self, key: str, source: bytes | IO[bytes], content_type: str | None = None) -> int:
        """Write under a temporary name in the same directory, flush it to disk, then rename it into place:
        a rename within one file system is atomic, so the key names the whole file or nothing."""
        target = self._path(key)
        temp_name: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=self.directory, prefix=TEMP_PREFIX, delete=False) as out:
                temp_name = out.name
                shutil.copyfileobj(_source_stream(source), out, CHUNK_SIZE)
                out.flush()
                os.fsync(out.fileno())
                written = out.tell()
            os.replace(temp_name, target)
            temp_name = None
        except OSError as error:
            raise StorageUnavailable(f"storing {key} in {self.directory}: {error}") from error
        finally:
            if temp_name is not None:
                Path(temp_name).unlink(missing_ok=True)
        return written

    def open(self, key: str) -> StoredFile:
        """The file, opened for reading; its size and time come from the open handle."""
        path = self._path(key)
        try:
            handle = open(path, "rb")  # closed by StoredFile.close
        except FileNotFoundError:
            raise StoredFileMissing(key) from None
        except OSError as error:
            raise StorageUnavailable(f"opening {key}: {error}") from error
        try:
            stat = os.fstat(handle.fileno())
        except OSError as error:
            handle.close()
            raise StorageUnavailable(f"opening {key}: {error}") from error

        def chunks() -> Iterator[bytes]:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk

        # The same validator send_file gave these files: time, size and a checksum of the name.
        etag = f"{stat.st_mtime}-{stat.st_size}-{zlib.adler32(str(path).encode()) & 0xFFFFFFFF}"
        return StoredFile(key, stat.st_size, chunks, handle.close, (OSError,),
                          last_modified=datetime.fromtimestamp(stat.st_mtime, UTC), etag=etag)

    def exists(self, key: str) -> bool:
        """Whether the file is there."""
        try:
            return self._path(key).is_file()
        except OSError as error:
            raise StorageUnavailable(f"checking {key}: {error}") from error

    def delete(self, key: str) -> None:
        """Unlink the file, if it is there."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"deleting {key}: {error}") from error

    def size(self, key: str) -> int:
        """The file's size on disk."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise StoredFileMissing(key) from None
        except OSError as error:
            raise StorageUnavailable(f"measuring {key}: {error}") from error

    def keys(self) -> Iterator[str]:
        """The names of the complete files in the directory (none when it does not exist yet)."""
        try:
            with os.scandir(self.directory) as entries:
                # A ".partial-" file is an upload still being written (or one a crash left behind): not a key.
                names = sorted(entry.name for entry in entries
                               if KEY_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False))
        except FileNotFoundError:
            return
        except OSError as error:
            raise StorageUnavailable(f"listing {self.directory}: {error}") from error
        yield from names


def from_config(config: dict, instance_path: str | os.PathLike[str]) -> Storage:
    """The storage the settings choose; ``ConfigError`` naming what is wrong."""
    backend = (config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        return LocalStorage(config.get("ATTACHMENTS_DIR") or Path(instance_path) / "attachments")
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise ConfigError("S3_BUCKET is not set; STORAGE_BACKEND=s3 cannot start without it.")
        # boto3 is imported only where S3 is the store: it is a tenth of every other process's start.
        from app.kit.storage_s3 import S3Storage

        return S3Storage(config["S3_BUCKET"], prefix=config.get("S3_PREFIX") or "",
                         endpoint_url=config.get("S3_ENDPOINT_URL") or None, region=config.get("S3_REGION") or None)
    raise ConfigError(f"STORAGE_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}.")


def init_app(app: Flask) -> None:
    """Create the application's one storage from its settings (``app.extensions["storage"]``)."""
    app.extensions["storage"] = from_config(app.config, app.instance_path)


def current() -> Storage:
    """The storage of the current application."""
    return current_app.extensions["storage"]
