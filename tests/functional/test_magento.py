"""Magento, polled: the captured order and our variants go fake Magento -> the poll schedule ->
channel-inbox -> the consumer and become the canonical orders, once however often they are polled,
page by page to Magento's total_count; the shop's own cancellation cancels the order here. Status
goes back as a Magento shipment with its tracking (once, though a call fails or the update comes
again) and a whole cancellation; what Magento takes no call for is recorded only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from chalicelib.adapters.channels import magento_api
from infra.pump import Pump
from tests.channels import (
    SECRET,
    connect,
    count_stock,
    deliver,
    inbox_received,
    order_of,
    pump_until_quiet,
    raw,
    running,
)
from tests.conftest import put
from tests.fake_platforms import MAGENTO_TOKEN, FakeMagento
from tests.functional.test_channel_status import dead_letters, queue_update
from tests.magento import (
    CAPTURED,
    HOODIE,
    HOODIE_SKU,
    NEW,
    STRAP,
    STRAP_SKU,
    TEE,
    ago,
    captured,
    dutch_variant,
)

pytestmark = pytest.mark.usefixtures("demo")
MAG = "magento-nl"
TRACKING = {"carrier": "PostNL", "code": "3SABCD0123456789", "url": "https://jouw.postnl.nl/track/3SABCD0123456789"}
# The poller's plan for a platform it has none for (chalicelib/service/channel_poll.py RATES).
POLL_RATE = {"perSecond": "1", "burst": 50}


@pytest.fixture
def magento() -> Iterator[FakeMagento]:
    yield from running(FakeMagento())


def connect_magento(client: Any, admin: dict[str, str], magento: FakeMagento, *orders: dict[str, Any]) -> None:
    config = {"credentials": {"accessToken": MAGENTO_TOKEN}, "apiBaseUrl": magento.url, "pollRate": POLL_RATE}
    found = connect(client, admin, MAG, "magento", **config)
    assert found["hasCredentials"] is True and MAGENTO_TOKEN not in json.dumps(found)
    for order in orders:
        magento.add_order(order)
    count_stock(client, admin, TEE, HOODIE_SKU, STRAP_SKU)


def test_polled_orders_become_canonical_once_however_often_they_are_polled(
    client: Any, admin: dict[str, str], magento: FakeMagento, logs: Any
) -> None:
    connect_magento(client, admin, magento, captured(updated_at=ago(minutes=1)), dutch_variant())
    pump = Pump(retry_delay_s=0)
    assert inbox_received(pump) == 2

    tutorial = order_of(client, admin, MAG, CAPTURED)
    assert tutorial is not None
    assert tutorial["payment"] == {"status": "authorized", "amount": {"amount": "165", "currency": "USD"}} | {
        k: v for k, v in tutorial["payment"].items() if k not in ("status", "amount")
    }
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in tutorial["lines"]] == [(TEE, 1, "22")]

    dutch = order_of(client, admin, MAG, NEW)
    assert dutch is not None
    assert (dutch["payment"]["status"], dutch["payment"]["amount"]) == ("paid", {"amount": "126.31", "currency": "EUR"})
    lines = [(ln["lineId"], ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in dutch["lines"]]
    assert lines == [(HOODIE, HOODIE_SKU, 2, "59.95"), (STRAP, STRAP_SKU, 1, "14.95")]
    address = dutch["delivery"]["address"]
    assert (address["line1"], address["houseNumber"], address["country"]) == ("Keizersgracht", "123-A", "NL")

    assert inbox_received(pump) == 0  # listed again (the overlap), the same states: nothing queued
    query = magento.calls("GET")[0][1].partition("?")[2]
    assert "updated_at" in query and "condition_type%5D=gt" in query and "condition_type%5D=lteq" in query
    assert MAGENTO_TOKEN not in logs.getvalue()


def test_every_page_is_read_after_the_last_order_of_the_one_before(
    client: Any, admin: dict[str, str], magento: FakeMagento, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(magento_api, "PAGE_SIZE", 2)
    # 41 and 42 changed in the same second: the next page starts after (that second, entity 42).
    stamps = {41: ago(seconds=50), 42: ago(seconds=50), 43: ago(seconds=40), 9: ago(seconds=30)}
    orders = [dutch_variant(entity_id=n, updated_at=at) for n, at in stamps.items()]
    connect_magento(client, admin, magento, *orders)
    assert inbox_received(Pump(retry_delay_s=0)) == 4
    assert all(order_of(client, admin, MAG, str(n)) is not None for n in stamps)
    lists = [unquote(p) for m, p, _ in magento.received if m == "GET" and p.startswith("/rest/V1/orders?")]
    assert "[condition_type]=gteq" not in lists[0]  # the first page: the window itself
    assert "entity_id" in lists[1] and "[value]=42" in lists[1]  # keyset: after entity 42 of that second


def test_an_order_changing_while_the_shop_is_read_never_hides_another(
    client: Any, admin: dict[str, str], magento: FakeMagento, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(magento_api, "PAGE_SIZE", 2)
    # Changed an hour ago: older than the overlap a later run reads again.
    orders = {n: dutch_variant(entity_id=n, updated_at=ago(minutes=60, seconds=-n)) for n in (41, 42, 43, 44, 45)}
    connect_magento(client, admin, magento, *orders.values())
    # After the first page, the shop changes 41 (it leaves this run's window): with page numbers the
    # second page would start at 44, and 43 would be read neither now nor by any later window.
    magento.after_listing.append(lambda: orders[41].update(updated_at=ago(seconds=-30)))
    assert inbox_received(Pump(retry_delay_s=0)) == 5
    assert all(order_of(client, admin, MAG, str(n)) is not None for n in orders)


def test_an_order_the_shop_cancels_is_cancelled_here(client: Any, admin: dict[str, str], magento: FakeMagento):
    connect_magento(client, admin, magento, dutch_variant())
    pump = Pump(retry_delay_s=0)
    assert inbox_received(pump) == 1
    magento.cancel(NEW)
    assert inbox_received(pump) == 1
    found = order_of(client, admin, MAG, NEW)
    assert found is not None and found["status"] == "cancelled"


def test_units_the_shop_cancels_before_invoicing_are_cancelled_here_and_never_paid_back(
    client: Any, admin: dict[str, str], magento: FakeMagento
):
    order = dutch_variant()
    magento.add_order(order)
    connect_magento(client, admin, magento)
    pump = Pump(retry_delay_s=0)
    assert inbox_received(pump) == 1
    # Invoiced but the strap: the shop cancels that uninvoiced unit (Magento cancels nothing invoiced).
    [strap] = [i for i in order["items"] if str(i["item_id"]) == STRAP]
    strap.update(qty_invoiced=0, qty_canceled=1)
    order["updated_at"] = ago(seconds=1)
    assert inbox_received(pump) == 1
    pump_until_quiet(pump)

    found = order_of(client, admin, MAG, NEW)
    assert found is not None
    assert {ln["lineId"]: ln["cancelledQuantity"] for ln in found["lines"]} == {HOODIE: 0, STRAP: 1}
    # Recorded as the shop's business, never asked of the OMS's payment side (nothing to give back).
    assert [(r["executor"], r["status"], r["amount"]["amount"]) for r in found["refunds"]] == [
        ("channel", "refunded_by_channel", "13.45")
    ]


def test_magento_takes_no_webhooks_and_its_credentials_are_an_access_token(client: Any, admin: dict[str, str]):
    body = raw(captured())
    assert deliver(client, MAG, body, {"Content-Type": "application/json"}).status_code in (401, 404)
    answer = put(client, f"/channels/{MAG}", {"type": "magento", "credentials": {"token": "x"}}, admin)
    assert answer.status_code == 422 and "magento credentials are accessToken" in answer.body.decode()
    connect(client, admin, MAG, "magento", credentials={"accessToken": MAGENTO_TOKEN}, secret=SECRET)
    assert deliver(client, MAG, body, {"Content-Type": "application/json"}).status_code == 401


# Status back: channel-status -> the connector's push_status -> fake Magento.


def ship(aws: dict[str, str], event_id: str, fulfilment_order: str, lines: list[tuple[str, int]]) -> None:
    queue_update(
        aws,
        eventId=event_id,
        channelId=MAG,
        orderId="o-41",
        externalId=NEW,
        status="shipped",
        fulfilmentOrderId=fulfilment_order,
        lines=[{"lineId": i, "quantity": q} for i, q in lines],
        tracking=TRACKING,
    )


def test_a_shipment_goes_back_once_with_its_tracking_even_when_the_first_call_fails(
    client: Any, admin: dict[str, str], magento: FakeMagento, aws: dict[str, str], logs: Any
) -> None:
    connect_magento(client, admin, magento, dutch_variant())
    magento.fail_next(503, {"message": "Service Unavailable"})
    ship(aws, "evt-ship-1", "fo-1", [(HOODIE, 1)])
    pump = Pump(retry_delay_s=0)
    pump_until_quiet(pump)
    ship(aws, "evt-ship-1-again", "fo-1", [(HOODIE, 1)])  # at least once: the same fulfilment order again
    pump_until_quiet(pump)

    [(path, body)] = [(p, b) for m, p, b in magento.received if m == "POST"]
    assert path == f"/rest/V1/order/{NEW}/ship"
    assert body["items"] == [{"order_item_id": int(HOODIE), "qty": 1}]
    assert body["tracks"] == [{"track_number": TRACKING["code"], "title": "PostNL", "carrier_code": "custom"}]
    [shipment] = magento.shipments
    assert shipment["comments"][0]["comment"] == "OMS fulfilment order fo-1"
    hoodie = next(i for i in magento.orders[NEW]["items"] if i["item_id"] == int(HOODIE))
    assert (hoodie["qty_shipped"], magento.orders[NEW]["state"]) == (1, "processing")
    assert dead_letters(client) == [] and MAGENTO_TOKEN not in logs.getvalue()

    ship(aws, "evt-ship-2", "fo-2", [(HOODIE, 1), (STRAP, 1)])  # the rest, in a second parcel
    pump_until_quiet(pump)
    assert [s["items"] for s in magento.shipments][1] == [
        {"order_item_id": int(HOODIE), "qty": 1},
        {"order_item_id": int(STRAP), "qty": 1},
    ]
    assert magento.orders[NEW]["state"] == "complete" and dead_letters(client) == []


def test_a_shipment_magento_already_made_from_its_admin_counts_as_done(
    client: Any, admin: dict[str, str], magento: FakeMagento, aws: dict[str, str]
) -> None:
    order = dutch_variant()
    for item in order["items"]:
        item["qty_shipped"] = item["qty_ordered"]
    connect_magento(client, admin, magento, order)
    ship(aws, "evt-ship-1", "fo-1", [(HOODIE, 2), (STRAP, 1)])
    pump_until_quiet(Pump(retry_delay_s=0))
    assert magento.calls("POST") == [] and dead_letters(client) == []


def pushed(magento: FakeMagento) -> list[tuple[str, str]]:
    """The calls status back made (not the poller's lists, which the pump's schedule makes meanwhile)."""
    return [(m, p) for m, p, _ in magento.received if "searchCriteria" not in p]


def cancel(aws: dict[str, str], event_id: str, **more: Any) -> None:
    queue_update(aws, eventId=event_id, channelId=MAG, orderId="o-41", externalId=NEW, status="cancelled", **more)


def test_a_whole_cancellation_cancels_the_order_once_and_a_partial_one_is_recorded(
    client: Any, admin: dict[str, str], magento: FakeMagento, aws: dict[str, str]
) -> None:
    connect_magento(client, admin, magento, dutch_variant(updated_at="2020-01-01 00:00:00"))  # not polled yet
    pump = Pump(retry_delay_s=0)
    cancel(aws, "evt-cancel-lines", lines=[{"lineId": STRAP, "quantity": 1}])
    pump_until_quiet(pump)
    assert pushed(magento) == [] and magento.orders[NEW]["state"] == "processing"

    cancel(aws, "evt-cancel-1")
    cancel(aws, "evt-cancel-1-again")
    pump_until_quiet(pump)
    cancelled = [("POST", f"/rest/V1/orders/{NEW}/cancel"), ("GET", f"/rest/V1/orders/{NEW}")]
    calls = pushed(magento)
    # True: cancelled; then false: it already is, as the order says. Cancelling in Magento changed the
    # order, which the poller then brings in as a cancelled order, told to Magento in turn: already so.
    assert calls[:3] == [cancelled[0], *cancelled] and set(calls[3:]) <= set(cancelled)
    assert magento.orders[NEW]["state"] == "canceled" and dead_letters(client) == []


def test_an_order_magento_will_not_cancel_is_dead_lettered_with_its_reason(
    client: Any, admin: dict[str, str], magento: FakeMagento, aws: dict[str, str]
) -> None:
    connect_magento(client, admin, magento, dutch_variant(state="complete"))
    cancel(aws, "evt-cancel-1")
    pump_until_quiet(Pump(retry_delay_s=0))
    [letter] = dead_letters(client)
    assert f"Magento would not cancel order {NEW} (complete)" in letter["reason"]
