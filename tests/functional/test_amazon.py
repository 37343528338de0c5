"""Amazon SP-API: Amazon's published orders go fake Amazon -> the poll schedule (or an ORDER_CHANGE on
the amazon-notifications queue) -> channel-inbox -> the consumer and become the canonical orders; a
poll with nothing new creates nothing; a 429 stops a run and the next catches up; a notification
delivered twice, single or double encoded, makes the order once; a shipment goes back once; the
listing's quantity is set; no secret is logged."""

from __future__ import annotations

import copy
import json
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from chalicelib.adapters.channels import connector
from chalicelib.domain.errors import Refused
from chalicelib.domain.network import Channel
from infra.pump import Pump
from tests.captured import payload
from tests.channels import (
    connect,
    count_stock,
    drain,
    inbox_dead_letter,
    inbox_received,
    order_of,
    pump_until_quiet,
    redrive_inbox,
    running,
)
from tests.conftest import unique
from tests.fake_platforms import (
    AMAZON_CLIENT_SECRET,
    AMAZON_MARKETPLACE,
    AMAZON_REFRESH_TOKEN,
    AMAZON_SELLER_ID,
    FakeAmazon,
)
from tests.functional.test_channel_status import TRACKING, dead_letters, ship

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusUpdate

pytestmark = pytest.mark.usefixtures("demo")
NOTIFICATIONS = "amazon-notifications"
CREDENTIALS = FakeAmazon.credentials


@pytest.fixture
def amazon() -> Iterator[FakeAmazon]:
    yield from running(FakeAmazon())


@pytest.fixture
def channel_id() -> str:
    return unique("amazon")  # tokens are cached per channel: each test its own


def recent(minutes: int = 5) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_our_marketplace(order: dict[str, Any], updated: str | None = None) -> dict[str, Any]:
    """A published order as the channel's marketplace has it, updated at `updated` (recently)."""
    found = copy.deepcopy(order)
    found["salesChannel"]["marketplaceId"] = AMAZON_MARKETPLACE
    found["lastUpdatedTime"] = updated or recent()
    return found


def published() -> list[dict[str, Any]]:
    """Every order Amazon published for v2026: the getOrder and searchOrders examples, the sandbox's."""
    cases = payload("amazon_sp_v2026_sandbox_cases.json")
    return [
        payload("amazon_sp_v2026_getorder.json")["order"],
        *payload("amazon_sp_v2026_searchorders.json")["orders"],
        *(case["response"]["order"] for case in cases["getOrder"]["200"]["static"]),
        *(order for case in cases["searchOrders"]["200"]["static"] for order in case["response"]["orders"]),
    ]


def dutch(order_id: str = "402-1234567-8901234") -> dict[str, Any]:
    """The getOrder example sold on Amazon.nl: euros, an Amsterdam address with a house number extension."""
    in_pounds = json.dumps(payload("amazon_sp_v2026_getorder.json")["order"])
    order = in_our_marketplace(json.loads(in_pounds.replace("GBP", "EUR")))
    order.update(orderId=order_id, packages=[], fulfillment={**order["fulfillment"], "fulfillmentStatus": "UNSHIPPED"})
    order["orderItems"][0]["fulfillment"].update(quantityFulfilled=0, quantityUnfulfilled=3)
    order["recipient"]["deliveryAddress"].update(
        addressLine1="Keizersgracht 123A", addressLine2="", postalCode="1015 CJ", city="Amsterdam", countryCode="NL"
    )
    return order


def setup(client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str, *orders: dict[str, Any]) -> None:
    urls = {"apiBaseUrl": amazon.url, "authUrl": f"{amazon.url}/auth/o2/token"}
    found = connect(client, admin, channel_id, "amazon", credentials=CREDENTIALS, **urls)
    assert AMAZON_CLIENT_SECRET not in json.dumps(found) and AMAZON_REFRESH_TOKEN not in json.dumps(found)
    for order in orders:
        amazon.add_order(order)
        count_stock(client, admin, *{i["product"]["sellerSku"] for i in order["orderItems"]})


def secrets_in(text: str, amazon: FakeAmazon) -> list[str]:
    return [s for s in (AMAZON_CLIENT_SECRET, AMAZON_REFRESH_TOKEN, *amazon.tokens) if s in text]


def test_every_published_order_becomes_canonical_and_a_second_poll_creates_nothing(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, *, channel_id: str, caplog: Any, logs: Any
) -> None:
    orders = [in_our_marketplace(o) for o in published()]
    setup(client, admin, amazon, channel_id, *orders)
    caplog.set_level(logging.INFO)
    merchant = [o for o in orders if o["fulfillment"]["fulfilledBy"] == "MERCHANT"]
    assert len(merchant) < len(orders)  # the sandbox's FBA order: Amazon ships it, the OMS has nothing to do

    pump = Pump(retry_delay_s=0)
    assert inbox_received(pump) == len(merchant)
    for order in orders:
        found = order_of(client, admin, channel_id, order["orderId"])
        assert (found is not None) == (order in merchant), order["orderId"]

    uk = order_of(client, admin, channel_id, "202-1234567-8901234")
    assert uk is not None
    assert uk["payment"]["amount"] == {"amount": "103.97", "currency": "GBP"}  # the grand total, to the penny
    [line] = uk["lines"]
    # 89.97 for three plus their 3.00 tax: 30.99 a unit, VAT included
    assert (line["lineId"], line["sku"], line["quantity"], line["unitPrice"]["amount"]) == (
        "20212345678901",
        "ECHO-DOT-4-UK-CHARCOAL-3PACK",
        3,
        "30.99",
    )
    assert uk["shipping"]["amount"] == {"amount": "11.00", "currency": "GBP"}  # 10.00 and its 1.00 tax
    address = uk["delivery"]["address"]
    assert (address["line1"], address["line2"], address["postalCode"], address["country"]) == (
        "123 High Street",
        "Unit 4B",
        "M1 2AB",
        "GB",
    )
    assert address["company"] == "Wilson Electronics Ltd" and uk["customer"]["name"] == "James Wilson"

    us = order_of(client, admin, channel_id, "123-4567890-1234567")
    assert us is not None
    assert [(ln["lineId"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in us["lines"]] == [
        ("12345678901234", 2, "50.00"),
        ("12345678901235", 1, "49.99"),
    ]
    # The 5.00 delivery tip is in what Amazon charged, on no line: the payment holds it.
    assert us["payment"]["amount"] == {"amount": "154.99", "currency": "USD"}

    assert inbox_received(pump) == 0  # searched again (the overlap), the same states: nothing queued
    assert amazon.tokens_issued == 1  # cached until it nearly expires
    searches = [p for m, p, _ in amazon.received if m == "GET" and "lastUpdatedBefore=" in p]
    assert searches and all("fulfilledBy=MERCHANT" in p and "includedData=BUYER" in p for p in searches)
    assert secrets_in(caplog.text + logs.getvalue(), amazon) == []


def test_search_pages_follow_next_token_and_before_trails_amazons_clock(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str
) -> None:
    amazon.page_size = 1
    orders = [in_our_marketplace(dutch(f"402-000000{n}-0000000")) for n in range(3)]
    setup(client, admin, amazon, channel_id, *orders)
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    started = datetime.now(UTC)
    assert channel_poll.poll_all(bootstrap())[channel_id] == "queued"
    searches = [p for m, p, _ in amazon.received if m == "GET" and "lastUpdatedBefore=" in p]
    assert [("paginationToken=" in p) for p in searches] == [False, True, True]
    before = searches[0].split("lastUpdatedBefore=")[1].split("&")[0].replace("%3A", ":")
    trailing = started - datetime.fromisoformat(before.replace("Z", "+00:00"))
    assert trailing >= timedelta(minutes=2) - timedelta(seconds=1)
    assert inbox_received(Pump(retry_delay_s=0)) == 3


def test_a_429_stops_the_run_and_the_next_catches_up(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str
) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    setup(client, admin, amazon, channel_id)
    assert channel_poll.poll_all(bootstrap())[channel_id] == "nothing new"
    amazon.add_order(dutch())
    count_stock(client, admin, "ECHO-DOT-4-UK-CHARCOAL-3PACK")
    quota = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]}
    amazon.fail_next(429, quota, path="/orders/2026-01-01/orders?", Retry_After="1")
    assert channel_poll.poll_all(bootstrap())[channel_id] == "throttled"
    assert channel_poll.poll_all(bootstrap())[channel_id] == "paused"  # its Retry-After has not passed
    assert order_of(client, admin, channel_id, "402-1234567-8901234") is None
    time.sleep(1.1)
    assert inbox_received(Pump(retry_delay_s=0)) == 1  # the mark did not move: the next run catches up
    order = order_of(client, admin, channel_id, "402-1234567-8901234")
    assert order is not None
    address = order["delivery"]["address"]
    assert (address["line1"], address["houseNumber"], address["country"]) == ("Keizersgracht", "123-A", "NL")


def test_an_expired_token_is_renewed_before_amazon_refuses_it(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str
) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    amazon.token_lifetime_s = 31  # renewed 30 s early: good for one second
    setup(client, admin, amazon, channel_id)
    assert channel_poll.poll_all(bootstrap())[channel_id] == "nothing new"
    time.sleep(1.1)
    assert channel_poll.poll_all(bootstrap())[channel_id] == "nothing new"
    assert amazon.tokens_issued == 2


def test_an_unknown_sku_is_dead_lettered_with_its_reason_and_created_once_redriven(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str
) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    setup(client, admin, amazon, channel_id)
    amazon.add_order(dutch())  # its SKU counted nowhere
    assert channel_poll.poll_all(bootstrap())[channel_id] == "queued"
    pump = drain()
    assert order_of(client, admin, channel_id, "402-1234567-8901234") is None
    ops = admin_ops()
    letter = inbox_dead_letter(client, ops)
    assert letter["reason"].startswith(
        "Unmappable: SKU 'ECHO-DOT-4-UK-CHARCOAL-3PACK' (line 20212345678901) is not known to the OMS"
    )

    count_stock(client, admin, "ECHO-DOT-4-UK-CHARCOAL-3PACK")
    redrive_inbox(client, ops)
    drain(pump)
    assert order_of(client, admin, channel_id, "402-1234567-8901234") is not None


def notify(aws: dict[str, str], order_id: str, notification_id: str, *, twice_encoded: bool = False) -> None:
    """ORDER_CHANGE as Amazon sends it to our queue: the notification's JSON as the body (or that JSON
    as a JSON string again)."""
    note = payload("amazon_sp_order_change_notification.json")
    change = note["Payload"]["OrderChangeNotification"]
    change.update(SellerId=AMAZON_SELLER_ID, AmazonOrderId=order_id)
    change["Summary"]["MarketplaceId"] = AMAZON_MARKETPLACE
    note["NotificationMetadata"]["NotificationId"] = notification_id
    body = json.dumps(json.dumps(note) if twice_encoded else note)
    boto3.client("sqs").send_message(QueueUrl=aws[NOTIFICATIONS], MessageBody=body)


def getorder_calls(amazon: FakeAmazon, order_id: str) -> int:
    path = f"/orders/2026-01-01/orders/{order_id}?"
    return sum(1 for method, asked, _ in amazon.received if method == "GET" and asked.startswith(path))


@pytest.mark.parametrize("twice_encoded", [False, True])
def test_an_order_change_delivered_twice_makes_the_order_once(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, *, channel_id: str, aws: Any, twice_encoded: bool
) -> None:
    order = dutch()
    order["lastUpdatedTime"] = "2024-12-25T16:30:00Z"  # long before any poll's window: only the notification brings it
    setup(client, admin, amazon, channel_id, order)
    notify(aws, order["orderId"], "d0e9e693-c3ad-4373-979f-ed4ec98dd746", twice_encoded=twice_encoded)
    notify(aws, order["orderId"], "d0e9e693-c3ad-4373-979f-ed4ec98dd746", twice_encoded=twice_encoded)
    pump_until_quiet(Pump(retry_delay_s=0))

    found = order_of(client, admin, channel_id, order["orderId"])
    assert found is not None and found["payment"]["amount"] == {"amount": "103.97", "currency": "EUR"}
    assert getorder_calls(amazon, order["orderId"]) == 1  # the repeat was kept once: fetched once

    notify(aws, order["orderId"], "a-later-notification-of-the-same-state")
    pump_until_quiet(Pump(retry_delay_s=0))
    assert getorder_calls(amazon, order["orderId"]) == 2  # a hint: fetched, not newer, not applied again
    listed = client.http.get(f"/orders?channel={channel_id}&externalId={order['orderId']}", headers=admin)
    assert len(json.loads(listed.body)["items"]) == 1


def test_amazon_cancelling_the_order_cancels_it_in_the_oms(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str, aws: dict[str, str]
) -> None:
    order = dutch()
    setup(client, admin, amazon, channel_id, order)
    assert inbox_received(Pump(retry_delay_s=0)) == 1
    order["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
    order["lastUpdatedTime"] = recent(3)
    notify(aws, order["orderId"], "cancelled-by-amazon")
    pump_until_quiet(Pump(retry_delay_s=0))
    found = order_of(client, admin, channel_id, order["orderId"])
    assert found is not None and found["status"] == "cancelled"


def test_a_notification_for_a_seller_no_channel_has_is_dead_lettered_saying_so_and_fba_ones_are_dropped(
    client: Any, admin: dict[str, str], aws: dict[str, str]
) -> None:
    note = payload("amazon_sp_order_change_notification.json")  # seller A3TH9S8BH6GOGM in ATVPDKIKX0DER
    boto3.client("sqs").send_message(QueueUrl=aws[NOTIFICATIONS], MessageBody=json.dumps(note))
    note["Payload"]["OrderChangeNotification"]["Summary"]["FulfillmentType"] = "AFN"  # Amazon ships it: not ours
    boto3.client("sqs").send_message(QueueUrl=aws[NOTIFICATIONS], MessageBody=json.dumps(note))
    pump_until_quiet(Pump(retry_delay_s=0))
    answer = client.http.get(f"/ops/dead-letters?queue={NOTIFICATIONS}", headers=admin_ops())
    [queue] = json.loads(answer.body)["queues"]
    [letter] = queue["messages"]
    assert "no active amazon channel has seller A3TH9S8BH6GOGM and marketplace ATVPDKIKX0DER" in letter["reason"]


def admin_ops() -> dict[str, str]:
    from tests.conftest import bearer, issue_token

    return bearer(issue_token("ops"))


def test_a_shipment_goes_to_amazon_once_even_when_the_first_call_fails_or_is_throttled(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, *, channel_id: str, capsys: Any, logs: Any
) -> None:
    order = dutch()
    setup(client, admin, amazon, channel_id, order)
    assert inbox_received(Pump(retry_delay_s=0)) == 1
    found = order_of(client, admin, channel_id, order["orderId"])
    assert found is not None
    confirm = "/orders/v0/orders/"
    amazon.fail_next(503, {"errors": [{"code": "ServiceUnavailable", "message": "Service Unavailable"}]}, path=confirm)
    quota = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]}
    amazon.fail_next(429, quota, path=confirm, Retry_After="1")

    ship(client, found)
    for _ in range(3):
        pump_until_quiet(Pump(retry_delay_s=0))
        if amazon.shipments:
            break
        time.sleep(1.1)  # the 429's Retry-After
    pump_until_quiet(Pump(retry_delay_s=0))

    [shipment] = amazon.shipments
    expected = payload("amazon_sp_confirmshipment_request.json")
    assert shipment.keys() == expected.keys() and shipment["marketplaceId"] == AMAZON_MARKETPLACE
    package = shipment["packageDetail"]
    optional = ("shippingMethod", "shipFromSupplySourceId")
    assert {k for k in expected["packageDetail"] if k not in optional} <= package.keys()
    assert (package["carrierCode"], package["carrierName"]) == ("PostNL", "PostNL")
    assert package["trackingNumber"] == TRACKING["code"]
    assert package["orderItems"] == [{"orderItemId": "20212345678901", "quantity": 3}]
    assert package["packageReferenceId"].isdigit()
    assert dead_letters(client) == []
    assert amazon.orders[order["orderId"]]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    printed = capsys.readouterr().out + logs.getvalue()
    assert secrets_in(printed, amazon) == [] and "shipped" in printed


def amazon_channel(amazon: FakeAmazon) -> Channel:
    return Channel(unique("amazon"), "amazon", api_base_url=amazon.url, auth_url=f"{amazon.url}/auth/o2/token")


def test_the_listing_quantity_is_set_never_below_zero(amazon: FakeAmazon) -> None:
    from chalicelib.adapters.channels.base import StockTaker

    taker = connector("amazon")
    assert isinstance(taker, StockTaker)
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)
    assert taker.push_stock(channel, credentials, "ECHO-DOT/4 NL", 7) == "pushed"
    assert taker.push_stock(channel, credentials, "FIRE-TV-4K", -2) == "pushed"
    assert amazon.stock == {"ECHO-DOT/4 NL": 7, "FIRE-TV-4K": 0}
    [(_, path, body), *_] = amazon.calls("PATCH")
    listing = f"/listings/2021-08-01/items/{AMAZON_SELLER_ID}/ECHO-DOT%2F4%20NL"
    assert path == f"{listing}?marketplaceIds={AMAZON_MARKETPLACE}"
    assert body["patches"] == [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
        }
    ]


def test_refunds_are_recorded_not_sent(amazon: FakeAmazon) -> None:
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)
    refund = cancellation(channel, "402-1", status="refunded")
    assert connector("amazon").push_status(channel, credentials, refund) == "recorded"
    assert amazon.received == []


ITEM = "20212345678901"  # the getOrder example's one item


def cancellation(
    channel: Channel, order_id: str, lines: dict[str, int] | None = None, status: str = "cancelled"
) -> StatusUpdate:
    from chalicelib.contracts.channel_status import StatusUpdate

    return StatusUpdate.model_validate(
        {
            "eventId": "e",
            "channelId": channel.channel_id,
            "orderId": "o",
            "externalId": order_id,
            "status": status,
            "lines": [{"lineId": line, "quantity": q} for line, q in (lines or {}).items()],
            "reason": "out of stock",
        }
    )


def uploaded(amazon: FakeAmazon) -> ET.Element:
    [document] = [d for d in amazon.documents.values() if d]
    return ET.fromstring(document)


def test_an_amazon_cancellation_is_sent_as_an_order_acknowledgement_feed(amazon: FakeAmazon) -> None:
    order = dutch()
    amazon.add_order(order)
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)

    assert connector("amazon").push_status(channel, credentials, cancellation(channel, order["orderId"])) == "pushed"

    [feed] = amazon.feeds.values()
    assert (feed["feedType"], feed["marketplaceIds"]) == ("POST_ORDER_ACKNOWLEDGEMENT_DATA", [AMAZON_MARKETPLACE])
    [upload] = [(h, p) for m, p, h in amazon.received if m == "PUT"]
    assert upload[1].startswith("/upload/")  # to the pre-signed URL createFeedDocument answered
    envelope = uploaded(amazon)
    assert envelope.findtext("Header/MerchantIdentifier") == AMAZON_SELLER_ID
    assert envelope.findtext("MessageType") == "OrderAcknowledgement"
    ack = envelope.find("Message/OrderAcknowledgement")
    assert ack is not None and ack.findtext("AmazonOrderID") == order["orderId"]
    assert ack.findtext("StatusCode") == "Failure" and ack.findall("Item") == []  # the whole order
    assert amazon.orders[order["orderId"]]["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    # The report was read; a second try follows the same feed, and another update for the order finds
    # it cancelled: neither sends a feed.
    assert any(p.startswith("/download/") for _, p, _ in amazon.calls("GET"))
    assert connector("amazon").push_status(channel, credentials, cancellation(channel, order["orderId"])) == "pushed"
    another = cancellation(channel, order["orderId"]).model_copy(update={"eventId": "another"})
    assert connector("amazon").push_status(channel, credentials, another) == "already"
    assert len(amazon.feeds) == 1


def test_an_amazon_partial_cancellation_names_only_those_items(amazon: FakeAmazon) -> None:
    order = dutch()
    second = copy.deepcopy(order["orderItems"][0]) | {"orderItemId": "20212345678902"}
    order["orderItems"].append(second)
    amazon.add_order(order)
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)
    update = cancellation(channel, order["orderId"], {"20212345678902": 3})

    assert connector("amazon").push_status(channel, credentials, update) == "pushed"

    ack = uploaded(amazon).find("Message/OrderAcknowledgement")
    assert ack is not None and ack.findtext("StatusCode") == "Failure"
    items = [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in ack.findall("Item")]
    assert items == [("20212345678902", "NoInventory")]
    cancelled = [i["orderItemId"] for i in amazon.orders[order["orderId"]]["orderItems"] if "cancellation" in i]
    assert cancelled == ["20212345678902"]
    assert amazon.orders[order["orderId"]]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"


def test_an_amazon_cancellation_amazon_cannot_take_is_refused_and_sends_no_feed(amazon: FakeAmazon) -> None:
    order, shipped = dutch("402-0000000-0000001"), dutch("402-0000000-0000002")
    shipped["orderItems"][0]["fulfillment"].update(quantityFulfilled=1, quantityUnfulfilled=2)
    for found in (order, shipped):
        amazon.add_order(found)
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)
    refusals = {
        "items whole, not some of their units": (credentials, cancellation(channel, order["orderId"], {ITEM: 1})),
        "no items": (credentials, cancellation(channel, order["orderId"], {"nope": 1})),
        "have shipped": (credentials, cancellation(channel, shipped["orderId"])),
        "set sellerId": (json.dumps(CONTRACT_CREDENTIALS), cancellation(channel, order["orderId"])),
    }
    for said, (given, update) in refusals.items():
        with pytest.raises(Refused, match=said):
            connector("amazon").push_status(channel, given, update)
    assert amazon.feeds == {} and amazon.calls("PUT") == []


def test_a_feed_amazon_has_not_processed_yet_is_pending_and_a_reports_errors_are_read(amazon: FakeAmazon) -> None:
    from chalicelib.adapters.channels.amazon_feeds import FEED_CHECK_S, report_errors
    from chalicelib.adapters.channels.base import Pending

    order = dutch()
    amazon.add_order(order)
    amazon.feed_status = "IN_QUEUE"
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)
    with pytest.raises(Pending, match="the cancellation feed 50000 is IN_QUEUE") as pending:
        connector("amazon").push_status(channel, credentials, cancellation(channel, order["orderId"]))
    assert pending.value.seconds == FEED_CHECK_S
    assert [f["processingStatus"] for f in amazon.feeds.values()] == ["IN_QUEUE"]
    assert amazon.orders[order["orderId"]]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    report = (  # a processing report as Amazon writes one, with one error
        b"<AmazonEnvelope><MessageType>ProcessingReport</MessageType><Message><ProcessingReport>"
        b"<StatusCode>Complete</StatusCode><Result><MessageID>1</MessageID><ResultCode>Error</ResultCode>"
        b"<ResultMessageCode>18028</ResultMessageCode><ResultDescription>The order id was not found"
        b"</ResultDescription></Result><Result><ResultCode>Warning</ResultCode></Result></ProcessingReport>"
        b"</Message></AmazonEnvelope>"
    )
    assert report_errors(report) == ["18028 The order id was not found"]


def test_the_lambda_takes_the_sqs_event_as_aws_delivers_it(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, *, channel_id: str
) -> None:
    from chalice.local import LambdaContext

    from app import amazon_notifications

    order = dutch()
    order["lastUpdatedTime"] = "2024-12-25T16:30:00Z"
    setup(client, admin, amazon, channel_id, order)
    note = payload("amazon_sp_order_change_notification.json")
    note["Payload"]["OrderChangeNotification"].update(SellerId=AMAZON_SELLER_ID, AmazonOrderId=order["orderId"])
    note["Payload"]["OrderChangeNotification"]["Summary"]["MarketplaceId"] = AMAZON_MARKETPLACE
    event = payload("aws_sqs_lambda_event.json")
    event["Records"][0]["body"] = json.dumps(json.dumps(note))

    answer = amazon_notifications(event, LambdaContext("amazon_notifications", memory_size=512, max_runtime_ms=60_000))

    assert answer == {"batchItemFailures": []}
    pump_until_quiet(Pump(retry_delay_s=0))
    assert order_of(client, admin, channel_id, order["orderId"]) is not None


def test_an_order_already_shipped_at_amazon_counts_as_success(amazon: FakeAmazon) -> None:
    from chalicelib.contracts.channel_status import StatusUpdate

    shipped, raced = dutch("402-0000000-0000001"), dutch("402-0000000-0000002")
    shipped["fulfillment"]["fulfillmentStatus"] = "SHIPPED"
    raced["orderItems"][0]["fulfillment"]["quantityFulfilled"] = 3  # shipped in Seller Central a moment ago
    channel, credentials = amazon_channel(amazon), json.dumps(CREDENTIALS)
    for order in (shipped, raced):
        amazon.add_order(order)
        update = StatusUpdate.model_validate(
            {
                "eventId": "e",
                "channelId": channel.channel_id,
                "orderId": "o",
                "externalId": order["orderId"],
                "status": "shipped",
                "lines": [{"lineId": "20212345678901", "quantity": 3}],
                "tracking": TRACKING,
            }
        )
        assert connector("amazon").push_status(channel, credentials, update) == "already"
    assert amazon.shipments == []  # the second was refused "already shipped" by Amazon
    assert sum("shipmentConfirmation" in p for _, p, _ in amazon.calls("POST")) == 1


CONTRACT_CREDENTIALS = {k: v for k, v in CREDENTIALS.items() if k != "sellerId"}  # API.md's four keys


def test_without_a_seller_id_stock_is_refused_saying_so_and_no_listing_is_touched(amazon: FakeAmazon) -> None:
    from chalicelib.adapters.channels.base import StockTaker

    taker = connector("amazon")
    assert isinstance(taker, StockTaker)
    with pytest.raises(Refused, match="set sellerId in the channel's credentials to push listing quantities"):
        taker.push_stock(amazon_channel(amazon), json.dumps(CONTRACT_CREDENTIALS), "ECHO-DOT-4", 7)
    assert amazon.calls("PATCH") == [] and amazon.stock == {}


def test_the_contracts_four_keys_suffice_and_notifications_find_the_one_channel_of_their_marketplace(
    client: Any, admin: dict[str, str], amazon: FakeAmazon, *, channel_id: str, aws: Any
) -> None:
    from tests.conftest import put

    urls = {"apiBaseUrl": amazon.url, "authUrl": f"{amazon.url}/auth/o2/token"}
    typo = {"type": "amazon", "credentials": {**CREDENTIALS, "sellerID": AMAZON_SELLER_ID}}
    unknown = put(client, f"/channels/{channel_id}", typo, admin)
    assert unknown.status_code == 422 and "unknown ['sellerID']" in unknown.body.decode()
    connect(client, admin, channel_id, "amazon", credentials=CONTRACT_CREDENTIALS, **urls)
    order = dutch()
    order["lastUpdatedTime"] = "2024-12-25T16:30:00Z"  # only the notification brings it
    amazon.add_order(order)
    count_stock(client, admin, "ECHO-DOT-4-UK-CHARCOAL-3PACK")

    notify(aws, order["orderId"], "for-the-marketplace-alone")
    pump_until_quiet(Pump(retry_delay_s=0))
    assert order_of(client, admin, channel_id, order["orderId"]) is not None

    twin = unique("amazon")  # a second channel of the marketplace, no seller id either: whose is it?
    connect(client, admin, twin, "amazon", credentials=CONTRACT_CREDENTIALS, **urls)
    notify(aws, order["orderId"], "for-one-of-two")
    pump_until_quiet(Pump(retry_delay_s=0))
    [letter] = json.loads(client.http.get(f"/ops/dead-letters?queue={NOTIFICATIONS}", headers=admin_ops()).body)[
        "queues"
    ][0]["messages"]
    assert f"all sell in marketplace {AMAZON_MARKETPLACE} without a sellerId" in letter["reason"]
