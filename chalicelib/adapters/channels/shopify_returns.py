"""Shopify's returns: the `returns/approve` webhook names a return (its `return_line_items` are empty
even in Shopify's own samples), so the return is read through the GraphQL Admin API, which has
Shopify's returns only (REST has none).

The query follows the Admin API 2026-07 reference (shopify.dev/docs/api/admin-graphql): `Return`
(`status`, `order`, `returnLineItems`: a `ReturnLineItemTypeConnection` whose nodes are the
`ReturnLineItemType` interface, hence `... on ReturnLineItem`), `ReturnLineItem` (`quantity`,
`returnReason`: the `ReturnReason` enum, deprecated for `returnReasonDefinition` but still answered,
`returnReasonDefinition.handle`, `fulfillmentLineItem.lineItem.id`), and the label's
`ReverseDeliveryShippingDeliverable.tracking` (`ReverseDeliveryTrackingV2.number`); the same
`... on ReturnLineItem { quantity returnReason fulfillmentLineItem { lineItem { id } } }` shape as
microsoft/ALAppExtensions' Shopify connector (ShpfyGQLReturnLines.Codeunit.al). A GraphQL error
comes as a 200 with `errors`: THROTTLED is retried after a pause, anything else is retried, then
dead-lettered with Shopify's message."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.channels import base, mapping
from chalicelib.adapters.channels.api import call
from chalicelib.adapters.outbound import Rejected, Throttled
from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel

LINES_PER_RETURN = 50  # a return of more lines than that is dead-lettered (Unmappable), never cut short
THROTTLED_PAUSE_S = 2  # Shopify's cost bucket refills 50 points a second; a return query costs a few
QUERY = """query OmsReturn($id: ID!, $lines: Int!) {
  return(id: $id) {
    id
    status
    order { id }
    returnLineItems(first: $lines) {
      pageInfo { hasNextPage }
      nodes {
        ... on ReturnLineItem {
          quantity
          returnReason
          returnReasonDefinition { handle }
          fulfillmentLineItem { lineItem { id } }
        }
      }
    }
    reverseFulfillmentOrders(first: 5) {
      nodes {
        reverseDeliveries(first: 5) {
          nodes { deliverable { ... on ReverseDeliveryShippingDeliverable { tracking { number } } } }
        }
      }
    }
  }
}"""
# Shopify's reasons (the ReturnReason enum), as the built-in reason codes nearest to them (an admin's
# own code, the reason's handle or the enum in lower case, wins); OTHER and UNKNOWN have none.
NEAREST_REASON = {
    "size_too_small": "does_not_fit",
    "size_too_large": "does_not_fit",
    "unwanted": "changed_mind",
    "style": "changed_mind",
    "color": "changed_mind",
    "defective": "defective",
    "not_as_described": "wrong_item",
    "wrong_item": "wrong_item",
}
# A return the merchant declined or cancelled, or has not approved yet, is no return to expect.
NOT_EXPECTED = frozenset({"REQUESTED", "DECLINED", "CANCELED"})


def fetch(channel: Channel, admin: str, headers: dict[str, str], webhook: Any) -> base.ChannelReturn:
    """The return a `returns/approve` webhook names, as Shopify has it now (`admin`: the shop's Admin
    API base URL, `headers` its access token)."""
    named = webhook if isinstance(webhook, dict) else {}
    gid = mapping.text(named.get("admin_graphql_api_id"))
    if gid is None:
        gid = f"gid://shopify/Return/{mapping.required(named.get('id'), 'id')}"
    asked = {"query": QUERY, "variables": {"id": gid, "lines": LINES_PER_RETURN}}
    answer = call(channel, "POST", f"{admin}/graphql.json", headers, asked) or {}
    errors = answer.get("errors")
    if errors:
        _raise(channel, gid, errors)
    returned = (answer.get("data") or {}).get("return")
    if not returned:
        raise NotFound(f"shopify channel {channel.channel_id} has no return {gid} (yet)")
    return to_return(returned)


def to_return(returned: dict[str, Any]) -> base.ChannelReturn:
    """A GraphQL `Return` as the OMS takes it: its units per REST line item id (the gid's last part,
    as the order webhook names the line), each with its reason's codes."""
    return_id = _rest_id(mapping.required(returned.get("id"), "return.id"))
    status = str(returned.get("status") or "").upper()
    if status in NOT_EXPECTED:
        raise base.Withdrawn(f"return {return_id} is {status.lower()} in Shopify: nothing comes back")
    items = returned.get("returnLineItems") or {}
    if (items.get("pageInfo") or {}).get("hasNextPage"):
        raise base.Unmappable(f"return {return_id} has more than {LINES_PER_RETURN} lines")
    units: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for node in items.get("nodes") or []:
        line = ((node.get("fulfillmentLineItem") or {}).get("lineItem") or {}).get("id")
        key = (_rest_id(mapping.required(line, "returnLineItems.fulfillmentLineItem.lineItem.id")), _reasons(node))
        units[key] += mapping.whole(node.get("quantity"), f"return {return_id}'s quantity")
    if not units:
        raise base.Unmappable(f"return {return_id} names no line items")
    order = mapping.required((returned.get("order") or {}).get("id"), "return.order.id")
    lines = tuple(base.ReturnedUnits(line, n, reasons) for (line, reasons), n in units.items())
    return base.ChannelReturn(return_id, _rest_id(order), lines, _tracking(returned))


def _reasons(node: dict[str, Any]) -> tuple[str, ...]:
    handle = mapping.text((node.get("returnReasonDefinition") or {}).get("handle"))
    return mapping.reason_codes([handle, str(node.get("returnReason") or "")], NEAREST_REASON)


def _tracking(returned: dict[str, Any]) -> str | None:
    """The first label's tracking number, if Shopify has one yet (it may come later)."""
    for rfo in (returned.get("reverseFulfillmentOrders") or {}).get("nodes") or []:
        for delivery in (rfo.get("reverseDeliveries") or {}).get("nodes") or []:
            number = mapping.text((((delivery.get("deliverable") or {}).get("tracking")) or {}).get("number"))
            if number:
                return number
    return None


def _rest_id(gid: str) -> str:
    """`gid://shopify/LineItem/123` -> "123": the REST id the order webhooks carry."""
    return gid.rsplit("/", 1)[-1]


def _raise(channel: Channel, gid: str, errors: Any) -> None:
    listed = errors if isinstance(errors, list) else [{"message": errors}]
    codes = {str((e.get("extensions") or {}).get("code")) for e in listed if isinstance(e, dict)}
    said = "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in listed)[:300]
    where = f"shopify channel {channel.channel_id}: return {gid}"
    if "THROTTLED" in codes:
        raise Throttled(f"{where}: throttled ({said})", seconds=THROTTLED_PAUSE_S, status=200)
    raise Rejected(f"{where}: GraphQL answered errors: {said}", status=200, answer=said)
