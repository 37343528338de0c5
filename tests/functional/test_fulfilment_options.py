"""`POST /fulfilment-options` on the demo network: located by position, postal code or CloudFront, and
governed by the live clickAndCollect rules from the very next request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.dynamo import Table
from chalicelib.contracts.api import FulfilmentOptionsOut
from chalicelib.service.network import refresh_summaries
from tests.conftest import bearer, issue_token, post, put

DEMO = json.loads((Path(__file__).resolve().parents[2] / "infra" / "demo_network.json").read_text())
SKUS = ("TEE-WHITE-M", "JEANS-SLIM-32", "SOFA-2SEAT")
AMSTERDAM = {"geo": {"lat": 52.3731, "lon": 4.8926}}  # the Dam
EINDHOVEN = {"postalCode": "5611 AS", "country": "NL"}


@pytest.fixture
def demo(client: Any, admin: dict[str, str]) -> Any:
    """The demo network through the API, some of its stock, and the summaries that stock feeds."""
    for location_id, location in DEMO["locations"].items():
        assert put(client, f"/locations/{location_id}", location, admin).status_code == 201
    counted = set()
    for location_id, stock in DEMO["stock"].items():
        for sku, on_hand in stock.items():
            if sku in SKUS:
                assert put(client, f"/inventory/{location_id}/{sku}", {"onHand": on_hand}, admin).status_code == 201
                counted.add((sku, location_id))
    refresh_summaries(Table(), counted)
    return client


def ask(client: Any, lines: list[tuple[str, int]], customer: Any = None, **headers: str) -> Any:
    body: dict[str, Any] = {"channel": "webshop", "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    if customer is not None:
        body["customer"] = customer
    return post(client, "/fulfilment-options", body, {**bearer(issue_token("channel:webshop")), **headers})


def options(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.body
    found = {o["method"]: o for o in json.loads(answer.body)["options"]}
    return {
        "home": found["home_delivery"]["available"],
        "stores": [s["locationId"] for s in found["click_and_collect"]["stores"]],
        "points": [p["locationId"] for p in found["pickup_point"]["points"]],
    }


def collect(client: Any, admin: dict[str, str], **rules: Any) -> None:
    base = {"minAvailable": 1, "maxStores": 3, "excludeSizeClasses": [], "maxDistanceKm": None}
    assert put(client, "/config/clickAndCollect", {**base, **rules}, admin).status_code == 200


def test_by_position_under_the_default_rules(demo):
    answer = ask(demo, [("TEE-WHITE-M", 2)], AMSTERDAM)
    body = json.loads(answer.body)
    assert [o["method"] for o in body["options"]] == ["home_delivery", "click_and_collect", "pickup_point"]
    assert body["locatedBy"] == "geo"
    FulfilmentOptionsOut.model_validate(body)  # the answer fits its documented contract
    # Defaults: at least 3 of every line, the 3 nearest, no size S. Utrecht ~35 km, Den Haag ~48 km.
    assert options(answer) == {
        "home": True,
        "stores": ["store-ams-kalverstraat", "store-utr-oudegracht", "store-dh-spuistraat"],
        "points": ["pup-ams-zuid", "pup-utr-centraal"],
    }
    first = body["options"][1]["stores"][0]
    assert first == {"locationId": "store-ams-kalverstraat", "name": "Amsterdam Kalverstraat", "distanceKm": 0.6}


def test_by_postal_code_and_by_cloudfront_viewer_headers(demo, admin):
    collect(demo, admin)
    by_code = ask(demo, [("TEE-WHITE-M", 1)], EINDHOVEN)
    assert json.loads(by_code.body)["locatedBy"] == "postalCode"
    assert options(by_code)["stores"][0] == "store-ehv-demer"
    rotterdam = {"CloudFront-Viewer-Latitude": "51.9225", "CloudFront-Viewer-Longitude": "4.4792"}
    by_viewer = ask(demo, [("TEE-WHITE-M", 1)], **rotterdam)
    assert json.loads(by_viewer.body)["locatedBy"] == "viewer"
    assert options(by_viewer)["stores"] == ["store-rtm-lijnbaan", "store-dh-spuistraat", "store-utr-oudegracht"]
    # A customer block wins over the headers.
    assert options(ask(demo, [("TEE-WHITE-M", 1)], AMSTERDAM, **rotterdam))["stores"][0] == "store-ams-kalverstraat"


def test_a_customer_who_cannot_be_located_gets_told_how(demo):
    nowhere = ask(demo, [("TEE-WHITE-M", 1)])
    assert nowhere.status_code == 422
    problem = json.loads(nowhere.body)
    assert "CloudFront-Viewer-Latitude" in problem["detail"] and "customer.geo" in problem["detail"]
    assert problem["errors"] == [{"loc": ["body", "customer"], "msg": "missing"}]
    garbled = ask(
        demo, [("TEE-WHITE-M", 1)], **{"CloudFront-Viewer-Latitude": "north", "CloudFront-Viewer-Longitude": "4"}
    )
    assert garbled.status_code == 422
    unknown = ask(demo, [("TEE-WHITE-M", 1)], {"postalCode": "8011 AA", "country": "NL"})
    assert unknown.status_code == 422
    assert json.loads(unknown.body)["errors"][0]["loc"] == ["body", "customer", "postalCode"]
    assert ask(demo, [("TEE-WHITE-M", 1)], {"postalCode": "1012", "country": "DE"}).status_code == 422
    assert ask(demo, [("TEE-WHITE-M", 1)], {"geo": {"lat": 95, "lon": 4}}).status_code == 422


def test_what_nobody_can_ship_has_no_home_delivery_and_no_pickup_points(demo, admin):
    collect(demo, admin)
    assert options(ask(demo, [("TEE-WHITE-M", 600)], AMSTERDAM))["home"]  # the DC's 500 are "at least the cap"
    unknown_sku = options(ask(demo, [("TEE-WHITE-M", 1), ("NOT-SOLD", 1)], AMSTERDAM))
    assert unknown_sku == {"home": False, "stores": [], "points": []}
    sofa = options(ask(demo, [("SOFA-2SEAT", 1)], AMSTERDAM))  # from the drop-ship partner only
    assert sofa == {"home": True, "stores": [], "points": ["pup-ams-zuid", "pup-utr-centraal"]}


def test_callers_and_channels(demo):
    body = {"channel": "bol", "lines": [{"sku": "TEE-WHITE-M", "quantity": 1}], "customer": AMSTERDAM}
    assert post(demo, "/fulfilment-options", body, bearer(issue_token("channel:webshop"))).status_code == 403
    assert post(demo, "/fulfilment-options", body, bearer(issue_token("cs"))).status_code == 422  # not registered
    for role in ("cs", "store:store-ams-kalverstraat", "admin", "ops"):
        answer = post(demo, "/fulfilment-options", {**body, "channel": "webshop"}, bearer(issue_token(role)))
        assert answer.status_code == 200, role
    assert post(demo, "/fulfilment-options", body, bearer(issue_token("dc:dc-tilburg"))).status_code == 403


def test_a_click_and_collect_rule_change_governs_the_next_answer_with_no_restart(demo, admin, monkeypatch):
    monkeypatch.setenv("OMS_CACHE_SECONDS", "3600")  # a warm Lambda: only a write may refresh the cache
    jeans_near_amsterdam = [("JEANS-SLIM-32", 1)]  # Amsterdam 4, Utrecht 3, Rotterdam 5, Groningen (S) 2
    collect(demo, admin, minAvailable=1, maxStores=3, excludeSizeClasses=[])
    assert options(ask(demo, jeans_near_amsterdam, AMSTERDAM))["stores"] == [
        "store-ams-kalverstraat",
        "store-utr-oudegracht",
        "store-rtm-lijnbaan",
    ]
    collect(demo, admin, minAvailable=1, maxStores=1, excludeSizeClasses=[])
    assert options(ask(demo, jeans_near_amsterdam, AMSTERDAM))["stores"] == ["store-ams-kalverstraat"]
    collect(demo, admin, minAvailable=5, maxStores=3, excludeSizeClasses=[])
    assert options(ask(demo, jeans_near_amsterdam, AMSTERDAM))["stores"] == ["store-rtm-lijnbaan"]
    collect(demo, admin, minAvailable=1, maxStores=3, excludeSizeClasses=[], maxDistanceKm=40)
    assert options(ask(demo, jeans_near_amsterdam, AMSTERDAM))["stores"] == [
        "store-ams-kalverstraat",
        "store-utr-oudegracht",
    ]

    groningen = {"postalCode": "9711", "country": "NL"}
    assert options(ask(demo, jeans_near_amsterdam, groningen))["stores"][0] == "store-gro-herestraat"
    collect(demo, admin, minAvailable=1, maxStores=3, excludeSizeClasses=["S"])
    assert "store-gro-herestraat" not in options(ask(demo, jeans_near_amsterdam, groningen))["stores"]

    # A draft changes nothing; activating it does, at once; so does rolling back.
    draft = put(demo, "/config/clickAndCollect?draft=true", {"minAvailable": 5, "excludeSizeClasses": []}, admin)
    assert options(ask(demo, jeans_near_amsterdam, groningen))["stores"][0] != "store-rtm-lijnbaan"
    post(demo, "/config/clickAndCollect/activate", {"version": json.loads(draft.body)["version"]}, admin)
    assert options(ask(demo, jeans_near_amsterdam, groningen))["stores"] == ["store-rtm-lijnbaan"]
    post(demo, "/config/clickAndCollect/activate", {"version": 2}, admin)  # maxStores 1
    assert options(ask(demo, jeans_near_amsterdam, AMSTERDAM))["stores"] == ["store-ams-kalverstraat"]


def test_new_stock_shows_once_its_summary_is_refreshed(demo, admin):
    collect(demo, admin, minAvailable=5, excludeSizeClasses=[])
    assert "store-ehv-demer" not in options(ask(demo, [("TEE-WHITE-M", 1)], EINDHOVEN))["stores"]
    put(demo, "/inventory/store-ehv-demer/TEE-WHITE-M", {"onHand": 9}, admin)
    refresh_summaries(Table(), {("TEE-WHITE-M", "store-ehv-demer")})
    assert options(ask(demo, [("TEE-WHITE-M", 1)], EINDHOVEN))["stores"][0] == "store-ehv-demer"
