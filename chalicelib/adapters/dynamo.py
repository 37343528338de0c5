"""DynamoDB access: typed items in and out, one transaction per change, errors made domain errors.

Every call is retried here, and only here (botocore's own retries are off: see `aws.client`),
when it failed in a way that may pass: throttling, a transaction cancelled by a conflicting
one, a timeout, a lost connection, a 5xx. Each retry waits a random pause up to a doubling
bound ("full jitter"), through the clock, so tests let the time pass instead of sleeping. When
the last try fails too, the caller gets `Unavailable` (503 over HTTP), never a half-done write:
a transaction is all or nothing, and its retries share one ClientRequestToken.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from chalicelib import clock
from chalicelib.adapters import aws
from chalicelib.domain.errors import BadRequest, DomainError, Invalid, Unavailable
from chalicelib.limits import TRANSACTION_MAX_ITEMS

Item = dict[str, Any]
T = TypeVar("T")

ATTEMPTS = 4  # tries of one call, each a single request (botocore does not retry)
BACKOFF_BASE_S = 0.05  # the first pause is up to this; each next one up to twice the last
BACKOFF_CAP_S = 1.0
# Error codes of calls that may pass if made again (AWS's retryable ones for DynamoDB).
_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",  # a try with the same token still running: ask again
        "InternalServerError",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)
# Why DynamoDB cancelled a transaction, when another try may commit it.
_TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
_NO_REASON = frozenset({"None", None})


def _transient(exc: Exception) -> str | None:
    """Why a failed call may pass if made again (AWS's code, or the failure's type); None if it would not."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, BotoConnectionError | HTTPClientError):  # timeouts, refused or dropped connections
        return type(exc).__name__
    if not isinstance(exc, ClientError):
        return None
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code == "TransactionCanceledException":
        reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])} - _NO_REASON
        return ", ".join(sorted(reasons)) if reasons and reasons <= _TRANSIENT_REASONS else None
    if code in _TRANSIENT_CODES or int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) >= 500:
        return code
    return None


def retrying(call: Callable[[], T], *, doing: str) -> T:
    """`call()`, made again after a jittered pause while it fails transiently; `Unavailable` when
    it still does after ATTEMPTS tries. Anything else it raises passes through at once."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:
            reason = _transient(exc)
            if reason is None:
                raise
            from chalicelib.observability import logger

            logger.warning("DynamoDB call failed", extra={"doing": doing, "attempt": attempt, "reason": reason})
            if attempt == ATTEMPTS:
                raise Unavailable(
                    f"the database was busy: could not {doing} in {ATTEMPTS} tries ({reason}); try again"
                ) from exc
            clock.sleep(_backoff(attempt))
            attempt += 1


def _backoff(attempt: int) -> float:
    """The pause after failed try `attempt`: random, up to a bound that doubles with each try."""
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)))


def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def to_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    ser = _serializer()
    return {k: ser.serialize(v) for k, v in item.items() if v is not None}


def from_wire(raw: Mapping[str, Any]) -> Item:
    des = _deserializer()
    return {k: plain(des.deserialize(v)) for k, v in raw.items()}


def plain(value: Any) -> Any:
    """A deserialised DynamoDB value as ours are: numbers come back as Decimal, ours are whole
    numbers (money is stored as text)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Write:
    """One item of a transaction, and the domain error to raise when its condition fails."""

    op: dict[str, Any]
    on_condition_failed: Callable[[Item | None], DomainError] | None = None


def put(
    table: str,
    item: Item,
    *,
    condition: str | None = None,
    values: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
    on_condition_failed: Callable[[Item | None], DomainError] | None = None,
) -> Write:
    op: dict[str, Any] = {"TableName": table, "Item": to_wire(item)}
    if condition:
        op["ConditionExpression"] = condition
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if values:
        op["ExpressionAttributeValues"] = to_wire(values)
    if names:
        op["ExpressionAttributeNames"] = dict(names)
    return Write({"Put": op}, on_condition_failed)


class Table:
    """The single OMS table."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or aws.table_name("orders")

    @property
    def client(self) -> Any:
        return aws.client("dynamodb")

    def get(self, key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
        raw = retrying(
            lambda: self.client.get_item(TableName=self.name, Key=to_wire(key), ConsistentRead=consistent),
            doing="read an item",
        )
        return from_wire(raw["Item"]) if "Item" in raw else None

    def batch_get(self, keys: Sequence[Mapping[str, str]]) -> list[Item]:
        """The items under `keys` that exist, in one BatchGetItem per 100 keys (more only for what
        DynamoDB left unprocessed, which it does when throttled: those wait as a retry does)."""
        found: list[Item] = []
        for chunk in chunks(keys, 100):
            request: dict[str, Any] = {self.name: {"Keys": [to_wire(k) for k in chunk]}}
            for attempt in range(1, ATTEMPTS + 1):
                answer = retrying(partial(self.client.batch_get_item, RequestItems=request), doing="read items")
                found.extend(from_wire(raw) for raw in answer.get("Responses", {}).get(self.name, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                if attempt == ATTEMPTS:
                    raise Unavailable("the database kept some items back (throttled); try again")
                clock.sleep(_backoff(attempt))
        return found

    def partition(self, pk: str) -> list[Item]:
        """Every item under one partition key: one Query (more only past 1 MB)."""
        items: list[Item] = []
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        while True:
            page = retrying(lambda: self.client.query(**kwargs), doing="read a partition")
            items.extend(from_wire(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def query_index(
        self,
        index: str,
        pk_value: str,
        *,
        limit: int,
        cursor: str | None,
        newest_first: bool,
        sk_between: tuple[str, str] | None = None,
        sk_before: str | None = None,
        filter_status: str | None = None,
    ) -> tuple[list[Item], str | None]:
        """One page of a GSI partition: one Query."""
        pk_attr, sk_attr = f"{index}PK", f"{index}SK"
        condition = "#pk = :pk"
        names = {"#pk": pk_attr}
        values: dict[str, Any] = {":pk": pk_value}
        if sk_between:
            condition += " AND #sk BETWEEN :lo AND :hi"
            names["#sk"] = sk_attr
            values.update({":lo": sk_between[0], ":hi": sk_between[1]})
        elif sk_before:
            condition += " AND #sk < :hi"
            names["#sk"] = sk_attr
            values[":hi"] = sk_before
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        if filter_status:
            kwargs["FilterExpression"] = "#st = :st"
            names["#st"] = "status"
            values[":st"] = filter_status
        kwargs["ExpressionAttributeValues"] = to_wire(values)
        if cursor:

            def within(key: dict[str, str]) -> bool:
                sk = key[sk_attr]
                return (
                    key[pk_attr] == pk_value
                    and (sk_between is None or sk_between[0] <= sk <= sk_between[1])
                    and (sk_before is None or sk < sk_before)
                )

            kwargs["ExclusiveStartKey"] = decode_cursor(cursor, shape={"PK", "SK", pk_attr, sk_attr}, within=within)
        page = retrying(lambda: self.client.query(**kwargs), doing="read an index")
        items = [from_wire(i) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return items, encode_cursor(last) if last else None

    def due(self, partitions: Sequence[str], now: str) -> Iterator[Item]:
        """Every item of these sparse GSI3 partitions (shards) whose sort key, a time first, is up."""
        for partition in partitions:
            cursor: str | None = None
            while True:
                items, cursor = self.query_index(
                    "GSI3", partition, limit=100, cursor=cursor, newest_first=False, sk_before=now + "~"
                )
                yield from items
                if cursor is None:
                    break

    def transact(self, writes: Sequence[Write]) -> None:
        """All or nothing, in one round trip; a failed condition becomes its domain error."""
        if not writes:
            return
        if len(writes) > TRANSACTION_MAX_ITEMS:
            raise Invalid(f"a change may touch at most {TRANSACTION_MAX_ITEMS} items, this one touches {len(writes)}")
        items = [w.op for w in writes]
        # One token for every try: DynamoDB applies identical calls with the same token once (for
        # 10 minutes), so a retry after a timeout whose try did commit changes nothing.
        token = uuid.uuid4().hex

        def attempt() -> None:
            try:
                self.client.transact_write_items(TransactItems=items, ClientRequestToken=token)
            except self.client.exceptions.TransactionCanceledException as exc:
                reasons = exc.response.get("CancellationReasons", [])
                for write, reason in zip(writes, reasons, strict=False):
                    if reason.get("Code") == "ConditionalCheckFailed" and write.on_condition_failed:
                        old = from_wire(reason["Item"]) if reason.get("Item") else None
                        raise write.on_condition_failed(old) from None
                raise

        retrying(attempt, doing="write the change")

    def update(
        self,
        key: Mapping[str, str],
        expression: str,
        *,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """A single conditional update; False when the condition did not hold."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Key": to_wire(key), "UpdateExpression": expression}
        if condition:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = to_wire(values)
        try:
            retrying(lambda: self.client.update_item(**kwargs), doing="update an item")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put(self, item: Item) -> None:
        retrying(lambda: self.client.put_item(TableName=self.name, Item=to_wire(item)), doing="write an item")

    def delete(self, key: Mapping[str, str]) -> None:
        retrying(lambda: self.client.delete_item(TableName=self.name, Key=to_wire(key)), doing="delete an item")


def encode_cursor(key: Mapping[str, Any]) -> str:
    plain = from_wire(key)
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, shape: Set[str], within: Callable[[dict[str, str]], bool]) -> dict[str, Any]:
    """The ExclusiveStartKey a cursor names, if it could be one of this query's: exactly the key
    attributes of the table or index queried (`shape`), and a position inside the query (`within`:
    the partition, and the sort key range when there is one). DynamoDB answers anything else with
    a ValidationException, a 500.

    Bound to the query rather than signed: no key to keep, rotate or fetch on a cold start, and a
    forged cursor that passes is only a position in a partition the caller may read anyway (roles
    are checked before the query), so it reveals nothing a genuine page would not.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        plain = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(plain, dict) or set(plain) != shape or not all(isinstance(v, str) for v in plain.values()):
            raise ValueError("not a key of this query")
        if not within(plain):
            raise ValueError("not a position in this query")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "cursor is not one this API gave out for this query",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid"}],
        ) from None
    return to_wire(plain)


def chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
