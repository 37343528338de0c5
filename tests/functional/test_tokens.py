"""Tokens expire, are listed without their secrets, and are revoked by id."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.service import auth
from tests.conftest import bearer, post
from tests.functional.test_problems import assert_problem

pytestmark = pytest.mark.usefixtures("demo")  # scoped tokens name the demo's places
TABLE = "oms-test-orders"


def made(client: Any, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = post(client, "/tokens", {"role": "store:store-ams-kalverstraat", **body}, admin)
    assert answer.status_code == 201, answer.body
    created: dict[str, Any] = json.loads(answer.body)
    return created


def expires_in_days(token: dict[str, Any]) -> float:
    expires = datetime.fromisoformat(token["expiresAt"])
    return (expires - datetime.now(UTC)) / timedelta(days=1)


def test_a_token_expires_after_90_days_by_default_and_at_most_365(client, admin):
    token = made(client, admin)
    assert token["tokenId"].startswith("tok_")
    assert token["role"] == "store:store-ams-kalverstraat"
    assert 89.9 < expires_in_days(token) <= 90
    assert 6.9 < expires_in_days(made(client, admin, expiresInDays=7)) <= 7
    for days in (0, auth.MAX_DAYS + 1, "90"):
        assert_problem(post(client, "/tokens", {"role": "cs", "expiresInDays": days}, admin), 422)


def test_the_contract_bounds_are_the_services():
    from chalicelib.contracts.api import CreateToken

    field = CreateToken.model_fields["expires_in_days"]
    assert field.default == auth.DEFAULT_DAYS
    assert [m.le for m in field.metadata if hasattr(m, "le")] == [auth.MAX_DAYS]


def test_the_documents_state_the_auth_cache_lifetime():
    from pathlib import Path

    from chalicelib.openapi import document

    lifetime = f"{auth.CACHE_SECONDS} seconds"
    assert lifetime in document()["paths"]["/tokens/{token_id}"]["delete"]["summary"]
    assert lifetime in document()["components"]["securitySchemes"]["bearer"]["description"]
    assert f"**{lifetime}**" in (Path(__file__).parents[2] / "README.md").read_text()


def test_tokens_are_listed_by_admins_without_secrets_or_hashes(client, admin):
    token = made(client, admin, description="till 3")
    answer = client.http.get("/tokens", headers=admin)
    assert answer.status_code == 200
    listed = json.loads(answer.body)["items"]
    mine = next(t for t in listed if t["tokenId"] == token["tokenId"])
    assert mine == {k: v for k, v in token.items() if k != "token"}
    assert mine["scope"] == "store-ams-kalverstraat"
    assert token["token"] not in answer.body.decode()
    assert auth.hash_token(token["token"]) not in answer.body.decode()
    assert client.http.get("/tokens", headers=bearer(token["token"])).status_code == 403


def test_a_revoked_token_is_refused(client, admin):
    token = made(client, admin)
    theirs = bearer(token["token"])
    assert client.http.get("/locations", headers=theirs).status_code == 200  # now cached
    assert client.http.delete(f"/tokens/{token['tokenId']}", headers=theirs).status_code == 403
    revoked = client.http.delete(f"/tokens/{token['tokenId']}", headers=admin)
    assert revoked.status_code == 204
    assert revoked.body == b""
    assert_problem(client.http.get("/locations", headers=theirs), 401)
    assert_problem(client.http.delete(f"/tokens/{token['tokenId']}", headers=admin), 404)
    listed = json.loads(client.http.get("/tokens", headers=admin).body)["items"]
    assert token["tokenId"] not in [t["tokenId"] for t in listed]


def test_an_expired_token_is_refused(client, admin):
    token = made(client, admin)
    key = {"PK": {"S": f"TOKEN#{auth.hash_token(token['token'])}"}, "SK": {"S": "TOKEN"}}
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    problem = assert_problem(client.http.get("/locations", headers=bearer(token["token"])), 401)
    assert "expired" in problem["detail"]


def test_a_token_from_before_expiry_existed_is_refused(client):
    """Without an expiry or an id it could never be listed or revoked."""
    legacy = "oms_legacy-token"
    boto3.client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": f"TOKEN#{auth.hash_token(legacy)}"},
            "SK": {"S": "TOKEN"},
            "type": {"S": "token"},
            "role": {"S": "admin"},
        },
    )
    assert_problem(client.http.get("/locations", headers=bearer(legacy)), 401)


def test_a_scoped_token_is_issued_only_for_a_place_of_its_kind(client, admin):
    for role in (
        "store:pup-ams-zuid",
        "dc:store-ams-kalverstraat",
        "store:nowhere",
        "channel:nowhere",
        "dc:pup-ams-zuid",
    ):
        answer = post(client, "/tokens", {"role": role}, admin)
        assert_problem(answer, 422)
        assert "token is for one" in json.loads(answer.body)["detail"], role
    for role in ("store:store-ams-kalverstraat", "dc:dc-tilburg", "dc:xdc-venlo", "channel:webshop", "ops"):
        assert post(client, "/tokens", {"role": role}, admin).status_code == 201, role
