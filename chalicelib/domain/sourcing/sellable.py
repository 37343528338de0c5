"""What a marketplace may be told it can sell of a SKU: the units its orders could be sourced from.

A marketplace's order is delivered home, so the rules that may serve it are those for home delivery
and its channel, in order, up to the first that does not hand on to the next; a location counts
with what the most generous of those rules that admit it may take from it (their safety stock and
minimum stock kept back). Distance and daily capacity are left out: they depend on an order not yet
placed. The buffer (what sells meanwhile elsewhere) comes off the sum, never below 0.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.network import Location
from chalicelib.domain.sourcing.engine import admits, applies, usable_units
from chalicelib.domain.sourcing.policy import Rule, SourcingPolicy


def may_sell(
    available: Mapping[str, int],
    locations: Mapping[str, Location],
    policy: SourcingPolicy,
    *,
    channel: str,
    buffer: int,
) -> int:
    """`available`: location -> units available there (onHand - reserved - safety stock)."""
    rules = _rules_for(policy, channel)
    total = 0
    for location_id, units in available.items():
        location = locations.get(location_id)
        if location is not None:
            total += max((usable_units(r, units) for r in rules if admits(r, location)), default=0)
    return max(0, total - buffer)


def _rules_for(policy: SourcingPolicy, channel: str) -> list[Rule]:
    found: list[Rule] = []
    for rule in policy.rules:
        if applies(rule, DeliveryMethod.HOME_DELIVERY, channel):
            found.append(rule)
            if rule.on_no_match != "next_rule":
                break
    return found
