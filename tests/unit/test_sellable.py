"""What a marketplace channel may be told it can sell: the units its home-delivery rules may take from
each location, summed, less the buffer, never below 0 (chalicelib/domain/sourcing/sellable.py)."""

from __future__ import annotations

from chalicelib.contracts.config import DEFAULT_SOURCING, SourcingConfig, SourcingRule
from chalicelib.domain.sourcing.sellable import may_sell
from chalicelib.service.config import sourcing_policy
from tests.unit.test_sourcing import LOCS

# dc and xdc by the DCs' rule (nothing kept back); ams (L) and utr (M) by the stores' rule (1 kept back
# each); ehv cannot ship and pup is no source at all.
STOCK = {"dc": 10, "xdc": 2, "ams": 5, "utr": 1, "ehv": 7, "pup": 3}


def sellable(config: SourcingConfig = DEFAULT_SOURCING, *, channel: str = "bol-nl", buffer: int = 0) -> int:
    return may_sell(STOCK, LOCS, sourcing_policy(config), channel=channel, buffer=buffer)


def test_the_locations_the_default_rules_ship_from_count_with_what_they_keep_back_off():
    assert sellable() == 10 + 2 + (5 - 1) + (1 - 1)


def test_the_buffer_comes_off_and_never_below_zero():
    assert sellable(buffer=6) == 10
    assert sellable(buffer=100) == 0


def test_rules_past_one_that_does_not_hand_on_serve_nothing_and_a_channels_own_rules_apply():
    dcs_only = SourcingRule(name="DCs", location_types=["dc"], on_no_match="backorder")
    stores = SourcingRule(name="Stores", location_types=["store"])
    assert sellable(SourcingConfig(rules=[dcs_only, stores])) == 10
    for_bol = SourcingRule(name="bol from stores", when={"channels": ["bol-nl"]}, location_types=["store"])
    assert sellable(SourcingConfig(rules=[for_bol, dcs_only])) == 5 + 1 + 10
    assert sellable(SourcingConfig(rules=[for_bol, dcs_only]), channel="amazon-nl") == 10


def test_a_location_counts_once_with_its_most_generous_rule():
    generous = SourcingRule(name="all stores", location_types=["store", "dc"])
    strict = SourcingRule(name="stores keep 2", location_types=["store"], safety_stock=2)
    assert sellable(SourcingConfig(rules=[strict, generous])) == 5 + 1 + 10
