"""Which stores and pick-up points a cart is offered, and whether it can be delivered: pure rules."""

from __future__ import annotations

from chalicelib.adapters.postcodes import locate
from chalicelib.contracts.config import ClickAndCollectConfig
from chalicelib.domain.fulfilment_options import Nearby, fulfilment_options
from chalicelib.domain.network import Capability, Geo, Location, LocationType

CAP = 20
HOME = Geo(52.3702, 4.8910)  # Amsterdam, the Dam
STORE_CAPS = frozenset({Capability.SHIP, Capability.COLLECT})


def loc(
    location_id: str,
    lat: float,
    lon: float,
    *,
    type: LocationType = LocationType.STORE,
    size: str | None = "M",
    caps: frozenset[Capability] = STORE_CAPS,
    active: bool = True,
) -> Location:
    return Location(location_id, location_id.title(), type, Geo(lat, lon), caps, active=active, size_class=size)


NETWORK = [
    loc("near", 52.3680, 4.8920),  # ~0.3 km
    loc("mid", 52.3400, 4.8700),  # ~3.7 km
    loc("far", 52.0907, 5.1214),  # Utrecht, ~35 km
    loc("small", 52.3720, 4.9000, size="S"),  # ~0.6 km
    loc("shut", 52.3705, 4.8915, active=False),
    loc("no-collect", 52.3706, 4.8912, caps=frozenset({Capability.SHIP})),
    loc("dc", 51.5719, 5.0672, type=LocationType.DC, size=None, caps=frozenset({Capability.SHIP})),
    loc("pup-zuid", 52.3389, 4.8735, type=LocationType.PICKUP_POINT, size=None, caps=frozenset({Capability.COLLECT})),
    loc("pup-utr", 52.0894, 5.1101, type=LocationType.PICKUP_POINT, size=None, caps=frozenset({Capability.COLLECT})),
]


def rules(**overrides: object) -> ClickAndCollectConfig:
    base: dict[str, object] = {"minAvailable": 1, "maxStores": 10, "excludeSizeClasses": [], "maxDistanceKm": None}
    return ClickAndCollectConfig.model_validate({**base, **overrides})


def ids(nearby: list[Nearby]) -> list[str]:
    return [n.location_id for n in nearby]


EVERYWHERE = {loc.location_id: 5 for loc in NETWORK}


def test_stores_are_active_collect_stores_nearest_first_with_rounded_distances():
    found = fulfilment_options(HOME, [("A", 1)], NETWORK, {"A": EVERYWHERE}, rules(), cap=CAP)
    assert ids(found.stores) == ["near", "small", "mid", "far"]  # no closed, no ship-only, no DC, no point
    assert [n.distance_km for n in found.stores][:2] == [0.3, 0.6]
    assert found.stores[0].name == "Near"


def test_max_stores_size_classes_and_distance_limit_the_stores():
    def stores(**rule: object) -> list[str]:
        return ids(fulfilment_options(HOME, [("A", 1)], NETWORK, {"A": EVERYWHERE}, rules(**rule), cap=CAP).stores)

    assert stores(maxStores=1) == ["near"]
    assert stores(excludeSizeClasses=["S"]) == ["near", "mid", "far"]
    assert stores(excludeSizeClasses=["S", "M"]) == []
    assert stores(maxDistanceKm=5) == ["near", "small", "mid"]
    assert stores(maxDistanceKm=5, maxStores=2, excludeSizeClasses=["S"]) == ["near", "mid"]


def test_a_store_needs_min_available_of_every_line():
    stock = {"A": {"near": 5, "mid": 2, "far": 9}, "B": {"near": 1, "mid": 2, "far": 9}}
    lines = [("A", 1), ("B", 1)]

    def stores(minimum: int) -> list[str]:
        return ids(fulfilment_options(HOME, lines, NETWORK, stock, rules(minAvailable=minimum), cap=CAP).stores)

    assert stores(1) == ["near", "mid", "far"]
    assert stores(2) == ["mid", "far"]  # near has only 1 of B
    assert stores(3) == ["far"]
    assert stores(0) == ["near", "small", "mid", "far"]  # 0: any collect store, stock or not


def test_min_available_above_the_summary_cap_means_the_cap():
    stock = {"A": {"near": CAP, "mid": CAP - 1}}
    found = fulfilment_options(HOME, [("A", 1)], NETWORK, stock, rules(minAvailable=500), cap=CAP)
    assert ids(found.stores) == ["near"]


def test_home_delivery_needs_every_line_at_one_shipping_location_each():
    def home(stock: dict[str, dict[str, int]], lines: list[tuple[str, int]]) -> bool:
        return fulfilment_options(HOME, lines, NETWORK, stock, rules(), cap=CAP).home_delivery

    assert home({"A": {"dc": 3}, "B": {"near": 2}}, [("A", 3), ("B", 2)])  # from different places is fine
    assert not home({"A": {"dc": 3}}, [("A", 4)])
    assert not home({"A": {"dc": 3}, "B": {}}, [("A", 1), ("B", 1)])
    assert home({"A": {"small": 9}}, [("A", 1)])  # a store that ships may, whatever its size
    assert not home({"A": {"pup-zuid": 9, "shut": 9}}, [("A", 1)])  # points and closed stores do not ship
    assert home({"A": {"dc": CAP}}, [("A", 500)])  # capped: the summary says "plenty"
    assert not home({"A": {"dc": 3}}, [("A", 2), ("A", 2)])  # one SKU on two lines needs both


def test_pickup_points_come_with_home_delivery_nearest_first_and_limited_like_stores():
    stock = {"A": {"dc": 10}}
    found = fulfilment_options(HOME, [("A", 1)], NETWORK, stock, rules(), cap=CAP)
    assert ids(found.points) == ["pup-zuid", "pup-utr"] and found.stores == []
    assert ids(fulfilment_options(HOME, [("A", 1)], NETWORK, stock, rules(maxStores=1), cap=CAP).points) == ["pup-zuid"]
    assert ids(fulfilment_options(HOME, [("A", 1)], NETWORK, stock, rules(maxDistanceKm=10), cap=CAP).points) == [
        "pup-zuid"
    ]
    assert fulfilment_options(HOME, [("A", 11)], NETWORK, stock, rules(), cap=CAP).points == []


def test_postal_codes_place_the_customer_in_their_area():
    dam = locate("1012 LG", "NL")
    assert dam is not None and dam.distance_km(HOME) < 1
    assert locate("1012lg", "NL") == locate("1012", "NL") == dam
    for city, code, where in (
        ("Rotterdam", "3012 EM", Geo(51.9199, 4.4749)),
        ("Utrecht", "3511 AZ", Geo(52.0907, 5.1214)),
        ("Den Haag", "2511 BE", Geo(52.0786, 4.3127)),
        ("Eindhoven", "5611 AS", Geo(51.4393, 5.4776)),
        ("Groningen", "9711 LM", Geo(53.2159, 6.5681)),
        ("Tilburg", "5038", Geo(51.5606, 5.0838)),
    ):
        found = locate(code, "NL")
        assert found is not None and found.distance_km(where) < 2, city
    assert locate("9999 ZZ", "NL") is None
    assert locate("1012 LG", "BE") is None
    assert locate("SW1A 1AA", "NL") is None
