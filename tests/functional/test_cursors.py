"""A cursor names a position in the query it came from; anything else is a 400, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import order_body, post, unique
from tests.functional.test_problems import assert_problem


def forge(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@pytest.fixture
def two_orders(client, admin) -> tuple[str, str]:
    """A customer with two orders: their history has a second page."""
    customer = unique("cust")
    for _ in range(2):
        assert post(client, "/orders", order_body(customer={"id": customer}), admin).status_code == 201
    first = json.loads(client.http.get(f"/customers/{customer}/orders?limit=1", headers=admin).body)
    assert first["nextCursor"]
    return customer, first["nextCursor"]


def test_a_cursor_pages_on_in_its_own_query(client, admin, two_orders):
    customer, cursor = two_orders
    page = json.loads(client.http.get(f"/customers/{customer}/orders?limit=1&cursor={cursor}", headers=admin).body)
    assert len(page["items"]) == 1


def key_of(cursor: str) -> dict[str, str]:
    found: dict[str, str] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return found


@pytest.mark.parametrize(
    "tamper",
    [
        lambda key: {**key, "GSI1PK": "CUSTOMER#someone-else"},  # another partition of the same index
        lambda key: {**key, "GSI2PK": "CHANNEL#webshop"},  # an attribute of another index
        lambda key: {k: v for k, v in key.items() if k != "SK"},  # a key attribute short
        lambda key: {**key, "SK": 7},  # not a string
        lambda key: [key],  # not a key at all
    ],
)
def test_a_tampered_cursor_is_400(client, admin, two_orders, tamper):
    customer, cursor = two_orders
    answer = client.http.get(f"/customers/{customer}/orders?cursor={forge(tamper(key_of(cursor)))}", headers=admin)
    problem = assert_problem(answer, 400)
    assert problem["errors"] == [{"loc": ["query", "cursor"], "msg": "invalid"}]


def test_a_cursor_of_another_query_is_400(client, admin, two_orders):
    _, cursor = two_orders
    assert_problem(client.http.get(f"/customers/{unique('cust')}/orders?cursor={cursor}", headers=admin), 400)
    assert_problem(client.http.get(f"/orders?channel=webshop&cursor={cursor}", headers=admin), 400)


def test_a_cursor_outside_the_time_window_is_400(client, admin):
    key = {
        "PK": "ORDER#ord_x",
        "SK": "ORDER",
        "GSI2PK": "CHANNEL#webshop",
        "GSI2SK": "2020-01-01T00:00:00Z#ord_x",
    }
    listing = "/orders?channel=webshop&since=2026-01-01"
    assert_problem(client.http.get(f"{listing}&cursor={forge(key)}", headers=admin), 400)
    inside = {**key, "GSI2SK": "2026-06-01T00:00:00Z#ord_x"}
    assert client.http.get(f"{listing}&cursor={forge(inside)}", headers=admin).status_code == 200


def test_a_forged_config_history_cursor_is_400(client, admin):
    other_section = {"PK": "CONFIG#clickAndCollect", "SK": "VERSION#000000001"}
    history = f"/config/sourcing/history?cursor={forge(other_section)}"
    assert_problem(client.http.get(history, headers=admin), 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cursor=st.one_of(
        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&#%+"), max_size=40),
        st.dictionaries(st.sampled_from(["PK", "SK", "GSI1PK", "GSI1SK", "x"]), st.text(max_size=8)).map(forge),
    )
)
def test_no_cursor_is_a_500(client, admin, cursor):
    answer = client.http.get(f"/customers/cust-1/orders?cursor={cursor}", headers=admin)
    assert answer.status_code in (200, 400), answer.body
