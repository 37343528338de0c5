"""`Idempotency-Key` on creating POSTs, with Powertools' idempotency utility (DynamoDB persistence).

Same key and same body: the first answer again. Same key, another body: 409. Keys are scoped
by caller and operation, so two clients never collide. Costs the utility's two calls.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from chalicelib.adapters import aws
from chalicelib.domain.errors import Conflict, Invalid, Unavailable

Answer = tuple[int, dict[str, Any]]
_DAY = 24 * 3600


@functools.cache
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=aws.table_name("idempotency"), boto3_client=aws.client("dynamodb"))


# The running invocation's Lambda context (set by the HTTP middleware): the utility reads the time
# left from it, so an in-progress record of a timed-out invocation expires with it.
lambda_context: ContextVar[Any] = ContextVar("lambda_context", default=None)


def _config() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=_DAY,
        lambda_context=lambda_context.get(),
    )


def once(scope: str, key: str | None, body: Any, work: Callable[[], Answer]) -> Answer:
    """Run `work` once per (scope, key); replay its answer for a repeat with the same body."""
    if not key:
        return work()
    if len(key) > 255:
        raise Invalid("Idempotency-Key is longer than 255 characters")
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request", persistence_store=_persistence(), config=_config()
    )
    def create(request: dict[str, Any]) -> dict[str, Any]:
        status, answer = work()
        return {"status": status, "body": answer}

    try:
        stored = create(request={"scope": scope, "key": key, "body": body})
    except IdempotencyValidationError:
        raise Conflict("this Idempotency-Key was used with another request body") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("a request with this Idempotency-Key is still in progress; retry shortly") from None
    except IdempotencyPersistenceLayerError as exc:
        # Its calls share the DynamoDB client, which leaves retrying to `dynamo.retrying`: a throttle
        # here is the database being busy, not our bug.
        raise Unavailable("the Idempotency-Key's record could not be read or written; retry with the same key") from exc
    return stored["status"], stored["body"]


def reset() -> None:
    _persistence.cache_clear()
