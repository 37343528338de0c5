"""The one seam every sales platform plugs into: verify a delivery, map the platform's order to the
canonical order command, fetch an order, push a status.

Webhook platforms (Shopify, WooCommerce) implement all but `fetch_order`, which is where the polled
marketplaces (bol, Amazon, Zalando) come in. `push_status` is called by the channel-status queue's
consumer: it takes the channel's configuration and its credentials, never reads them itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from chalicelib.domain.errors import Invalid, TryLater, Unauthorized

if TYPE_CHECKING:
    from chalicelib.contracts.api import CreateOrder
    from chalicelib.contracts.channel_status import StatusUpdate
    from chalicelib.domain.network import Channel


class Unmappable(Invalid):
    """The platform's order cannot become a canonical order; the text names the field, never its value."""


class Withdrawn(Exception):
    """The return a platform announced is no longer to expect (declined, cancelled, or no longer
    approved by the time it is read): nothing to create, and nothing for an operator to mend."""


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery whose signature holds: what makes a repeat of it a repeat, and its topic."""

    dedup_key: str
    topic: str


@dataclass(frozen=True)
class Ping:
    """A platform checking the URL when a webhook is saved (WooCommerce): answered, never kept."""


@dataclass(frozen=True)
class Ignored:
    """A signed delivery of a topic the OMS does not take (answered 200 so the platform keeps sending)."""

    topic: str


# What `verify` makes of a webhook body that it does not refuse.
Received = Delivery | Ping | Ignored


@dataclass(frozen=True)
class Off:
    """A discount as the platform gave it: how much, VAT included, and its code where it has one."""

    amount: Decimal
    code: str | None = None


@dataclass(frozen=True)
class PlatformFigures:
    """The platform's money beyond its lines: the total it charged, the discounts it put on no line,
    the shipping the customer paid (after its own discounts, with its tax), and tax the prices exclude
    that the platform put on no line (spread over the lines by their value)."""

    currency: str
    total: Decimal
    discounts: tuple[Off, ...] = ()
    shipping: Decimal = Decimal(0)
    shipping_method: str | None = None
    tax_to_spread: Decimal = Decimal(0)


@dataclass(frozen=True)
class ChannelOrder:
    """A platform's order as the OMS takes it: the command `POST /orders` takes, the platform's own
    update time (which delivery is newer), and whether the platform has cancelled it."""

    command: CreateOrder
    updated_at: datetime
    cancelled: bool
    figures: PlatformFigures
    cancel_lines: tuple[str, ...] = ()  # the platform's lines its customer asked to cancel (bol)
    # Per line, how many of its units the platform has cancelled (Zalando cancels unit by unit).
    cancelled_units: Mapping[str, int] = field(default_factory=dict)
    # The platform settles the money of those units itself (a Shopify edit's or refund's): the OMS
    # records their refund as the channel's and never pays it.
    units_refunded_by_platform: bool = False


# What push_status did: told the platform; found it already so ("already fulfilled"); or recorded
# only (logged and counted, not sent: see the connector for why).
Outcome = Literal["pushed", "already", "recorded"]


class Pending(TryLater):
    """What `push_status` sent the platform takes asynchronously and has not finished yet: the update
    comes back after `seconds` and is followed again, never sent again (the connector remembers what
    it sent by the update's event id: chalicelib/adapters/channels/sent.py)."""


class Connector(Protocol):
    type: str

    def verify(self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> Received:
        """The delivery if one of `secrets` signed `body`; raises `Unauthorized` otherwise."""
        ...

    def to_order(self, payload: Any, channel: Channel) -> ChannelOrder:
        """The canonical order; raises `Unmappable` (or pydantic's ValidationError) when it cannot be one."""
        ...

    def fetch_order(self, channel: Channel, credentials: str | None, external_id: str) -> ChannelOrder:
        """The platform's order as it is now (pollers, and thin notifications that only name it)."""
        ...

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> Outcome:
        """Tell the platform what became of its order (`credentials`: the channel's, JSON, if stored).
        Raises chalicelib.adapters.outbound's errors, `Refused` when it cannot be sent as it is, or
        `Pending` when the platform has not finished with what was sent."""
        ...


# The time the OMS first saw a polled order's state (added by the poller, chalicelib/service/channel_poll.py):
# a platform that gives no update time per order (bol) takes it as the state's update time.
SEEN_AT = "omsSeenAt"


class Polled(Protocol):
    """A platform whose orders are fetched on a schedule (bol, Amazon, Zalando)."""

    def changed_orders(
        self, channel: Channel, credentials: str | None, since: datetime, until: datetime
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each order changed from `since` to `until`, whole as the platform answers it, with its id.
        Raises chalicelib.adapters.outbound.Throttled on a 429 (the poller pauses the channel)."""
        ...


# The inbox topic of a return a platform's customer announced (the poller queues them with the orders,
# a webhook platform's connector names its return webhooks so).
ANNOUNCED_RETURN = "announced-return"


@dataclass(frozen=True)
class ReturnedUnits:
    """Units of one canonical line a customer sends back, with the reason codes to try, in order:
    the platform's own reason as a code, then the built-in code nearest to it."""

    line_id: str
    quantity: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ChannelReturn:
    """A return the platform's customer announced, of one order: the platform's id of it (each is
    created once), the order's external id, its units, and the tracking number of its label."""

    return_key: str
    external_id: str
    lines: tuple[ReturnedUnits, ...]
    tracking: str | None = None


@runtime_checkable
class AnnouncesReturns(Protocol):
    """A platform whose customers' returns become OMS returns: the inbox's consumer creates each."""

    def to_return(self, payload: Any, channel: Channel, credentials: str | None = None) -> ChannelReturn:
        """The announced return as the OMS takes it, fetched from the platform (`credentials`: the
        channel's) where `payload` only names it (Shopify's webhook); raises `Unmappable` when it
        cannot be one."""
        ...


@runtime_checkable
class ListsReturns(AnnouncesReturns, Protocol):
    """A polled platform that lists the returns its customers announce (Zalando): the poller reads
    them in its window and queues each to the inbox."""

    def announced_returns(
        self, channel: Channel, credentials: str | None, since: datetime, until: datetime
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each return announced from `since` to `until`, one per order, with what names it once."""
        ...


@runtime_checkable
class Hinted(Protocol):
    """A platform whose notifications only name an order (Amazon's ORDER_CHANGE): the inbox's consumer
    fetches the order as it is now instead of mapping the notification."""

    def order_named(self, payload: Any) -> str | None:
        """The platform's id of the order `payload` names, when it is such a notification (else None:
        `payload` is the order itself, as the poller queues it)."""
        ...


@runtime_checkable
class StockTaker(Protocol):
    """A marketplace told how many of a SKU it may sell (bol offer stock, Amazon listings quantity,
    Zalando stock); the stock-out consumer coalesces and throttles the calls."""

    def push_stock(self, channel: Channel, credentials: str | None, sku: str, quantity: int) -> Outcome:
        """Set what the platform may sell of `sku` to `quantity` (never below 0). Raises
        chalicelib.adapters.outbound's errors, or `Refused` when it cannot be sent as it is."""
        ...


class WebhookOnly:
    """For platforms whose orders come by webhook: fetching comes with the pollers."""

    type: str

    def fetch_order(self, channel: Channel, credentials: str | None, external_id: str) -> ChannelOrder:
        raise NotImplementedError(f"fetching {self.type} orders is not built yet")


class NoWebhooks:
    """For platforms that send no webhooks (polled, or notifying through an SQS queue): a delivery to
    the webhook URL is refused, saying how the platform's orders come instead."""

    no_webhooks: ClassVar[str]

    def verify(self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> Received:
        raise Unauthorized(self.no_webhooks)


class OrdersApi(Protocol):
    """A polled platform's client module (`amazon_api`, ...): its orders changed in a window, each
    whole, and one order by its id."""

    def order(self, channel: Channel, credentials: str | None, order_id: str, /) -> dict[str, Any]: ...

    def changed_orders(
        self, channel: Channel, credentials: str | None, since: datetime, until: datetime, /
    ) -> Iterator[dict[str, Any]]: ...


class _MapsWhole(Protocol):
    api: ClassVar[OrdersApi]

    def order_id(self, order: dict[str, Any]) -> str: ...

    def to_order(self, payload: Any, channel: Channel) -> ChannelOrder: ...


class PolledWhole:
    """For polled platforms whose listing gives each changed order whole (Amazon, Magento, Zalando):
    fetched and listed through the connector's `api`, each order named by its `order_id`."""

    api: ClassVar[OrdersApi]

    def fetch_order(self: _MapsWhole, channel: Channel, credentials: str | None, external_id: str) -> ChannelOrder:
        return self.to_order(self.api.order(channel, credentials, external_id), channel)

    def changed_orders(
        self: _MapsWhole, channel: Channel, credentials: str | None, since: datetime, until: datetime
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for order in self.api.changed_orders(channel, credentials, since, until):
            yield self.order_id(order), order


def signed_by(body: bytes, signature: str | None, secrets: Sequence[str]) -> bool:
    """Whether `signature` is base64(HMAC-SHA256(body)) under one of `secrets`, compared in constant
    time (Shopify's and WooCommerce's scheme). Every secret is tried, so timing says nothing of which."""
    if not signature:
        return False
    given = signature.strip().encode()
    matched = False
    for secret in secrets:
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        matched |= hmac.compare_digest(expected, given)
    return matched


def parse(body: bytes | str) -> Any:
    """JSON with every number exact: integers stay Python ints (Shopify's ids exceed 2^53, which a
    float would round) and decimals become Decimal (amounts as sent)."""
    return json.loads(body, parse_float=Decimal)
