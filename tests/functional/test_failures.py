"""Honest failures: DynamoDB throttling, transaction conflicts and timeouts are retried with back-off,
then answered 503 with Retry-After (or, on a queue, put back), never 500 and never half-written.

Faults are injected on the OMS's shared DynamoDB client with botocore event hooks, in front of
moto: a `before-call` handler that raises fails the call before it reaches moto; an `after-call`
one fails it after moto applied it (the answer was lost). Back-off pauses pass on the test clock.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.adapters.dynamo import ATTEMPTS, BACKOFF_CAP_S
from chalicelib.http.problems import PROBLEM_TYPE, RETRY_AFTER_S
from tests.conftest import ManualClock, order_body, post
from tests.roundtrips import counting

pytestmark = pytest.mark.usefixtures("demo", "clock")

Fault = Callable[[Any, str], Exception]


def _dynamodb() -> Any:
    from chalicelib.adapters import aws

    return aws.client("dynamodb")


def aws_error(code: str, status: int = 400, **extra: Any) -> Fault:
    """A ClientError as botocore raises it for DynamoDB's answer `code` (the modelled class, if any)."""

    def make(client: Any, operation: str) -> Exception:
        response = {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        error: Exception = client.exceptions.from_code(code)({**response, **extra}, operation)
        return error

    return make


def cancelled(reason: str) -> Fault:
    """A transaction cancelled because of its second item (the first was fine)."""
    return aws_error(
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "None"}, {"Code": reason, "Message": "injected"}],
    )


def read_timeout(client: Any, operation: str) -> Exception:
    from botocore.exceptions import ReadTimeoutError

    error: Exception = ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com/")
    return error


def connection_failed(client: Any, operation: str) -> Exception:
    from botocore.exceptions import EndpointConnectionError

    error: Exception = EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com/")
    return error


TRANSIENT = {
    "transaction conflict": cancelled("TransactionConflict"),
    "throughput exceeded": aws_error("ProvisionedThroughputExceededException"),
    "throttling": aws_error("ThrottlingException"),
    "request limit": aws_error("RequestLimitExceeded"),
    "cancelled: throttled": cancelled("ThrottlingError"),
    "internal server error": aws_error("InternalServerError", status=500),
    "read timeout": read_timeout,
    "connection failed": connection_failed,
}


class Injected:
    """What the hook saw: the parameters of each call of the operation it watches."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []


@contextmanager
def failing(
    operation: str,
    fault: Fault,
    *,
    times: int | None = None,
    when: Callable[[dict[str, Any]], bool] = lambda _params: True,
    after: bool = False,
) -> Iterator[Injected]:
    """Calls of `operation` for which `when(params)` holds fail with `fault`, the first `times` of
    them (every one: None); before they reach moto, or `after` moto applied them."""
    client = _dynamodb()
    seen = Injected()
    left = itertools.count() if times is None else iter(range(times))

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.calls.append(dict(params))  # the call's API parameters (calls are made one at a time)

    def fail(**_: Any) -> None:
        if when(seen.calls[-1]) and next(left, None) is not None:
            raise fault(client, operation)

    hooks = [
        (f"before-parameter-build.dynamodb.{operation}", record),
        (f"{'after' if after else 'before'}-call.dynamodb.{operation}", fail),
    ]
    for event, handler in hooks:
        client.meta.events.register(event, handler, unique_id=f"fault-{event}")
    try:
        yield seen
    finally:
        for event, _handler in hooks:
            client.meta.events.unregister(event, unique_id=f"fault-{event}")


def table_items() -> list[dict[str, Any]]:
    from chalicelib.adapters.dynamo import Table

    return list(_dynamodb().scan(TableName=Table().name, ConsistentRead=True)["Items"])


def orders_for(client: Any, headers: dict[str, str], body: dict[str, Any]) -> list[dict[str, Any]]:
    found = client.http.get(f"/orders?channel={body['channel']}&externalId={body['externalId']}", headers=headers)
    assert found.status_code == 200, found.body
    items: list[dict[str, Any]] = json.loads(found.body)["items"]
    return items


def assert_unavailable(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 503, answer.body
    assert answer.headers["Content-Type"] == PROBLEM_TYPE
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    problem: dict[str, Any] = json.loads(answer.body)
    assert problem["status"] == 503 and problem["title"] == "Service unavailable"
    return problem


def assert_backed_off(clock: ManualClock, pauses: int) -> None:
    assert len(clock.slept) == pauses
    assert all(0 <= s <= BACKOFF_CAP_S for s in clock.slept)


@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_a_transient_failure_of_the_transaction_is_retried_until_it_commits(client, admin, clock, fault):
    body = order_body()
    with failing("TransactWriteItems", fault, times=ATTEMPTS - 1) as seen:
        answer = post(client, "/orders", body, admin)
    assert answer.status_code == 201, answer.body
    assert len(seen.calls) == ATTEMPTS
    # Every try is the same call, so DynamoDB would apply it once even if an earlier one had committed.
    assert len({json.dumps(c, sort_keys=True, default=str) for c in seen.calls}) == 1
    assert_backed_off(clock, ATTEMPTS - 1)
    assert [o["orderId"] for o in orders_for(client, admin, body)] == [json.loads(answer.body)["orderId"]]


@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_a_transaction_that_keeps_failing_is_a_503_with_nothing_written(client, admin, clock, fault):
    body = order_body()
    before = table_items()
    with failing("TransactWriteItems", fault) as seen:
        answer = post(client, "/orders", body, admin)
    problem = assert_unavailable(answer)
    assert "try again" in problem["detail"]
    assert len(seen.calls) == ATTEMPTS
    assert_backed_off(clock, ATTEMPTS - 1)
    assert table_items() == before
    assert orders_for(client, admin, body) == []


def test_a_retry_after_a_lost_answer_creates_the_order_once(client, admin, clock):
    body = order_body()
    stock_before = client.http.get("/inventory/TEE-WHITE-M", headers=admin).body
    with failing("TransactWriteItems", read_timeout, times=1, after=True) as seen:
        answer = post(client, "/orders", body, admin)
    assert answer.status_code == 201, answer.body
    assert len(seen.calls) == 2 and seen.calls[0]["ClientRequestToken"] == seen.calls[1]["ClientRequestToken"]
    (order,) = orders_for(client, admin, body)
    assert order["orderId"] == json.loads(answer.body)["orderId"]
    reserved = {
        s["locationId"]: s["reserved"]
        for s in json.loads(client.http.get("/inventory/TEE-WHITE-M", headers=admin).body)["items"]
    }
    before = {s["locationId"]: s["reserved"] for s in json.loads(stock_before)["items"]}
    assert sum(reserved.values()) - sum(before.values()) == 2  # the order's 2 units, reserved once


def test_a_failed_condition_is_not_retried(client, admin, clock):
    body = order_body()
    assert post(client, "/orders", body, admin).status_code == 201
    with counting() as trips:
        again = post(client, "/orders", body, admin)
    assert again.status_code == 409, again.body
    assert trips.by_operation()["TransactWriteItems"] == 1 and clock.slept == []


@pytest.mark.parametrize("operation", ["Query", "GetItem", "BatchGetItem"])
def test_reads_are_retried_then_answered_503(client, admin, clock, operation):
    body = order_body()
    created = post(client, "/orders", body, admin)
    assert created.status_code == 201, created.body
    order_id = json.loads(created.body)["orderId"]
    request: dict[str, Callable[[], Any]] = {
        "Query": lambda: client.http.get(f"/orders/{order_id}", headers=admin),
        "GetItem": lambda: client.http.get(f"/orders?channel=webshop&externalId={body['externalId']}", headers=admin),
        "BatchGetItem": lambda: post(client, "/orders", order_body(), admin),  # the cart's stock summaries
    }
    throttled = aws_error("ProvisionedThroughputExceededException")
    with failing(operation, throttled, times=ATTEMPTS - 1):
        assert request[operation]().status_code in (200, 201)
    assert_backed_off(clock, ATTEMPTS - 1)
    with failing(operation, throttled):
        assert_unavailable(request[operation]())


def test_a_throttled_idempotency_record_is_a_503_and_the_key_can_be_sent_again(client, admin, clock):
    body = order_body()
    headers = {**admin, "Idempotency-Key": "throttled-key"}
    with failing("PutItem", aws_error("ThrottlingException")):
        assert_unavailable(post(client, "/orders", body, headers))
    assert orders_for(client, admin, body) == []
    assert post(client, "/orders", body, headers).status_code == 201


def test_a_queue_message_that_meets_a_busy_database_goes_back_to_the_queue(client, admin, aws, clock):
    from chalicelib.adapters import aws as clients
    from infra.pump import Pump

    bodies = [order_body(), order_body()]
    busy = bodies[0]["externalId"]
    sqs = clients.client("sqs")
    for b in bodies:
        sqs.send_message(QueueUrl=aws["order-intake"], MessageBody=json.dumps({"role": "channel:webshop", "order": b}))
    pump = Pump(retry_delay_s=0)

    def for_busy_order(params: dict[str, Any]) -> bool:
        return busy in json.dumps(params["TransactItems"][0])

    with failing("TransactWriteItems", cancelled("TransactionConflict"), when=for_busy_order):
        counts = pump.run_once().queues["order-intake"]
    assert (counts.received, counts.succeeded, counts.failed) == (2, 1, 1)
    assert orders_for(client, admin, bodies[0]) == [] and len(orders_for(client, admin, bodies[1])) == 1

    counts = pump.run_once().queues["order-intake"]  # the conflict has passed
    assert (counts.received, counts.succeeded, counts.failed) == (1, 1, 0)
    assert len(orders_for(client, admin, bodies[0])) == 1
