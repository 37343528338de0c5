"""Amazon's Feeds for what neither Orders API writes: a cancellation as the XML order acknowledgement
(its StatusCode Failure cancels the order, or with Items those items), and the processing report a
done feed leaves. Order feeds have no JSON type in Amazon's current feed type list (JSON_LISTINGS_FEED
is for listings only); the flat file one (POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA) takes the same
fields as tab-separated text, so the XML one, whose schema Amazon publishes, is the one sent.

Amazon processes a feed in minutes, so a sent feed is followed until it ends (`follow`): its id is
remembered by the status update's event id (chalicelib/adapters/channels/sent.py), and the update is
held back and checked again every FEED_CHECK_S, never sent twice, until the feed is done (its report
read), ended CANCELLED or FATAL, or FEED_PATIENCE_S have passed since it was sent."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib.adapters.channels import amazon_api, sent
from chalicelib.adapters.channels.base import Pending
from chalicelib.domain.errors import Refused
from chalicelib.observability import logger
from chalicelib.resources import RESOURCES

if TYPE_CHECKING:
    from chalicelib.adapters.channels.base import Outcome
    from chalicelib.domain.network import Channel

ACKNOWLEDGEMENT = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
# Our cancellation reason (its words) -> Amazon's CancelReason; NoInventory tells Amazon not to put the
# units back on sale, so only an out-of-stock cancellation says it.
CANCEL_REASONS = (
    ("customer", "BuyerCanceled"),
    ("buyer", "BuyerCanceled"),
    ("address", "ShippingAddressUndeliverable"),
    ("stock", "NoInventory"),
    ("inventory", "NoInventory"),
)
FEED_DONE = "DONE"
FEED_FAILED = ("CANCELLED", "FATAL")
FEED_CHECK_S = 600
# The channel-status queue hands an update over at most max_receive_count times (then its DLQ takes
# it): the first sends the feed, each later one comes FEED_CHECK_S after the check before, so the
# last comes at least this long after the feed was sent and refuses a feed still not done.
FEED_PATIENCE_S = FEED_CHECK_S * (RESOURCES.queue("channel-status").max_receive_count - 1)


def follow(channel: Channel, credentials: str | None, where: str, feed: sent.Sent) -> Outcome:
    """The feed as far as Amazon has processed it: pushed when done and its report lists no errors;
    refused (and forgotten, so a redrive sends afresh) when it ended CANCELLED or FATAL, when its report
    lists errors, or when it is still not done FEED_PATIENCE_S after it was sent; `Pending` otherwise."""
    found = amazon_api.feed(channel, credentials, feed.handle)
    status = str(found.get("processingStatus"))
    try:
        if status in FEED_FAILED:
            raise Refused(f"{where}: the cancellation feed {feed.handle} ended {status}")
        if status == FEED_DONE:
            report = found.get("resultFeedDocumentId")
            errors = report_errors(amazon_api.feed_result(channel, credentials, str(report))) if report else []
            if errors:
                raise Refused(f"{where}: the cancellation feed {feed.handle} failed: {'; '.join(errors)[:300]}")
            return "pushed"
        waited = int(feed.waited().total_seconds())
        if waited >= FEED_PATIENCE_S:
            raise Refused(
                f"{where}: Amazon never finished the cancellation feed {feed.handle} ({status} {waited // 60} min "
                "after it was sent); redriven, the cancellation is sent again unless Amazon has it by then"
            )
    except Refused:
        sent.forget(feed)
        raise
    logger.info("amazon cancellation feed pending", extra={"channelId": channel.channel_id, "feedId": feed.handle})
    raise Pending(
        f"{where}: the cancellation feed {feed.handle} is {status} {waited // 60} min after it was sent: "
        f"checked again in {FEED_CHECK_S} s",
        seconds=FEED_CHECK_S,
    )


def acknowledgement(seller: str, order_id: str, items: Sequence[str], reason: str) -> bytes:
    """The order acknowledgement feed's XML (OrderAcknowledgement.xsd in amzn-envelope.xsd): StatusCode
    Failure for the order, naming `items` (AmazonOrderItemCode, with the reason: the schema has one per
    item only) when only they are cancelled."""
    envelope = ET.Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    envelope.set("xsi:noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.01"
    ET.SubElement(header, "MerchantIdentifier").text = seller
    ET.SubElement(envelope, "MessageType").text = "OrderAcknowledgement"
    message = ET.SubElement(envelope, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    ack = ET.SubElement(message, "OrderAcknowledgement")
    ET.SubElement(ack, "AmazonOrderID").text = order_id
    ET.SubElement(ack, "StatusCode").text = "Failure"
    for item_id in items:
        item = ET.SubElement(ack, "Item")
        ET.SubElement(item, "AmazonOrderItemCode").text = item_id
        ET.SubElement(item, "CancelReason").text = reason
    written: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return written


def report_errors(report: bytes) -> list[str]:
    """The errors a feed's processing report lists (ResultCode Error), each with its message code."""
    root = ET.fromstring(report)
    return [
        f"{r.findtext('ResultMessageCode') or '?'} {r.findtext('ResultDescription') or ''}".strip()
        for r in root.iter("Result")
        if r.findtext("ResultCode") == "Error"
    ]


def cancel_reason(reason: str | None) -> str:
    said = (reason or "").lower()
    return next((code for word, code in CANCEL_REASONS if word in said), "GeneralAdjustment")
