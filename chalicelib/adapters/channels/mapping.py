"""What every connector's mapping shares: exact amounts, UTC times, addresses with Dutch house
numbers, and the canonical command itself (so the connectors only say where each field is)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.channels.base import ChannelOrder, PlatformFigures, Unmappable
from chalicelib.adapters.channels.money import Line, order_money

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel

# Countries where the house number follows the street and carriers want it apart (PostNL, bpost).
_NUMBER_AFTER_STREET = frozenset({"NL", "BE"})
# "Keizersgracht 123A", "Damrak 1-3 hs", "1e Helmersstraat 5 bis": the street is greedy, so digits
# inside it ("Laan 1940-1945 12") stay in the street.
_STREET_NUMBER = re.compile(
    r"^(?P<street>.+)\s+(?P<number>\d{1,5})(?:\s*[-/]?\s*(?P<ext>[A-Za-z0-9]{1,4}(?:[ -][A-Za-z0-9]{1,4})?))?$"
)
_BARE_NUMBER = re.compile(r"^(?P<number>\d{1,5})(?:\s*[-/]?\s*(?P<ext>[A-Za-z0-9]{1,4}))?$")


def text(value: Any) -> str | None:
    """A platform's optional text: None for absent, null and blank alike."""
    if value is None:
        return None
    found = str(value).strip()
    return found or None


def required(value: Any, field: str) -> str:
    found = text(value)
    if found is None:
        raise Unmappable(f"{field} is missing")
    return found


def decimal(value: Any, field: str) -> Decimal:
    """An amount sent as a string ("19.95") or a JSON number (parsed as Decimal or int), exactly."""
    if isinstance(value, bool) or value is None:
        raise Unmappable(f"{field} is not an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Unmappable(f"{field} is not an amount") from None
    if not amount.is_finite():
        raise Unmappable(f"{field} is not an amount")
    return amount


def whole(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise Unmappable(f"{field} is not a whole number")
    return int(value)


def utc(value: Any, field: str, *, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 time in UTC. A time without a zone is refused unless the platform documents it
    as UTC (`naive_is_utc`: WooCommerce's `*_gmt` fields)."""
    raw = required(value, field)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Unmappable(f"{field} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise Unmappable(f"{field} has no time zone")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def address(
    *,
    name: str | None,
    company: Any,
    line1: Any,
    line2: Any,
    postal_code: Any,
    city: Any,
    region: Any,
    country: Any,
    field: str,
) -> dict[str, Any]:
    """The canonical address; in NL and BE the house number (with its extension) taken out of the
    street line, or out of the second line where a checkout asks for it apart."""
    country_code = required(country, f"{field}.country").upper()
    street, second, number = required(line1, f"{field}.line1"), text(line2), None
    if country_code in _NUMBER_AFTER_STREET:
        in_street = _STREET_NUMBER.match(street)
        alone = _BARE_NUMBER.match(second or "")
        if in_street:
            street, number = in_street["street"], _house_number(in_street["number"], in_street["ext"])
        elif alone:
            second, number = None, _house_number(alone["number"], alone["ext"])
    found = {
        "name": name,
        "company": text(company),
        "line1": street,
        "line2": second,
        "houseNumber": number,
        "postalCode": required(postal_code, f"{field}.postalCode"),
        "city": required(city, f"{field}.city"),
        "region": text(region),
        "country": country_code,
    }
    return {k: v for k, v in found.items() if v is not None}


@dataclass(frozen=True)
class AddressKeys:
    """Where a platform keeps each part of an address in its own address object (None: nowhere, or
    in several fields that the connector composes into the part)."""

    line1: str
    line2: str | None
    postal_code: str
    city: str
    region: str | None
    country: str
    company: str | None = "company"


def home_delivery(
    block: dict[str, Any],
    keys: AddressKeys,
    *,
    name: str | None,
    field: str,
    line1: str | None = None,
    line2: str | None = None,
) -> dict[str, Any] | None:
    """Home delivery to the platform's shipping address; None when the order has none (no `keys.line1`).
    `line1` and `line2`: the street line and the next, where the connector composes them."""
    if not text(block.get(keys.line1)):
        return None
    found = address(
        name=name,
        company=_at(block, keys.company),
        line1=block.get(keys.line1) if line1 is None else line1,
        line2=_at(block, keys.line2) if line2 is None else line2,
        postal_code=block.get(keys.postal_code),
        city=block.get(keys.city),
        region=_at(block, keys.region),
        country=block.get(keys.country),
        field=field,
    )
    return {"method": "home_delivery", "address": found}


def _at(block: dict[str, Any], key: str | None) -> Any:
    return block.get(key) if key is not None else None


def _house_number(number: str, extension: str | None) -> str:
    return f"{number}-{extension.strip()}" if extension else number


def joined(separator: str, *values: Any) -> str:
    """The platform's optional texts that are there, joined ("" when none is)."""
    return separator.join(part for part in (text(v) for v in values) if part)


def full_name(first: Any, last: Any) -> str | None:
    return text(joined(" ", first, last))


def first_text(*values: Any) -> str | None:
    """The first of a platform's optional texts that is there (where it keeps one in several places)."""
    return next((found for found in map(text, values) if found), None)


@dataclass(frozen=True)
class Buyer:
    """Who placed the order, as the platform gives it: its own id for them (None for a guest, and on
    platforms that name no customer: their emails are per order) and their optional contact texts."""

    platform_id: Any
    email: Any
    name: Any
    phone: Any


def currency_of(platform_currency: Any, channel: Channel) -> str:
    """The order's own currency, else the channel's configured one."""
    found = text(platform_currency) or channel.currency
    if found is None:
        raise Unmappable(f"the order has no currency and channel {channel.channel_id} names none (PUT /channels)")
    return found.upper()


def canonical(
    channel: Channel,
    *,
    external_id: str,
    buyer: Buyer,
    placed_at: datetime,
    updated_at: datetime,
    paid: bool,
    lines: list[Line],
    delivery: dict[str, Any] | None,
    figures: PlatformFigures,
    cancelled: bool,
    cancel_lines: tuple[str, ...] = (),
    cancelled_units: Mapping[str, int] | None = None,
    units_refunded_by_platform: bool = False,
) -> ChannelOrder:
    """The command `POST /orders` takes, validated as it would be there."""
    from chalicelib.contracts.api import CreateOrder

    if not lines:
        raise Unmappable("the order has no line items")
    money = order_money(channel.channel_id, lines, figures)
    body = {
        "channel": channel.channel_id,
        "externalId": external_id,
        "customer": {
            "id": _customer_id(channel, buyer.platform_id, external_id),
            "email": text(buyer.email),
            "name": text(buyer.name),
            "phone": text(buyer.phone),
        },
        "placedAt": placed_at.isoformat(),
        "payment": {"status": "paid" if paid else "authorized", "amount": money.pop("payment_amount")},
        **money,
        **({"delivery": delivery} if delivery else {}),
    }
    return ChannelOrder(
        CreateOrder.model_validate(body),
        updated_at,
        cancelled,
        figures,
        cancel_lines,
        dict(cancelled_units or {}),
        units_refunded_by_platform,
    )


def _customer_id(channel: Channel, platform_id: Any, external_id: str) -> str:
    """The channel's customer id, prefixed by the channel (ids of two shops may collide); a guest
    is known by the order only."""
    found = text(platform_id)
    return f"{channel.channel_id}:{found}" if found and found != "0" else f"{channel.channel_id}:guest:{external_id}"


def sku_of(channel: Channel, sku: Any, product_ids: Sequence[Any], line_id: str) -> str:
    """The line's SKU; where the platform's product has none (WooCommerce allows it), the product's
    own id under the channel's name, so stock can be counted for it and the line is not lost."""
    found = text(sku)
    if found is not None:
        return found
    product = next((p for p in (text(i) for i in product_ids) if p and p != "0"), None)
    if product is None:
        raise Unmappable(f"line item {line_id} has neither a SKU nor a product id")
    return f"{channel.channel_id}:product:{product}"


def store_for(channel: Channel, platform_location: str, field: str) -> str:
    """Our store for the platform's location (the channel's locationMap)."""
    found = channel.location_map.get(platform_location)
    if found is None:
        raise Unmappable(
            f"{field} names platform location {platform_location!r}, which channel {channel.channel_id}'s "
            "locationMap does not map to a location of ours (PUT /channels)"
        )
    return found


def reason_codes(said: Sequence[str | None], nearest: Mapping[str, str]) -> tuple[str, ...]:
    """A platform's return reasons as the reason codes to try, in order: each as a code (`TOO_LARGE`,
    `too-large`: `too_large`), then the built-in code `nearest` names for the first it knows."""
    codes = [code for code in (re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")[:64] for s in said if s) if code]
    near = next((nearest[code] for code in codes if code in nearest), None)
    return tuple(dict.fromkeys([*codes, near] if near else codes))
