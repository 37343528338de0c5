"""Amazon's Feeds for what neither Orders API writes: a cancellation as the XML order acknowledgement
(its StatusCode Failure cancels the order, or with Items those items), and the processing report a
done feed leaves. Order feeds have no JSON type in Amazon's current feed type list (JSON_LISTINGS_FEED
is for listings only); the flat file one (POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA) takes the same
fields as tab-separated text, so the XML one, whose schema Amazon publishes, is the one sent."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib.adapters.channels import amazon_api
from chalicelib.domain.errors import Refused
from chalicelib.observability import logger

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


def follow(channel: Channel, credentials: str | None, where: str, feed_id: str) -> Outcome:
    """The feed checked once: refused when it ended CANCELLED or FATAL, or when its report lists errors;
    pushed when done without, or when not yet done (its id logged: see the connector's `_cancel`)."""
    feed = amazon_api.feed(channel, credentials, feed_id)
    if feed.get("processingStatus") in ("CANCELLED", "FATAL"):
        raise Refused(f"{where}: the cancellation feed {feed_id} ended {feed['processingStatus']}")
    if feed.get("processingStatus") != FEED_DONE or not feed.get("resultFeedDocumentId"):
        logger.info("amazon cancellation feed sent", extra={"channelId": channel.channel_id, "feedId": feed_id})
        return "pushed"
    errors = report_errors(amazon_api.feed_result(channel, credentials, str(feed["resultFeedDocumentId"])))
    if errors:
        raise Refused(f"{where}: the cancellation feed {feed_id} failed: {'; '.join(errors)[:300]}")
    return "pushed"


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
