"""An S3-compatible store for the backup tests: moto's real S3 server on loopback, not a mock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class S3Server:
    endpoint: str

    def env(self) -> dict[str, str]:
        """What an operator sets for Haven to reach the store."""
        return {
            "HAVEN_BACKUP_S3_ENDPOINT": self.endpoint,
            "HAVEN_BACKUP_S3_ACCESS_KEY_ID": "testing",
            "HAVEN_BACKUP_S3_SECRET_ACCESS_KEY": "testing",
            "HAVEN_BACKUP_S3_REGION": "eu-west-2",
        }

    def client(self) -> Any:
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="eu-west-2",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def bucket(self, name: str) -> Any:
        client = self.client()
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        return client


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield S3Server(f"http://{host}:{port}")
    server.stop()
