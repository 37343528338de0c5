"""Every integration test runs twice: on moto, and with its tables on DynamoDB Local.

moto is fast and in-process; DynamoDB Local is AWS's own emulator, so a condition, a transaction
or an expression moto accepts but DynamoDB refuses fails here, not in production. Queues, the
bus and secrets stay in moto either way (moto passes requests for other endpoints through).

One DynamoDB Local per test session (per xdist worker: each on a free port, in memory), and a
table of its own for each test, so tests never see each other's items.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from infra.dynamodb_local import DynamoDBLocal
from tests.local_aws import free_port


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    server = DynamoDBLocal(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["moto", pytest.param("dynamodb-local", marks=pytest.mark.dynamodb_local)])
def aws(
    request: pytest.FixtureRequest, aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The root `aws` fixture (moto), with the tables moved to DynamoDB Local for the second run."""
    if request.param == "moto":
        yield aws
        return
    import boto3

    from chalicelib.resources import RESOURCES
    from infra.provision import create_table

    server: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", server.endpoint)
    run = uuid.uuid4().hex[:12]
    dynamodb = boto3.client("dynamodb")
    names = []
    for table in RESOURCES.tables:
        name = f"oms-test-{table.key}-{run}"
        monkeypatch.setenv(f"OMS_TABLE_{table.key.upper().replace('-', '_')}", name)
        create_table(dynamodb, name, table)
        names.append(name)
    _forget_clients()
    yield aws
    for name in names:  # in memory: a session's worth of tables would add up
        dynamodb.delete_table(TableName=name)


def _forget_clients() -> None:
    """Clients and names made for moto's tables (the root fixture's provisioning) go."""
    from chalicelib.adapters import aws as aws_clients
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import auth, cache, idempotency

    aws_clients.reset()
    bootstrap.cache_clear()
    idempotency.reset()
    auth.forget_cached()
    cache.forget()
