"""Order edits before shipping (`POST /orders/{id}/edits`): a preview writes nothing; applied, only
what changed is sourced again, removed units are refunded to the cent, and shipped goods refuse it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import bearer, issue_token, order_body, post
from tests.functional.test_fulfilment_events import AMS, DC, place, read, step, stock
from tests.functional.test_order_money import eur
from tests.roundtrips import counting

pytestmark = pytest.mark.usefixtures("demo")
ROTTERDAM = {
    "method": "home_delivery",
    "address": {"line1": "Coolsingel 40", "postalCode": "3011 AD", "city": "Rotterdam", "country": "NL"},
}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def edit(client: Any, headers: dict[str, str], order: dict[str, Any], body: dict[str, Any], **query: str) -> Any:
    path = f"/orders/{order['orderId']}/edits" + "".join(f"?{k}={v}" for k, v in query.items())
    return post(client, path, body, {**headers, "If-Match": str(order["version"])})


def edited(client: Any, headers: dict[str, str], order: dict[str, Any], body: dict[str, Any], **query: str) -> Any:
    answer = edit(client, headers, order, body, **query)
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)


def shipped(client: Any, fo_id: str, location: str = DC) -> None:
    by = bearer(issue_token(f"dc:{location}" if location == DC else f"store:{location}"))
    for event in ("accept", "pick", "ship"):
        step(client, fo_id, by, event)


def test_an_edit_preview_writes_nothing(client, admin):
    order = place(client, admin, order_body())
    before = stock(client, "CAP-NAVY", admin)
    body = {
        "delivery": ROTTERDAM,
        "addLines": [{"lineId": "3", "sku": "CAP-NAVY", "quantity": 1, "unitPrice": eur("12.50")}],
        "removeLines": ["2"],
    }
    with counting() as trips:
        preview = edited(client, admin, order, body, preview="true")
    assert not WRITES & set(trips.calls), trips.describe()
    assert preview["edit"]["preview"] is True
    assert preview["edit"]["priceDifference"] == eur("-7.50")  # 12.50 added, 20.00 refunded
    assert preview["edit"]["amountDue"] == eur("12.50")
    assert preview["edit"]["resourced"] == [{"lineId": "1", "quantity": 2}]
    new_fos = [
        fo for fo in preview["fulfilmentOrders"] if fo["fulfilmentOrderId"] in preview["edit"]["fulfilmentOrders"]
    ]
    assert {fo["destination"]["address"]["city"] for fo in new_fos} == {"Rotterdam"}
    assert read(client, order["orderId"], admin) == order
    assert stock(client, "CAP-NAVY", admin) == before


def test_an_address_change_resources_only_the_unshipped_fulfilment_order(client, admin):
    body = order_body()
    body["lines"][1]["shipFrom"] = AMS
    order = place(client, admin, body)
    by_location = {fo["locationId"]: fo for fo in order["fulfilmentOrders"]}
    shipped(client, by_location[DC]["fulfilmentOrderId"])
    order = read(client, order["orderId"], admin)

    after = edited(client, admin, order, {"delivery": ROTTERDAM})
    assert after["edit"]["resourced"] == [{"lineId": "2", "quantity": 1}]
    fos = {fo["fulfilmentOrderId"]: fo for fo in after["fulfilmentOrders"]}
    assert fos[by_location[DC]["fulfilmentOrderId"]]["status"] == "shipped"
    assert fos[by_location[DC]["fulfilmentOrderId"]]["destination"]["address"]["city"] == "Amsterdam"
    assert fos[by_location[AMS]["fulfilmentOrderId"]]["status"] == "cancelled"
    [new] = [fos[f] for f in after["edit"]["fulfilmentOrders"]]
    assert (new["locationId"], new["destination"]["address"]["city"]) == (AMS, "Rotterdam")
    assert after["delivery"] == ROTTERDAM
    assert after["version"] == order["version"] + 1
    assert after["history"][-3:][0]["type"] == "OrderEdited"
    assert stock(client, "CAP-NAVY", admin)[AMS]["reserved"] == 1  # given back and reserved again
    assert read(client, order["orderId"], admin) == {k: v for k, v in after.items() if k != "edit"}


def test_adding_a_line_sources_it_and_its_price_is_due(client, admin):
    order = place(client, admin, order_body())
    reserved = stock(client, "JEANS-SLIM-32", admin)[DC]["reserved"]
    line = {
        "lineId": "3",
        "sku": "JEANS-SLIM-32",
        "quantity": 2,
        "unitPrice": eur("49.95"),
        "discounts": [{"amount": eur("9.90")}],
    }
    after = edited(client, admin, order, {"addLines": [line]})
    added = after["lines"][2]
    assert (added["status"], added["ledger"]["paid"], added["ledger"]["orderDiscount"]) == (
        "allocated",
        eur("90.00"),
        eur("0.00"),
    )
    assert after["amountDue"] == eur("90.00")
    assert after["edit"]["priceDifference"] == eur("90.00")
    assert after["total"] == eur("149.90")
    assert stock(client, "JEANS-SLIM-32", admin)[DC]["reserved"] == reserved + 2
    assert after["edit"]["resourced"] == []


def test_removing_a_paid_line_refunds_it_to_the_cent(client, admin):
    # 10.00 off the order spreads 6.66 / 3.34 over 39.90 and 20.00: line 2 was paid 16.66.
    body = order_body(discounts=[{"amount": eur("10.00")}], payment={"status": "paid", "amount": eur("49.90")})
    order = place(client, admin, body)
    after = edited(client, admin, order, {"removeLines": ["2"], "changeLines": [{"lineId": "1", "quantity": 1}]})
    # ... and line 1 33.24 for 2: its first unit refunds 16.62.
    assert [r["amount"] for r in after["refunds"]] == [eur("33.28")]
    assert [ln["ledger"]["refunded"] for ln in after["lines"]] == [eur("16.62"), eur("16.66")]
    assert after["lines"][1]["status"] == "cancelled"
    assert after["edit"]["priceDifference"] == eur("-33.28")
    assert "amountDue" not in after  # nothing added: nothing owed


def test_an_edit_after_shipping_is_409_and_changes_nothing(client, admin):
    order = place(client, admin, order_body())
    [fo] = order["fulfilmentOrders"]
    shipped(client, fo["fulfilmentOrderId"])
    order = read(client, order["orderId"], admin)
    before = stock(client, "TEE-WHITE-M", admin)
    for body in ({"removeLines": ["2"]}, {"delivery": ROTTERDAM}, {"changeLines": [{"lineId": "1", "quantity": 3}]}):
        refused = edit(client, admin, order, body)
        assert refused.status_code == 409, refused.body
        assert json.loads(refused.body)["lines"]
    assert json.loads(edit(client, admin, order, {"delivery": ROTTERDAM}).body)["lines"] == ["1", "2"]
    assert read(client, order["orderId"], admin) == order
    assert stock(client, "TEE-WHITE-M", admin) == before


def test_a_stale_if_match_is_412_and_changes_nothing(client, admin):
    order = place(client, admin, order_body())
    edited(client, admin, order, {"removeLines": ["2"]})
    now = read(client, order["orderId"], admin)
    stale = edit(client, admin, order, {"delivery": ROTTERDAM})
    assert stale.status_code == 412
    assert json.loads(stale.body)["currentVersion"] == now["version"]
    assert read(client, order["orderId"], admin) == now


def test_a_malformed_edit_is_422_naming_what_is_wrong(client, admin):
    order = place(client, admin, order_body())
    for body, loc in (
        ({}, ["body"]),
        (
            {"addLines": [{"lineId": "1", "sku": "CAP-NAVY", "quantity": 1, "unitPrice": eur("1.00")}]},
            ["addLines", 0, "lineId"],
        ),
        ({"removeLines": ["2"], "changeLines": [{"lineId": "2", "quantity": 2}]}, ["lineId"]),
    ):
        answer = edit(client, admin, order, body)
        assert answer.status_code == 422, answer.body
        assert loc in [e["loc"] for e in json.loads(answer.body)["errors"]]
    assert read(client, order["orderId"], admin) == order
