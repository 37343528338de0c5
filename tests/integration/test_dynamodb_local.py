"""DynamoDB Local as the local stack runs it: on disk, behind the proxy that makes an acknowledged
transaction a durable one (infra/dynamodb_local.py says why DynamoDB Local alone is not)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from botocore.config import Config

from infra.dynamodb_local import DurableTransactions, DynamoDBLocal
from tests.local_aws import free_port, local_client

WRITERS = 4
WRITING_S = 2.0


def test_every_acknowledged_transaction_survives_a_sigkill(tmp_path: Path) -> None:
    server = DynamoDBLocal(free_port(), db_path=tmp_path / "db")
    proxy_port = free_port()
    proxy = DurableTransactions(server.port, proxy_port)
    server.start()
    proxy.start()
    try:
        dynamodb = local_client(
            "dynamodb", proxy_port, config=Config(retries={"max_attempts": 0}, max_pool_connections=WRITERS)
        )
        dynamodb.create_table(
            TableName="durable",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        acknowledged: list[str] = []
        killed = threading.Event()

        def write(writer: int) -> None:
            n = 0
            while not killed.is_set():
                key, n = f"{writer}-{n}", n + 1
                item = {"TableName": "durable", "Item": {"PK": {"S": key}}}
                try:
                    dynamodb.transact_write_items(TransactItems=[{"Put": item}])
                except Exception:
                    continue  # cut off by the kill: never acknowledged
                acknowledged.append(key)

        writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
        for writer in writers:
            writer.start()
        time.sleep(WRITING_S)
        assert server.pid is not None
        os.kill(server.pid, signal.SIGKILL)
        killed.set()
        for writer in writers:
            writer.join()
        server.stop()

        server.start()
        assert acknowledged
        lost = [k for k in acknowledged if "Item" not in dynamodb.get_item(TableName="durable", Key={"PK": {"S": k}})]
        assert lost == [], f"{len(lost)} of {len(acknowledged)} acknowledged transactions lost"
    finally:
        proxy.stop()
        server.stop()
