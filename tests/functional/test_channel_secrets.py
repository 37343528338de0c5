"""A channel's secret goes to Secrets Manager under oms-<stage>/channels/<id>, and nowhere else."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import boto3
import pytest

from chalicelib.adapters import aws, secrets
from chalicelib.adapters.dynamo import Table
from tests.conftest import unique

SECRET = "whsec_" + "A1b2C3d4E5f6G7h8" * 2
ROTATED = '{"clientId": "bol-client", "clientSecret": "s3cr3t-rotated-0123456789"}'


def put(client: Any, channel_id: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.put(f"/channels/{channel_id}", body=json.dumps(body), headers=headers)


def stored(channel_id: str) -> str | None:
    sm = boto3.client("secretsmanager")
    try:
        value: str = sm.get_secret_value(SecretId=f"oms-test/channels/{channel_id}")["SecretString"]
    except sm.exceptions.ResourceNotFoundException:
        return None
    return value


def listed(client: Any, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {c["channelId"]: c for c in json.loads(client.http.get("/channels", headers=headers).body)["items"]}


def every_item() -> str:
    dynamodb = boto3.client("dynamodb")
    names = [Table().name, "oms-test-idempotency"]
    return json.dumps([dynamodb.scan(TableName=name)["Items"] for name in names])


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture, logs: io.StringIO) -> io.StringIO:
    """Everything logged meanwhile: the Powertools logger as in Lambda, and every other logger at INFO."""
    caplog.set_level(logging.INFO)
    return logs


def test_a_secret_is_stored_rotated_and_removed_but_never_shown(client, admin, capsys, caplog, logs):
    channel = unique("bol")
    created = put(client, channel, {"type": "bol", "name": "bol.com", "secret": SECRET}, admin)
    assert created.status_code == 201, created.body
    body = json.loads(created.body)
    assert body["hasSecret"] is True and body["version"] == 1
    assert "secret" not in body
    assert stored(channel) == SECRET
    description = boto3.client("secretsmanager").describe_secret(SecretId=f"oms-test/channels/{channel}")
    assert {t["Key"]: t["Value"] for t in description["Tags"]}["app"] == "oms"
    assert listed(client, admin)[channel]["hasSecret"] is True

    # Left out: the secret stays as it is; If-Match works as before.
    renamed = put(client, channel, {"type": "bol", "name": "bol.com NL"}, {**admin, "If-Match": "1"})
    assert renamed.status_code == 200 and json.loads(renamed.body)["hasSecret"] is True
    assert stored(channel) == SECRET
    stale = put(client, channel, {"type": "bol", "secret": ROTATED}, {**admin, "If-Match": "1"})
    assert stale.status_code == 412
    assert stored(channel) == SECRET  # If-Match is checked before the secret is touched

    rotated = put(client, channel, {"type": "bol", "secret": ROTATED}, {**admin, "If-Match": "2"})
    assert rotated.status_code == 200 and json.loads(rotated.body)["hasSecret"] is True
    assert stored(channel) == ROTATED
    assert secrets.channel_secret(channel) == ROTATED

    removed = put(client, channel, {"type": "bol", "secret": None}, admin)
    assert removed.status_code == 200 and json.loads(removed.body)["hasSecret"] is False
    assert stored(channel) is None
    assert secrets.channel_secret(channel) is None
    assert listed(client, admin)[channel]["hasSecret"] is False
    # Removing what is not there is no error; a new secret can follow at once (not prod).
    assert put(client, channel, {"type": "bol", "secret": None}, admin).status_code == 200
    assert put(client, channel, {"type": "bol", "secret": SECRET}, admin).status_code == 200
    assert stored(channel) == SECRET

    items = every_item()
    out = capsys.readouterr()
    seen = items + out.out + out.err + logs.getvalue() + caplog.text
    assert channel in items
    assert "channel secret stored" in logs.getvalue()
    for value in (SECRET, ROTATED, "s3cr3t-rotated"):
        assert value not in seen


def test_channels_without_a_secret_say_so(client, admin):
    channel = unique("shop")
    made = put(client, channel, {"type": "shopify"}, admin)
    assert made.status_code == 201 and json.loads(made.body)["hasSecret"] is False
    channels = listed(client, admin)
    assert channels[channel]["hasSecret"] is False
    assert channels["webshop"]["hasSecret"] is False  # a built-in channel
    assert stored(channel) is None


@pytest.mark.parametrize("secret", ["too-short", "", 12345678901234567890, "x" * 4097])
def test_a_secret_of_the_wrong_shape_is_refused_and_nothing_is_stored(client, admin, secret):
    channel = unique("amz")
    answer = put(client, channel, {"type": "amazon", "secret": secret}, admin)
    assert answer.status_code == 422, answer.body
    problem = json.loads(answer.body)
    assert problem["errors"][0]["loc"] == ["body", "secret"]
    assert not secret or str(secret).encode() not in answer.body
    assert stored(channel) is None
    assert channel not in listed(client, admin)


def test_a_channel_id_no_secret_can_be_named_after_is_refused(client, admin):
    answer = put(client, "bol:nl", {"type": "bol", "secret": SECRET}, admin)
    assert answer.status_code == 422, answer.body
    assert json.loads(answer.body)["errors"][0]["loc"] == ["path", "channelId"]
    assert "bol:nl" not in listed(client, admin)


def test_secrets_manager_failing_answers_503_and_leaves_the_channel_alone(client, admin, monkeypatch):
    from botocore.exceptions import ClientError

    def throttled(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutSecretValue")

    channel = unique("zal")
    assert put(client, channel, {"type": "zalando"}, admin).status_code == 201
    sm = aws.client("secretsmanager")
    monkeypatch.setattr(sm, "put_secret_value", throttled)
    answer = put(client, channel, {"type": "zalando", "secret": SECRET}, {**admin, "If-Match": "1"})
    assert answer.status_code == 503, answer.body
    assert "ThrottlingException" in json.loads(answer.body)["detail"]
    after = listed(client, admin)[channel]
    assert after["version"] == 1 and after["hasSecret"] is False
