"""Local stand-ins for AWS on 127.0.0.1 (the local stack's moto server, DynamoDB Local and its proxy):
a free port to start one on, and a boto3 client on one."""

from __future__ import annotations

import socket
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def local_client(service: str, port: int, **options: Any) -> Any:
    """A boto3 client on the stand-in listening on `port`; it takes any credentials."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        **options,
    )
