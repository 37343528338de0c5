"""boto3 clients, made on first use (never at import: cold start, and moto patches late clients).

`AWS_ENDPOINT_URL` (boto3's own setting) points them at the local moto server; a deployed stage
never sets it.
"""

from __future__ import annotations

import functools
import os
from typing import Any

_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is None:
        import boto3
        from botocore.config import Config

        # Short in AWS, where DynamoDB answers in milliseconds; the local stack's moto can take longer.
        read_timeout = float(os.environ.get("OMS_AWS_READ_TIMEOUT_S", "5"))
        # DynamoDB calls are retried by `dynamo.retrying` (conflicts too, which botocore does not
        # retry; paced by the clock tests control): botocore's own retries would multiply with
        # those, so it makes one try. SQS, EventBridge and Secrets Manager keep botocore's standard
        # retries (3 tries in all, jittered back-off); nothing of ours retries them.
        attempts = 1 if service == "dynamodb" else 3
        config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=2,
            read_timeout=read_timeout,
        )
        found = _clients[service] = boto3.session.Session().client(service, config=config)
    return found


def reset() -> None:
    """Forget every client (tests switch between moto back ends)."""
    _clients.clear()
    names.cache_clear()


@functools.cache
def names() -> dict[str, str]:
    from chalicelib.resources import RESOURCES, channel_secrets_prefix, partner_secrets_prefix, physical_name

    out = {f"table:{t.key}": os.environ.get(f"OMS_TABLE_{_env(t.key)}", physical_name(t.key)) for t in RESOURCES.tables}
    out["bus"] = os.environ.get("OMS_BUS", physical_name(RESOURCES.bus))
    out["channel-secrets"] = os.environ.get("OMS_CHANNEL_SECRETS", channel_secrets_prefix())
    out["partner-secrets"] = os.environ.get("OMS_PARTNER_SECRETS", partner_secrets_prefix())
    out["queue-prefix"] = os.environ.get("OMS_QUEUE_PREFIX", physical_name(""))
    return out


def table_name(key: str) -> str:
    return names()[f"table:{key}"]


def bus_name() -> str:
    return names()["bus"]


def secrets_prefix(owner: str = "channel") -> str:
    """`oms-<stage>/channels` (owner "channel") or `oms-<stage>/partners` ("partner"): a secret is
    named `<prefix>/<channelId or locationId>`."""
    return names()[f"{owner}-secrets"]


def queue_name(key: str) -> str:
    """`oms-<stage>-<key>`, the queue `RESOURCES.queue(key)` declares (as in `resources.physical_name`)."""
    from chalicelib.resources import fifo_suffix

    return f"{names()['queue-prefix']}{key}{fifo_suffix(key)}"


def dead_letter_queue_name(key: str) -> str:
    """`oms-<stage>-<key>-dlq` (as in `resources.dlq_name`)."""
    return queue_name(f"{key}-dlq")


def _env(key: str) -> str:
    return key.upper().replace("-", "_")
