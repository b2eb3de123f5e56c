"""Where backup archives are kept: a directory, or an S3-compatible store (``s3://bucket/prefix``).

Both write an archive so that no half-written one is ever listed: a directory through a hidden
``.partial`` file renamed at the end, S3 through a multipart upload completed at the end (and
aborted on any error). Both list only names Haven gives its archives, so rotation never deletes
anything else.

S3 settings (environment): ``HAVEN_BACKUP_S3_ENDPOINT`` (for a store other than Amazon's, e.g.
``https://s3.example.net``), ``HAVEN_BACKUP_S3_REGION``, and the credentials as
``HAVEN_BACKUP_S3_ACCESS_KEY_ID`` / ``HAVEN_BACKUP_S3_SECRET_ACCESS_KEY`` or boto3's own
(``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, an instance role...).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from haven.core.backup_crypto import BackupError

ARCHIVE_NAME = re.compile(r"^haven-(\d{8}T\d{6}Z)\.backup$")
PART = 8 * 1024 * 1024  # S3 wants parts of 5 MiB or more, except the last


class Store(Protocol):
    def describe(self, name: str) -> str: ...

    def writer(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...

    def names(self) -> list[str]: ...

    def delete(self, name: str) -> None: ...


def store_for(location: str | Path) -> Store:
    text = str(location)
    if text.startswith("s3://"):
        bucket, _, prefix = text[len("s3://") :].partition("/")
        if not bucket:
            raise BackupError(f"{text} names no bucket: write s3://BUCKET/PREFIX.")
        return S3Store(bucket, prefix.strip("/"))
    return DirectoryStore(Path(text).resolve())


def is_s3(location: str | Path) -> bool:
    return str(location).startswith("s3://")


# A directory ------------------------------------------------------------------------------


class DirectoryStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self, name: str) -> str:
        return str(self.path / name)

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[IO[bytes]]:
        self.path.mkdir(parents=True, exist_ok=True)
        final = self.path / name
        if final.exists():
            raise BackupError(f"{final} already exists; wait a second and try again.")
        partial = self.path / f".{name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file())

    def delete(self, name: str) -> None:
        (self.path / name).unlink()


# S3 ---------------------------------------------------------------------------------------


def s3_client() -> Any:
    import boto3  # type: ignore[import-untyped]  # only when an S3 store is used: boto3 takes a while to import

    env = os.environ.get
    return boto3.client(
        "s3",
        endpoint_url=env("HAVEN_BACKUP_S3_ENDPOINT") or None,
        region_name=env("HAVEN_BACKUP_S3_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1",
        aws_access_key_id=env("HAVEN_BACKUP_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=env("HAVEN_BACKUP_S3_SECRET_ACCESS_KEY") or None,
    )


@contextlib.contextmanager
def s3_errors(what: str) -> Iterator[None]:
    """botocore's errors as a BackupError that says what was being done and where."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise BackupError(
            f"The S3 store refused to {what}: {error.get('Code')} {error.get('Message', '')}".strip()
        ) from exc
    except BotoCoreError as exc:
        endpoint = os.environ.get("HAVEN_BACKUP_S3_ENDPOINT") or "Amazon S3"
        raise BackupError(f"Could not {what} at {endpoint}: {exc}") from exc


class _MultipartUpload(io.RawIOBase):
    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.buffer = bytearray()
        self.parts: list[dict[str, Any]] = []
        with s3_errors(f"start an upload to s3://{bucket}/{key}"):
            self.upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        self.buffer += view
        if len(self.buffer) >= PART:
            self._send()
        return len(view)

    def _send(self) -> None:
        number = len(self.parts) + 1
        with s3_errors(f"upload part {number} of s3://{self.bucket}/{self.key}"):
            done = self.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=bytes(self.buffer)
            )
        self.parts.append({"PartNumber": number, "ETag": done["ETag"]})
        self.buffer.clear()

    def complete(self) -> None:
        if self.buffer or not self.parts:
            self._send()
        with s3_errors(f"finish the upload of s3://{self.bucket}/{self.key}"):
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
            )

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


class S3Store:
    def __init__(self, bucket: str, prefix: str, client: Any = None) -> None:
        self.bucket, self.prefix = bucket, prefix
        self.client = client or s3_client()

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def describe(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(name)}"

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[IO[bytes]]:
        upload = _MultipartUpload(self.client, self.bucket, self.key(name))
        try:
            yield upload  # type: ignore[misc]
            upload.complete()
        except BaseException:
            upload.abort()
            raise

    def names(self) -> list[str]:
        found = []
        start = f"{self.prefix}/" if self.prefix else ""
        with s3_errors(f"list s3://{self.bucket}/{start}"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    name = item["Key"][len(start) :]
                    if ARCHIVE_NAME.match(name):  # directly under the prefix, named like ours
                        found.append(name)
        return sorted(found)

    def delete(self, name: str) -> None:
        with s3_errors(f"delete {self.describe(name)}"):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))


@contextlib.contextmanager
def open_archive(location: str) -> Iterator[IO[bytes]]:
    """An archive to read, from a path or ``s3://bucket/key``, streamed (never whole in memory)."""
    if is_s3(location):
        bucket, _, key = location[len("s3://") :].partition("/")
        if not bucket or not key:
            raise BackupError(f"{location} names no archive: write s3://BUCKET/PREFIX/haven-....backup.")
        client = s3_client()
        with s3_errors(f"read {location}"):
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            yield io.BufferedReader(_Body(body), buffer_size=1024 * 1024)
        finally:
            body.close()
        return
    path = Path(location)
    try:
        f = path.open("rb")
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    with f:
        yield f


class _Body(io.RawIOBase):
    """botocore's streaming body as a raw stream, its network errors as BackupError."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        with s3_errors("read the archive"):
            data = self.body.read(len(b))
        b[: len(data)] = data
        return len(data)
