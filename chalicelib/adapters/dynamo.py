"""DynamoDB access: typed items in and out, one transaction per change, errors made domain errors."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.adapters import aws
from chalicelib.domain.errors import BadRequest, DomainError, Invalid

Item = dict[str, Any]
BATCH_GET_MAX = 100  # keys per BatchGetItem call, DynamoDB's limit


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
    return {k: _plain(des.deserialize(v)) for k, v in raw.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; ours are whole numbers (money is stored as text)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
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
        raw = self.client.get_item(TableName=self.name, Key=to_wire(key), ConsistentRead=consistent)
        return from_wire(raw["Item"]) if "Item" in raw else None

    def get_many(self, wanted: Sequence[Mapping[str, str]]) -> list[Item]:
        """The items of these keys that exist, in any order: BatchGetItem takes 100 keys a call, and
        answers what it could not read now as UnprocessedKeys, asked again after a short wait."""
        found: list[Item] = []
        for batch in chunks(list(wanted), BATCH_GET_MAX):
            request: dict[str, Any] = {self.name: {"Keys": [to_wire(k) for k in batch]}}
            for attempt in itertools.count():
                answer = self.client.batch_get_item(RequestItems=request)
                found.extend(from_wire(i) for i in answer.get("Responses", {}).get(self.name, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
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
            page = self.client.query(**kwargs)
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
        page = self.client.query(**kwargs)
        items = [from_wire(i) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return items, encode_cursor(last) if last else None

    def transact(self, writes: Sequence[Write]) -> None:
        """All or nothing, in one round trip; a failed condition becomes its domain error."""
        if not writes:
            return
        if len(writes) > 100:
            raise Invalid(f"a change may touch at most 100 items, this one touches {len(writes)}")
        try:
            # The token makes botocore's own retries of this call (after a timeout, say) idempotent.
            self.client.transact_write_items(TransactItems=[w.op for w in writes], ClientRequestToken=uuid.uuid4().hex)
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            for write, reason in zip(writes, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed" and write.on_condition_failed:
                    old = from_wire(reason["Item"]) if reason.get("Item") else None
                    raise write.on_condition_failed(old) from None
            raise

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
            self.client.update_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put(self, item: Item) -> None:
        self.client.put_item(TableName=self.name, Item=to_wire(item))


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
