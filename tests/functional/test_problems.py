"""Bad input gets a clear RFC 9457 problem, changes nothing, and is never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import order_body, post

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def no_orders(client: Any, admin: dict[str, str]) -> bool:
    listing: dict[str, Any] = json.loads(client.http.get("/orders?channel=webshop", headers=admin).body)
    return not listing["items"]


def test_malformed_json_is_400(client, admin):
    assert_problem(post(client, "/orders", '{"channel": "webshop",', admin), 400)
    assert_problem(post(client, "/orders", b"", admin), 400)
    assert no_orders(client, admin)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            {
                "lines": [
                    {"lineId": "1", "sku": "A", "quantity": "two", "unitPrice": {"amount": "1", "currency": "EUR"}}
                ]
            },
            ["body", "lines", 0, "quantity"],
        ),
        (
            {"lines": [{"lineId": "1", "sku": "A", "quantity": -1, "unitPrice": {"amount": "1", "currency": "EUR"}}]},
            ["body", "lines", 0, "quantity"],
        ),
        (
            {"lines": [{"lineId": "1", "sku": "A", "quantity": 1, "unitPrice": {"amount": 1.5, "currency": "EUR"}}]},
            ["body", "lines", 0, "unitPrice", "amount"],
        ),
        ({"surprise": True}, ["body", "surprise"]),
        ({"lines": []}, ["body", "lines"]),
        ({"placedAt": "yesterday"}, ["body", "placedAt"]),
        ({"placedAt": "2026-11-25T10:00:00"}, ["body", "placedAt"]),
    ],
)
def test_contract_violations_are_422_with_location(client, admin, change, where):
    problem = assert_problem(post(client, "/orders", order_body(**change), admin), 422)
    assert where in [e["loc"] for e in problem["errors"]]
    assert no_orders(client, admin)


def test_mixed_currencies_are_422(client, admin):
    lines = order_body()["lines"]
    lines[1]["unitPrice"] = {"amount": "20.00", "currency": "USD"}
    problem = assert_problem(post(client, "/orders", order_body(lines=lines), admin), 422)
    assert "one currency per order" in json.dumps(problem)
    assert no_orders(client, admin)


@pytest.mark.parametrize(
    ("payment", "says"),
    [
        ({"amount": "0.01", "currency": "EUR"}, "does not cover the order's total of 59.90 EUR"),
        ({"amount": "59.89", "currency": "EUR"}, "does not cover the order's total of 59.90 EUR"),
        ({"amount": "59.90", "currency": "USD"}, "differs from the payment's USD"),
    ],
)
def test_a_payment_short_of_the_total_or_in_another_currency_is_422(client, admin, payment, says):
    body = order_body(payment={"status": "authorized", "amount": payment})
    problem = assert_problem(post(client, "/orders", body, admin), 422)
    assert says in json.dumps(problem)
    if payment["currency"] == "EUR":
        assert ["payment", "amount", "amount"] in [e["loc"] for e in problem["errors"]]
    assert no_orders(client, admin)
    paid_in_full = order_body(payment={"status": "paid", "amount": {"amount": "60.00", "currency": "EUR"}})
    assert post(client, "/orders", paid_in_full, admin).status_code == 201


def test_duplicate_line_ids_are_422(client, admin):
    lines = order_body()["lines"]
    lines[1]["lineId"] = lines[0]["lineId"]
    assert_problem(post(client, "/orders", order_body(lines=lines), admin), 422)


def test_deeply_nested_json_is_400_not_a_recursion_error(client, admin):
    from chalicelib.http.requests import MAX_JSON_DEPTH

    problem = assert_problem(post(client, "/orders", "[" * 5000 + "]" * 5000, admin), 400)
    assert "deeper" in problem["detail"]
    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH - 1):  # the body itself is the first level
        nested = {"a": nested}
    # At the bound the body parses and is judged by the contract; brackets inside strings do not count.
    assert_problem(post(client, "/orders", order_body(surprise=nested), admin), 422)
    assert no_orders(client, admin)
    body = order_body(customer={"id": "c", "name": "[{" * 200})
    assert post(client, "/orders", body, admin).status_code == 201, "brackets in a string are text"


def test_huge_body_is_413(client, admin):
    body = order_body(customer={"id": "c", "name": "x" * 300_000})
    assert_problem(post(client, "/orders", body, admin), 413)
    assert no_orders(client, admin)


def test_no_token_or_unknown_token_is_401(client):
    assert_problem(post(client, "/orders", order_body(), {"Content-Type": "application/json"}), 401)
    bad = {"Authorization": "Bearer nope", "Content-Type": "application/json"}
    response = assert_problem(client.http.get("/orders/x", headers=bad), 401)
    assert response["detail"]


@pytest.mark.parametrize("path", ["/nope", "/orders/ord_1/nope", "/a/b/c/d/e/f/g/h/i", "/"])
def test_an_unknown_route_is_a_404_problem_that_repeats_no_credential(client, admin, path):
    for headers in (admin, {}, {"Authorization": "AWS4-HMAC-SHA256 Credential=secret-ish"}):
        answer = client.http.get(path, headers=headers)
        problem = assert_problem(answer, 404)
        assert problem["detail"] == "no such route; /docs lists them all"
        assert "Bearer" not in answer.body.decode()
        assert "secret-ish" not in answer.body.decode()
    assert_problem(client.http.post(path, headers=admin, body=b"{}"), 404)


def test_wrong_media_type_and_method_are_problems(client, admin):
    assert_problem(post(client, "/orders", "x", {**admin, "Content-Type": "text/plain"}), 415)
    assert_problem(client.http.delete("/orders", headers=admin), 405)


def test_unknown_order_is_404_and_bad_query_is_422(client, admin):
    assert_problem(client.http.get("/orders/ord_nope", headers=admin), 404)
    assert_problem(client.http.get("/orders?channel=webshop&cursor=!!!", headers=admin), 400)
    assert_problem(client.http.get("/orders?channel=webshop&limit=0", headers=admin), 422)
    assert_problem(client.http.get("/orders?status=lost", headers=admin), 422)
    assert_problem(client.http.get("/orders", headers=admin), 422)


def test_if_match_takes_the_version_bare_or_quoted(client, admin):
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    path = f"/orders/{order['orderId']}/cancellations"
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "x"}
    assert post(client, path, cancel, {**admin, "If-Match": "1"}).status_code == 200
    assert post(client, path, cancel, {**admin, "If-Match": '"2"'}).status_code == 200


def test_an_empty_optional_query_value_is_absent(client, admin):
    post(client, "/orders", order_body(), admin)
    listing = client.http.get("/orders?channel=webshop&status=&limit=&cursor=&since=", headers=admin)
    assert listing.status_code == 200, listing.body
    assert len(json.loads(listing.body)["items"]) == 1
    assert client.http.get("/fulfilment-orders?locationId=dc-tilburg&status=", headers=admin).status_code == 200
    assert_problem(client.http.get("/orders?channel=", headers=admin), 422)  # then nothing to filter by


def test_bad_if_match_and_cancelling_too_much(client, admin):
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    path = f"/orders/{order['orderId']}/cancellations"
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "x"}
    for malformed in ("soon", 'W/"1"', "3_0", "-1", "+1", '"1', "*"):
        problem = assert_problem(post(client, path, cancel, {**admin, "If-Match": malformed}), 400)
        assert problem["errors"][0]["loc"] == ["header", "If-Match"]
    assert_problem(post(client, path, cancel, {**admin, "If-Match": '"7"'}), 412)
    assert_problem(post(client, path, {"lines": [{"lineId": "1", "quantity": 9}], "reason": "x"}, admin), 422)
    assert_problem(post(client, path, {"lines": [{"lineId": "nope", "quantity": 1}], "reason": "x"}, admin), 422)
    assert json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)["version"] == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mutation=st.dictionaries(
        st.sampled_from(["channel", "externalId", "customer", "placedAt", "payment", "delivery", "lines", "storeId"]),
        json_values,
        min_size=1,
        max_size=3,
    )
)
def test_no_input_produces_a_500(client, admin, mutation):
    response = post(client, "/orders", order_body(**mutation), admin)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == PROBLEM
