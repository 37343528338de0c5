"""Every id in a path matches one documented pattern (chalicelib.domain.ids), else 422; free text
is printable. The network's and the OMS's own ids all fit."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.ids import ID_PATTERN
from tests.conftest import order_body, post, put
from tests.functional.test_network_api import AMS
from tests.functional.test_problems import assert_problem


@pytest.mark.parametrize("raw", ["..%2Fx", "A%23B", "nul%00", "a%20b", "-leading", ".hidden", "x" * 129])
def test_a_path_id_off_the_pattern_is_422_naming_the_parameter(client, admin, raw):
    problem = assert_problem(client.http.get(f"/orders/{raw}", headers=admin), 422)
    assert problem["errors"] == [{"loc": ["path", "order_id"], "msg": f"must match {ID_PATTERN}"}]
    assert_problem(client.http.get(f"/inventory/{raw}", headers=admin), 422)
    problem = assert_problem(put(client, f"/inventory/store-ams/{raw}", {"onHand": 1}, admin), 422)
    assert [e["loc"] for e in problem["errors"]] == [["path", "sku"]]


@pytest.mark.usefixtures("demo")
def test_the_demo_networks_and_the_oms_own_ids_fit(client, admin):
    locations = json.loads(client.http.get("/locations", headers=admin).body)["items"]
    for location in locations:
        assert client.http.get(f"/locations/{location['locationId']}", headers=admin).status_code == 200
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    assert client.http.get(f"/orders/{order['orderId']}", headers=admin).status_code == 200
    for fo in order["fulfilmentOrders"]:
        assert client.http.get(f"/fulfilment-orders/{fo['fulfilmentOrderId']}", headers=admin).status_code == 200


@pytest.mark.parametrize("bad", ["Shop\x00", "Shop\nSecond line", "Tab\there"])
def test_names_refuse_control_characters(client, admin, bad):
    problem = assert_problem(put(client, "/locations/store-ams", {**AMS, "name": bad}, admin), 422)
    assert ["body", "name"] in [e["loc"] for e in problem["errors"]]
    customer = {"id": "cust-1", "name": bad}
    problem = assert_problem(post(client, "/orders", order_body(customer=customer), admin), 422)
    assert ["body", "customer", "name"] in [e["loc"] for e in problem["errors"]]


def test_a_body_id_off_the_pattern_is_422(client, admin):
    """An id a body brings in may come back in a path, so it follows the same pattern."""
    problem = assert_problem(post(client, "/orders", order_body(customer={"id": "a#b"}), admin), 422)
    assert ["body", "customer", "id"] in [e["loc"] for e in problem["errors"]]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.text(min_size=1, max_size=140),
    template=st.sampled_from(
        ["/orders/{}", "/locations/{}", "/inventory/{}", "/fulfilment-orders/{}", "/customers/{}/orders", "/tasks/{}"]
    ),
)
def test_any_path_id_is_200_404_or_422_never_500(client, admin, raw, template):
    answer = client.http.get(template.format(quote(raw, safe="")), headers=admin)
    assert answer.status_code in (200, 404, 422), (raw, answer.status_code, answer.body)
