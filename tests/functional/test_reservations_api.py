"""Journey 13, reserve online and buy in the store of choice, through chalice.test.Client on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import ManualClock, bearer, issue_token, post, unique

pytestmark = pytest.mark.usefixtures("demo")

STORE = "store-ams-kalverstraat"  # infra/demo_network.json: 12 TEE-WHITE-M, 8 CAP-NAVY
OTHER_STORE = "store-utr-oudegracht"


def reservation_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "locationId": STORE,
        "lines": [{"sku": "TEE-WHITE-M", "quantity": 2}, {"sku": "CAP-NAVY", "quantity": 1}],
        "customer": {"id": unique("cust"), "email": "anna@example.com", "name": "Anna de Vries"},
    }
    body.update(overrides)
    return body


def sale(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "complete",
        "payment": {"status": "paid", "amount": {"amount": "59.90", "currency": "EUR"}},
        "lines": [
            {"sku": "TEE-WHITE-M", "unitPrice": {"amount": "19.95", "currency": "EUR"}},
            {"sku": "CAP-NAVY", "unitPrice": {"amount": "20.00", "currency": "EUR"}},
        ],
    }
    body.update(overrides)
    return body


def level(client: Any, headers: dict[str, str], sku: str, location: str = STORE) -> tuple[int, int]:
    """(onHand, reserved) of one SKU at one location."""
    items = json.loads(client.http.get(f"/inventory/{sku}", headers=headers).body)["items"]
    found = next(i for i in items if i["locationId"] == location)
    return found["onHand"], found["reserved"]


def reserve(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    created = post(client, "/reservations", reservation_body(**overrides), headers)
    assert created.status_code == 201, created.body
    reservation: dict[str, Any] = json.loads(created.body)
    return reservation


def test_reserve_holds_store_stock_and_reads_back(client, admin):
    before = level(client, admin, "TEE-WHITE-M")
    created = post(client, "/reservations", reservation_body(), admin)
    assert created.status_code == 201, created.body
    r = json.loads(created.body)
    assert created.headers["Location"] == f"/reservations/{r['reservationId']}"
    assert (r["status"], r["locationId"], r["version"]) == ("active", STORE, 1)
    assert r["lines"] == [{"sku": "TEE-WHITE-M", "quantity": 2}, {"sku": "CAP-NAVY", "quantity": 1}]
    placed = datetime.fromisoformat(r["createdAt"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(r["expiresAt"].replace("Z", "+00:00")) - placed == timedelta(hours=48)
    assert level(client, admin, "TEE-WHITE-M") == (before[0], before[1] + 2)

    read = client.http.get(f"/reservations/{r['reservationId']}", headers=admin)
    assert read.status_code == 200 and json.loads(read.body) == r
    store = bearer(issue_token(f"store:{STORE}"))
    listing = json.loads(client.http.get("/reservations", headers=store).body)
    assert r["reservationId"] in [i["reservationId"] for i in listing["items"]]
    none_done = json.loads(client.http.get(f"/reservations?locationId={STORE}&status=completed", headers=admin).body)
    assert none_done["items"] == []


def test_complete_at_the_till_makes_a_carry_out_order_without_counting_stock_twice(client, admin):
    tee, cap = level(client, admin, "TEE-WHITE-M"), level(client, admin, "CAP-NAVY")
    r = reserve(client, admin)
    store = bearer(issue_token(f"store:{STORE}"), **{"If-Match": str(r["version"])})
    done = post(client, f"/reservations/{r['reservationId']}/events", sale(), store)
    assert done.status_code == 200, done.body
    completed = json.loads(done.body)
    assert (completed["status"], completed["version"]) == ("completed", 2)

    order = json.loads(client.http.get(f"/orders/{completed['orderId']}", headers=admin).body)
    assert (order["status"], order["channel"], order["storeId"], order["externalId"]) == (
        "completed",
        "store",
        STORE,
        r["reservationId"],
    )
    assert [(ln["sku"], ln["quantity"], ln["status"]) for ln in order["lines"]] == [
        ("TEE-WHITE-M", 2, "collected"),
        ("CAP-NAVY", 1, "collected"),
    ]
    assert order["lines"][0]["delivery"] == {"method": "carry_out", "locationId": STORE}
    [fo] = order["fulfilmentOrders"]
    assert (fo["locationId"], fo["method"], fo["status"]) == (STORE, "carry_out", "collected")
    assert order["total"] == {"amount": "59.90", "currency": "EUR"}
    # Off the shelf once, and the hold is gone.
    assert level(client, admin, "TEE-WHITE-M") == (tee[0] - 2, tee[1])
    assert level(client, admin, "CAP-NAVY") == (cap[0] - 1, cap[1])

    again = post(client, f"/reservations/{r['reservationId']}/events", sale(), bearer(issue_token("admin")))
    assert again.status_code == 409
    assert level(client, admin, "TEE-WHITE-M") == (tee[0] - 2, tee[1])


def test_buying_fewer_than_reserved_puts_the_rest_back(client, admin):
    tee = level(client, admin, "TEE-WHITE-M")
    r = reserve(client, admin, lines=[{"sku": "TEE-WHITE-M", "quantity": 3}])
    body = sale(
        payment={"status": "paid", "amount": {"amount": "19.95", "currency": "EUR"}},
        lines=[{"sku": "TEE-WHITE-M", "quantity": 1, "unitPrice": {"amount": "19.95", "currency": "EUR"}}],
    )
    done = json.loads(post(client, f"/reservations/{r['reservationId']}/events", body, admin).body)
    order = json.loads(client.http.get(f"/orders/{done['orderId']}", headers=admin).body)
    assert [ln["quantity"] for ln in order["lines"]] == [1]
    assert level(client, admin, "TEE-WHITE-M") == (tee[0] - 1, tee[1])


def test_completing_needs_prices_for_every_reserved_sku(client, admin):
    r = reserve(client, admin)
    url = f"/reservations/{r['reservationId']}/events"
    assert post(client, url, {"type": "complete"}, admin).status_code == 422
    missing_cap = sale(lines=sale()["lines"][:1])
    assert post(client, url, missing_cap, admin).status_code == 422
    too_many = sale(lines=[{**sale()["lines"][0], "quantity": 3}, sale()["lines"][1]])
    assert post(client, url, too_many, admin).status_code == 422
    assert json.loads(client.http.get(f"/reservations/{r['reservationId']}", headers=admin).body)["status"] == "active"


def test_cancel_releases_the_hold_and_only_once(client, admin):
    before = level(client, admin, "TEE-WHITE-M")
    r = reserve(client, admin)
    url = f"/reservations/{r['reservationId']}/events"
    stale = post(client, url, {"type": "cancel"}, {**admin, "If-Match": "7"})
    assert stale.status_code == 412
    cancelled = post(client, url, {"type": "cancel", "reason": "changed mind"}, admin)
    assert cancelled.status_code == 200, cancelled.body
    assert json.loads(cancelled.body)["status"] == "cancelled"
    assert level(client, admin, "TEE-WHITE-M") == before
    assert post(client, url, {"type": "cancel"}, admin).status_code == 409
    assert post(client, url, sale(), admin).status_code == 409
    assert level(client, admin, "TEE-WHITE-M") == before


def test_reserving_more_than_available_is_409_and_changes_nothing(client, admin):
    tee, cap = level(client, admin, "TEE-WHITE-M"), level(client, admin, "CAP-NAVY")
    body = reservation_body(lines=[{"sku": "TEE-WHITE-M", "quantity": 1}, {"sku": "CAP-NAVY", "quantity": 500}])
    refused = post(client, "/reservations", body, admin)
    assert refused.status_code == 409
    assert json.loads(refused.body)["detail"] == f"not enough stock at {STORE} for CAP-NAVY"
    assert (level(client, admin, "TEE-WHITE-M"), level(client, admin, "CAP-NAVY")) == (tee, cap)
    active = json.loads(client.http.get(f"/reservations?locationId={STORE}", headers=admin).body)
    assert active["items"] == []


def test_only_active_stores_that_take_reservations_and_no_past_expiry(client, admin):
    assert post(client, "/reservations", reservation_body(locationId="dc-tilburg"), admin).status_code == 422
    assert post(client, "/reservations", reservation_body(locationId="pup-ams-zuid"), admin).status_code == 422
    assert post(client, "/reservations", reservation_body(locationId="nowhere"), admin).status_code == 422
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert post(client, "/reservations", reservation_body(expiresAt=past), admin).status_code == 422
    far = (datetime.now(UTC) + timedelta(days=15)).isoformat()
    assert post(client, "/reservations", reservation_body(expiresAt=far), admin).status_code == 422


def test_a_store_token_reserves_sells_and_sees_its_own_store_only(client, admin):
    other = bearer(issue_token(f"store:{OTHER_STORE}"))
    assert post(client, "/reservations", reservation_body(), other).status_code == 403
    r = reserve(client, admin)
    assert client.http.get(f"/reservations/{r['reservationId']}", headers=other).status_code == 403
    assert post(client, f"/reservations/{r['reservationId']}/events", sale(), other).status_code == 403
    assert client.http.get(f"/reservations?locationId={STORE}", headers=other).status_code == 403
    channel = bearer(issue_token("channel:webshop"))
    assert post(client, f"/reservations/{r['reservationId']}/events", sale(), channel).status_code == 403
    mine = reserve(client, channel)
    assert client.http.get(f"/reservations/{mine['reservationId']}", headers=channel).status_code == 200
    assert client.http.get(f"/reservations/{r['reservationId']}", headers=channel).status_code == 403


def test_idempotency_key_replays_the_reservation_and_holds_stock_once(client, admin):
    before = level(client, admin, "TEE-WHITE-M")
    body = reservation_body()
    headers = {**admin, "Idempotency-Key": unique("k")}
    first = post(client, "/reservations", body, headers)
    second = post(client, "/reservations", body, headers)
    assert first.status_code == second.status_code == 201
    assert json.loads(first.body) == json.loads(second.body)
    assert level(client, admin, "TEE-WHITE-M") == (before[0], before[1] + 2)
    assert post(client, "/reservations", reservation_body(), headers).status_code == 409


def test_expiry_schedule_releases_the_hold_and_publishes_reservation_expired(client, admin, aws, clock: ManualClock):
    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table
    from chalicelib.adapters.stock_repo import StockRepository
    from infra.pump import Pump

    def summary() -> int:
        """What sourcing reads for TEE-WHITE-M at the store."""
        units: int = StockRepository(Table()).summaries(["TEE-WHITE-M"])["TEE-WHITE-M"][STORE]
        return units

    before = level(client, admin, "TEE-WHITE-M")
    soon = reserve(
        client,
        admin,
        lines=[{"sku": "TEE-WHITE-M", "quantity": 5}],
        expiresAt=(clock.now() + timedelta(minutes=5)).isoformat(),
    )
    later = reserve(
        client,
        admin,
        lines=[{"sku": "TEE-WHITE-M", "quantity": 1}],
        expiresAt=(clock.now() + timedelta(days=10)).isoformat(),
    )
    pump = Pump(retry_delay_s=0)
    pump.run_once()  # publishes ReservationCreated; nothing is due yet
    while pump.run_once().received:  # the summary follows the reservations
        pass
    assert (
        json.loads(client.http.get(f"/reservations/{soon['reservationId']}", headers=admin).body)["status"] == "active"
    )
    assert summary() == 12 - 6

    clock.advance(5 * 60)
    counts = pump.run_once()
    assert counts.schedules_failed == 0
    expired = json.loads(client.http.get(f"/reservations/{soon['reservationId']}", headers=admin).body)
    assert (expired["status"], expired["version"]) == ("expired", 2)
    assert json.loads(client.http.get(f"/reservations/{later['reservationId']}", headers=admin).body)["status"] == (
        "active"
    )
    assert level(client, admin, "TEE-WHITE-M") == (before[0], before[1] + 1)

    pump.run_once()  # publishes ReservationExpired, which the stock-summary rule routes on
    assert outbox.pending(Table(), older_than=timedelta(0)) == []
    # Peek at what the rule delivered, then leave it for the pump's stock_summary handler.
    sqs = aws_sqs()
    messages = sqs.receive_message(QueueUrl=aws["stock-summary"], MaxNumberOfMessages=10, VisibilityTimeout=0)
    peeked = [json.loads(m["Body"]) for m in messages.get("Messages", [])]
    assert ("ReservationExpired", soon["reservationId"]) in [
        (e["detail-type"], e["detail"]["reservationId"]) for e in peeked
    ]
    while pump.run_once().received:
        pass
    assert summary() == 12 - 1
    # Completing an expired reservation is refused.
    late = post(client, f"/reservations/{soon['reservationId']}/events", sale(lines=sale()["lines"][:1]), admin)
    assert late.status_code == 409


def aws_sqs() -> Any:
    from chalicelib.adapters import aws

    return aws.client("sqs")
