"""Refunds paid out through HTTP: the payment side answers a webshop refund (once; failed three
times it is customer service's), a marketplace refunds its own customers (the OMS never pays them),
a till and store credit pay at once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.bootstrap import bootstrap
from chalicelib.contracts.events import parse_detail
from chalicelib.service.channel_updates import status_update
from tests.conftest import bearer, issue_token, order_body, post, put, unique
from tests.functional.test_fulfilment_events import AMS
from tests.functional.test_order_money import eur
from tests.functional.test_returns import order, policy
from tests.functional.test_returns_quote import delivered

pytestmark = pytest.mark.usefixtures("demo")
CANCEL = {"lines": [{"lineId": "2", "quantity": 1}], "reason": "customer changed mind"}


def cancelled(client: Any, admin: dict[str, str], **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A paid order with its cap cancelled: the order as answered and its one refund."""
    created = post(client, "/orders", order_body(**overrides), admin)
    assert created.status_code == 201, created.body
    answer = post(client, f"/orders/{json.loads(created.body)['orderId']}/cancellations", CANCEL, admin)
    assert answer.status_code == 200, answer.body
    got: dict[str, Any] = json.loads(answer.body)
    [refund] = got["refunds"]
    return got, refund


def answer(client: Any, refund_id: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return post(client, f"/refunds/{refund_id}/events", body, headers)


def history(got: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    """The details of the order's events of `type_`, each checked against its published contract."""
    found = [h["detail"] for h in got["history"] if h["type"] == type_]
    for detail in found:
        published(got, type_, detail)
    return found


def published(got: dict[str, Any], type_: str, detail: dict[str, Any]) -> Any:
    stamp = {"eventId": "e", "orderId": got["orderId"], "version": 1, "occurredAt": "t", "actor": "a"}
    return parse_detail(type_, {**stamp, **detail})


def test_a_webshop_refund_waits_for_the_payment_side_and_is_paid_once(client, admin):
    got, refund = cancelled(client, admin)
    assert refund["refundId"] == f"ref_{got['orderId'].removeprefix('ord_')}_1"  # names its order
    assert (refund["executor"], refund["status"], refund["attempts"]) == ("payment", "requested", 1)
    [requested] = history(got, "RefundRequested")
    assert (requested["executor"], requested["attempt"], requested["channel"]) == ("payment", 1, "webshop")
    assert got["refundsPaid"] == eur("0.00")
    ops = bearer(issue_token("ops"))

    paid = answer(client, refund["refundId"], {"type": "succeeded", "reference": "psp-re-1"}, ops)
    assert paid.status_code == 200, paid.body
    after = json.loads(paid.body)
    [done] = after["refunds"]
    assert (done["status"], done["reference"], done["attempts"]) == ("succeeded", "psp-re-1", 1)
    assert after["refundsPaid"] == eur("20.00") == done["amount"]
    [succeeded] = history(after, "RefundSucceeded")
    assert succeeded == {
        "refundId": refund["refundId"],
        "amount": eur("20.00"),
        "executor": "payment",
        "reference": "psp-re-1",
        "channel": "webshop",
    }

    again = answer(client, refund["refundId"], {"type": "succeeded", "reference": "psp-re-2"}, ops)
    assert again.status_code == 409, again.body
    assert order(client, admin, got["orderId"])["refundsPaid"] == eur("20.00")  # never paid twice


def test_a_refund_answer_on_a_stale_order_version_gets_412_and_changes_nothing(client, admin):
    got, refund = cancelled(client, admin)
    ops = bearer(issue_token("ops"))
    succeeded = {"type": "succeeded", "reference": "psp-v"}
    stale = answer(client, refund["refundId"], succeeded, {**ops, "If-Match": str(got["version"] - 1)})
    assert stale.status_code == 412, stale.body
    assert json.loads(stale.body)["currentVersion"] == got["version"]
    assert order(client, admin, got["orderId"]) == got  # not paid, nothing recorded
    paid = answer(client, refund["refundId"], succeeded, {**ops, "If-Match": str(got["version"])})
    assert paid.status_code == 200, paid.body
    assert json.loads(paid.body)["refundsPaid"] == refund["amount"]


def test_a_refund_failed_three_times_is_a_task_for_customer_service(client, admin):
    got, refund = cancelled(client, admin)
    cs = bearer(issue_token("cs"))
    for attempt in (1, 2, 3):
        failed = answer(client, refund["refundId"], {"type": "failed", "reason": f"card expired {attempt}"}, cs)
        assert failed.status_code == 200, failed.body
    after = json.loads(failed.body)
    [gone] = after["refunds"]
    assert (gone["status"], gone["attempts"], gone["failure"]) == ("failed", 3, "card expired 3")
    assert [r["attempt"] for r in history(after, "RefundRequested")] == [1, 2, 3]  # asked again each time
    [created] = history(after, "TaskCreated")
    assert (created["team"], created["kind"]) == ("customer-service", "refund-failed")
    assert "customer changed mind" in created["reason"] and "card expired 3" in created["reason"]
    task = json.loads(client.http.get(f"/tasks/{created['taskId']}", headers=admin).body)
    assert (task["team"], task["kind"], task["orderId"]) == ("customer-service", "refund-failed", got["orderId"])
    assert answer(client, refund["refundId"], {"type": "failed"}, cs).status_code == 409  # nothing to retry
    assert after["refundsPaid"] == eur("0.00")
    wrong = post(client, f"/tasks/{created['taskId']}/events", {"type": "complete", "outcome": "cancel"}, cs)
    assert wrong.status_code == 422 and "paid_by_hand, store_credit" in wrong.body.decode()

    done = post(client, f"/tasks/{created['taskId']}/events", {"type": "complete", "outcome": "store_credit"}, cs)
    assert done.status_code == 200, done.body
    settled = order(client, admin, got["orderId"])
    [credited] = settled["refunds"]
    assert (credited["status"], credited["executor"], credited["reference"]) == (
        "succeeded",
        "store_credit",
        f"credit_{refund['refundId'].removeprefix('ref_')}",
    )
    assert settled["refundsPaid"] == refund["amount"]
    assert [e["executor"] for e in history(settled, "RefundSucceeded")] == ["store_credit"]


def test_a_marketplace_orders_refund_is_never_paid_by_the_oms(client, admin):
    bol = unique("bol")
    registered = put(client, f"/channels/{bol}", {"type": "bol", "name": "bol.com"}, admin)
    assert registered.status_code in (200, 201), registered.body
    got, refund = cancelled(client, admin, channel=bol)
    assert (refund["executor"], refund["status"]) == ("channel", "refunded_by_channel")
    [requested] = history(got, "RefundRequested")
    assert (requested["executor"], requested["channel"]) == ("channel", bol)  # nobody pays it
    assert history(got, "RefundSucceeded") == []
    paid = answer(client, refund["refundId"], {"type": "succeeded", "reference": "psp-x"}, admin)
    assert paid.status_code == 409, paid.body
    assert order(client, admin, got["orderId"])["refundsPaid"] == eur("0.00")


@pytest.mark.parametrize(("method", "reference"), [("till", None), ("store_credit", "credit_")])
def test_a_walk_in_return_at_a_store_counter_is_paid_at_once(client, admin, method, reference):
    policy(client, admin, refundTiming="on_request")
    got = delivered(client, admin)
    body = {
        "lines": [{"lineId": "1", "quantity": 1, "reason": "changed_mind"}],
        "receivedAt": {"locationId": AMS},
        "refundMethod": method,
    }
    returned = post(client, f"/orders/{got['orderId']}/returns", body, bearer(issue_token(f"store:{AMS}")))
    assert returned.status_code == 201, returned.body
    after = order(client, admin, got["orderId"])
    [refund] = after["refunds"]
    assert (refund["executor"], refund["status"]) == (method, "succeeded")
    assert (refund.get("reference") or "").startswith(reference or "") and bool(refund.get("reference")) == bool(
        reference
    )
    [succeeded] = history(after, "RefundSucceeded")
    assert (succeeded["executor"], succeeded["amount"]) == (method, refund["amount"])
    assert after["refundsPaid"] == refund["amount"]
    assert answer(client, refund["refundId"], {"type": "succeeded"}, admin).status_code == 409


def test_an_unknown_or_old_refund_id_is_a_404(client, admin):
    assert answer(client, "ref_01JDQ8A0B1C2D3E4F5G6H7J8K9", {"type": "succeeded"}, admin).status_code == 404
    _, refund = cancelled(client, admin)
    other = refund["refundId"].removesuffix("_1") + "_9"
    assert answer(client, other, {"type": "succeeded"}, admin).status_code == 404
    assert answer(client, refund["refundId"], {"type": "succeeded"}, bearer(issue_token("store:x"))).status_code == 403


def test_a_channel_is_told_of_a_refund_once_when_it_is_paid_not_per_request_or_retry(client, admin):
    shop = unique("shop")
    credentials = {"shopDomain": "snowdevil.myshopify.com", "accessToken": "shpat_0123456789abcdef"}
    registered = put(client, f"/channels/{shop}", {"type": "shopify", "credentials": credentials}, admin)
    assert registered.status_code in (200, 201), registered.body
    _, refund = cancelled(client, admin, channel=shop)
    answer(client, refund["refundId"], {"type": "failed", "reason": "timeout"}, admin)
    paid = answer(client, refund["refundId"], {"type": "succeeded", "reference": "psp-1"}, admin)
    after = json.loads(paid.body)
    requested = history(after, "RefundRequested")
    asked = [status_update(bootstrap(), published(after, "RefundRequested", d)) for d in requested]
    assert asked == [None, None]  # asked of the payment side, not paid yet: nothing to tell
    [succeeded] = history(after, "RefundSucceeded")
    told = status_update(bootstrap(), published(after, "RefundSucceeded", succeeded))
    assert told is not None
    assert (told.status, told.refundId, told.executor) == ("refunded", refund["refundId"], "payment")
    assert told.amount is not None and told.amount.amount == refund["amount"]["amount"]
