"""Returns through HTTP: approved or declined by the live policy, received at any location it allows
(restocked there, or not), refunded when the policy says, to the cent; an approved return that never
arrives expires on the timers' due-index."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from tests.conftest import ManualClock, bearer, issue_token, post, put
from tests.functional.test_fulfilment_events import AMS, UTR, stock
from tests.functional.test_order_money import eur
from tests.functional.test_returns_quote import DC, delivered
from tests.functional.test_workflow_timers import fire

pytestmark = pytest.mark.usefixtures("demo")
SKU = "TEE-WHITE-M"


def ask(client: Any, headers: dict[str, str], order_id: str, lines: list[tuple[str, int, str]], **where: Any) -> Any:
    body = {"lines": [{"lineId": i, "quantity": q, "reason": r} for i, q, r in lines], **where}
    return post(client, f"/orders/{order_id}/returns", body, headers)


def asked(client: Any, headers: dict[str, str], order_id: str, lines: list[tuple[str, int, str]], to: str = DC) -> Any:
    answer = ask(client, headers, order_id, lines, returnTo={"locationId": to})
    assert answer.status_code == 201, answer.body
    return json.loads(answer.body)


def event(client: Any, headers: dict[str, str], return_id: str, type_: str, **extra: Any) -> dict[str, Any]:
    answer = post(client, f"/returns/{return_id}/events", {"type": type_, **extra}, headers)
    assert answer.status_code == 200, answer.body
    got: dict[str, Any] = json.loads(answer.body)
    return got


def order(client: Any, admin: dict[str, str], order_id: str) -> dict[str, Any]:
    got: dict[str, Any] = json.loads(client.http.get(f"/orders/{order_id}", headers=admin).body)
    return got


def refunds(client: Any, admin: dict[str, str], order_id: str) -> list[str]:
    return [r["amount"]["amount"] for r in order(client, admin, order_id)["refunds"]]


def policy(client: Any, admin: dict[str, str], **section: Any) -> None:
    saved = put(client, "/config/returns", section, admin)
    assert saved.status_code == 200, saved.body


def test_approved_then_received_at_the_dc_restocks_it_there_and_refunds_on_receipt(client, admin):
    got = delivered(client, admin)
    before = stock(client, SKU, admin)[DC]
    ret = asked(client, admin, got["orderId"], [("1", 1, "changed_mind")])
    assert (ret["status"], ret["category"], ret["workflow"], ret["authorized"]) == (
        "approved",
        "in_progress",
        "return-standard",
        True,
    )
    assert ret["quote"]["total"] == eur("14.32")
    assert [t["event"] for t in ret["timers"]] == ["expire"]
    assert order(client, admin, got["orderId"])["lines"][0]["ledger"]["returnRequested"] == 1

    dc = bearer(issue_token(f"dc:{DC}"))
    queue = json.loads(client.http.get("/returns", headers=dc).body)["items"]
    assert [r["returnId"] for r in queue] == [ret["returnId"]]
    received = event(client, dc, ret["returnId"], "receive", lines=[{"lineId": "1", "quantity": 1}])
    assert (received["status"], received["timers"], received["allowedEvents"]) == ("received", [], ["inspect"])
    assert stock(client, SKU, admin)[DC]["onHand"] == before["onHand"] + 1
    after = order(client, admin, got["orderId"])
    ledger = after["lines"][0]["ledger"]
    assert (ledger["returnRequested"], ledger["returned"]) == (0, 1)
    assert refunds(client, admin, got["orderId"]) == ["14.32"]
    assert {"ReturnAuthorized", "ReturnReceived", "RefundRequested"} <= {h["type"] for h in after["history"]}

    done = event(client, dc, ret["returnId"], "inspect")
    assert (done["status"], done["category"]) == ("completed", "done")
    assert refunds(client, admin, got["orderId"]) == ["14.32"]  # refunded once


def test_declined_outside_the_window_with_its_reason_and_nothing_expected_back(client, admin, clock: ManualClock):
    got = delivered(client, admin)
    clock.advance(31 * 24 * 3600)
    ret = asked(client, admin, got["orderId"], [("1", 1, "changed_mind")])
    assert (ret["status"], ret["category"], ret["authorized"]) == ("declined", "rejected", False)
    assert "the return window of 30 days" in ret["reasons"][0]
    assert order(client, admin, got["orderId"])["lines"][0]["ledger"]["returnRequested"] == 0
    dc = bearer(issue_token(f"dc:{DC}"))
    refused = post(client, f"/returns/{ret['returnId']}/events", {"type": "receive"}, dc)
    assert refused.status_code == 409


def test_received_at_another_store_adds_to_that_stores_stock_and_damaged_units_to_none(client, admin):
    got = delivered(client, admin)
    before = stock(client, SKU, admin)
    ret = asked(client, admin, got["orderId"], [("1", 2, "changed_mind")])
    utrecht = bearer(issue_token(f"store:{UTR}"))
    lines = [
        {"lineId": "1", "quantity": 1, "disposition": "restock"},
        {"lineId": "1", "quantity": 1, "disposition": "damaged"},
    ]
    received = event(client, utrecht, ret["returnId"], "receive", lines=lines)
    assert received["receivedAt"] == {"locationId": UTR}
    assert received["lines"][0]["dispositions"] == {"restock": 1, "damaged": 1}
    after = stock(client, SKU, admin)
    assert after[UTR]["onHand"] == before[UTR]["onHand"] + 1  # the damaged one is not for sale
    assert after[DC]["onHand"] == before[DC]["onHand"]
    utrecht_queue = json.loads(client.http.get("/returns?status=received", headers=utrecht).body)["items"]
    assert [r["returnId"] for r in utrecht_queue] == [ret["returnId"]]


def test_two_partial_returns_of_a_discounted_line_refund_exactly_what_was_paid(client, admin):
    policy(client, admin, restockingFee="1.00", returnShippingFee="2.50", refundTiming="on_inspection")
    got = delivered(client, admin)
    dc = bearer(issue_token(f"dc:{DC}"))
    totals: list[str] = []
    for _ in range(2):
        ret = asked(client, admin, got["orderId"], [("1", 1, "defective")])
        event(client, dc, ret["returnId"], "receive")
        assert refunds(client, admin, got["orderId"]) == totals  # not on receipt: on inspection
        event(client, dc, ret["returnId"], "inspect")
        totals = refunds(client, admin, got["orderId"])
    assert totals == ["14.32", "14.32"]  # the merchant's fault: no fees; the line paid 28.64
    line = order(client, admin, got["orderId"])["lines"][0]
    assert line["status"] == "returned"
    assert ask(client, admin, got["orderId"], [("1", 1, "defective")], returnTo={"locationId": DC}).status_code == 201
    assert refunds(client, admin, got["orderId"]) == totals  # a third unit is declined, refunds nothing


def test_a_walk_in_return_at_a_store_counter_is_received_at_once_and_refunded_on_request(client, admin):
    policy(client, admin, refundTiming="on_request", returnShippingFee="2.50")
    got = delivered(client, admin)
    before = stock(client, SKU, admin)[AMS]
    store = bearer(issue_token(f"store:{AMS}"))
    body = {"lines": [{"lineId": "1", "quantity": 1, "reason": "changed_mind"}], "receivedAt": {"locationId": AMS}}
    answer = post(client, f"/orders/{got['orderId']}/returns", body, store)
    assert answer.status_code == 201, answer.body
    ret = json.loads(answer.body)
    assert (ret["status"], ret["timers"]) == ("received", [])
    assert stock(client, SKU, admin)[AMS]["onHand"] == before["onHand"] + 1
    assert refunds(client, admin, got["orderId"]) == ["11.82"]  # 14.32 less the return shipping fee


def test_an_approved_return_that_never_arrives_expires_and_its_units_are_released(client, admin, clock: ManualClock):
    policy(client, admin, approvedExpiry="P14D")
    got = delivered(client, admin)
    ret = asked(client, admin, got["orderId"], [("1", 2, "changed_mind")])
    fire(clock, 14 * 24 * 3600 - 60)  # not yet
    assert json.loads(client.http.get(f"/returns/{ret['returnId']}", headers=admin).body)["status"] == "approved"
    fire(clock, 120)
    expired = json.loads(client.http.get(f"/returns/{ret['returnId']}", headers=admin).body)
    assert (expired["status"], expired["category"], expired["timers"]) == ("expired", "cancelled", [])
    assert order(client, admin, got["orderId"])["lines"][0]["ledger"]["returnRequested"] == 0
    assert asked(client, admin, got["orderId"], [("1", 2, "changed_mind")])["status"] == "approved"  # free again


def test_a_late_expiry_timer_of_a_return_that_moved_on_is_ignored(client, admin, clock: ManualClock):
    got = delivered(client, admin)
    ret = asked(client, admin, got["orderId"], [("1", 1, "changed_mind")])
    shipped = event(client, admin, ret["returnId"], "ship", tracking={"carrier": "PostNL", "code": "3SRET1"})
    assert (shipped["status"], shipped["timers"]) == ("in_transit", [])
    stale = {"name": "approved_expiry", "due": shipped["updatedAt"], "event": "expire", "state": "approved", "entry": 1}
    table = Table()
    key = keys.return_key(got["orderId"], ret["returnId"])
    item = table.get(key, consistent=True)
    assert item is not None
    table.put({**item, "timers": [stale], **keys.TIMERS.index(ret["returnId"], stale["due"])})
    fire(clock, 60)
    after = json.loads(client.http.get(f"/returns/{ret['returnId']}", headers=admin).body)
    assert (after["status"], after["timers"]) == ("in_transit", [])
    assert order(client, admin, got["orderId"])["lines"][0]["ledger"]["returnRequested"] == 1


def test_a_return_workflow_changed_by_configuration_pins_new_returns_only(client, admin):
    got = delivered(client, admin)
    old = asked(client, admin, got["orderId"], [("1", 1, "changed_mind")])
    section = json.loads(client.http.get("/config/workflows", headers=admin).body)["body"]
    standard = next(d for d in section["definitions"] if d["id"] == "return-standard")
    checked = json.loads(json.dumps(standard))
    checked["id"] = "return-quality-check"
    checked["states"].append({"name": "quality_check", "category": "in_progress"})
    for t in checked["transitions"]:
        if t["on"] == "inspect":
            t["to"] = "quality_check"
    checked["transitions"].append({"from": ["quality_check"], "on": "approve_quality", "to": "inspected"})
    section["definitions"].append(checked)
    section["bindings"].insert(0, {"entity": "return", "match": {"channel": got["channel"]}, "workflow": checked["id"]})
    saved = put(client, "/config/workflows", section, admin)
    assert saved.status_code == 200, saved.body

    new = asked(client, admin, got["orderId"], [("1", 1, "changed_mind")])
    assert (old["workflow"], new["workflow"]) == ("return-standard", "return-quality-check")
    for ret, expected in ((old, "completed"), (new, "quality_check")):
        event(client, admin, ret["returnId"], "receive", locationId=DC)
        assert event(client, admin, ret["returnId"], "inspect")["status"] == expected
    assert event(client, admin, new["returnId"], "approve_quality")["status"] == "completed"


def test_a_return_and_its_event_cost_one_read_and_one_transaction_each(client, admin, clock: ManualClock):
    from tests.roundtrips import counting

    ids = [delivered(client, admin)["orderId"] for _ in range(2)]
    asked(client, admin, ids[0], [("1", 1, "changed_mind")])  # warm: the policy and workflows are cached
    with counting() as trips:
        ret = asked(client, admin, ids[1], [("1", 1, "changed_mind")])
    assert trips.by_operation() == {"Query": 1, "TransactWriteItems": 1}, trips.describe()
    with counting() as trips:
        event(client, admin, ret["returnId"], "receive")
    assert trips.by_operation() == {"Query": 1, "TransactWriteItems": 1}, trips.describe()


def test_the_rest_of_a_partly_received_return_is_presumed_missing_when_it_does_not_follow(
    client, admin, clock: ManualClock
):
    policy(client, admin, approvedExpiry="P14D")
    got = delivered(client, admin)
    ret = asked(client, admin, got["orderId"], [("1", 2, "changed_mind")])
    dc = bearer(issue_token(f"dc:{DC}"))
    one = [{"lineId": "1", "quantity": 1, "disposition": "restock"}]
    partly = event(client, dc, ret["returnId"], "receive", lines=one)
    assert partly["status"] == "partially_received"
    assert {t["name"]: t["event"] for t in partly["timers"]}["rest_missing"] == "receive"
    assert refunds(client, admin, got["orderId"]) == ["14.32"]  # the unit that came back

    fire(clock, 14 * 24 * 3600 - 60)
    assert (
        json.loads(client.http.get(f"/returns/{ret['returnId']}", headers=admin).body)["status"] == "partially_received"
    )
    fire(clock, 120)
    closed = json.loads(client.http.get(f"/returns/{ret['returnId']}", headers=admin).body)
    assert (closed["status"], closed["timers"]) == ("received", [])
    assert closed["lines"][0]["dispositions"] == {"restock": 1, "missing": 1}
    assert refunds(client, admin, got["orderId"]) == ["14.32"]  # nothing for the unit that never came
    assert order(client, admin, got["orderId"])["lines"][0]["ledger"]["returnRequested"] == 0
