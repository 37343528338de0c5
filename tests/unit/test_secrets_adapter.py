"""The channel-secrets adapter against a fake Secrets Manager client: its cache, its calls, its errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.adapters import aws, secrets
from chalicelib.domain.errors import Conflict, Invalid, Unavailable

NAME = "oms-test/channels/bol"


def error(code: str, message: str = "", operation: str = "Op") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeSecretsManager:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, Exception] = {}

    def _call(self, operation: str, **kwargs: Any) -> None:
        self.calls.append((operation, kwargs))
        if operation in self.fail:
            raise self.fail[operation]

    def get_secret_value(self, **kwargs: Any) -> dict[str, Any]:
        self._call("get_secret_value", **kwargs)
        if kwargs["SecretId"] not in self.values:
            raise error("ResourceNotFoundException")
        return {"Name": kwargs["SecretId"], "SecretString": self.values[kwargs["SecretId"]]}

    def put_secret_value(self, **kwargs: Any) -> None:
        self._call("put_secret_value", **kwargs)
        if kwargs["SecretId"] not in self.values:
            raise error("ResourceNotFoundException")
        self.values[kwargs["SecretId"]] = kwargs["SecretString"]

    def create_secret(self, **kwargs: Any) -> None:
        self._call("create_secret", **kwargs)
        self.values[kwargs["Name"]] = kwargs["SecretString"]

    def delete_secret(self, **kwargs: Any) -> None:
        self._call("delete_secret", **kwargs)
        if self.values.pop(kwargs["SecretId"], None) is None:
            raise error("ResourceNotFoundException")

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def sm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSecretsManager]:
    fake = FakeSecretsManager()
    aws.reset()
    secrets.forget()
    monkeypatch.setitem(aws._clients, "secretsmanager", fake)
    yield fake
    secrets.forget()
    aws.reset()


def test_reads_are_cached_for_a_short_time(sm, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    sm.values[NAME] = "first-value-0123456789"
    assert secrets.channel_secret("bol") == "first-value-0123456789"
    sm.values[NAME] = "rotated-elsewhere-0123456789"  # another Lambda rotates it
    clock[0] += 29
    assert secrets.channel_secret("bol") == "first-value-0123456789"
    assert sm.operations() == ["get_secret_value"]
    clock[0] += 2
    assert secrets.channel_secret("bol") == "rotated-elsewhere-0123456789"
    assert sm.operations() == ["get_secret_value"] * 2


def test_no_secret_is_cached_too_and_this_process_sees_its_own_writes_at_once(sm):
    assert secrets.channel_secret("bol") is None
    assert secrets.channel_secret("bol") is None
    assert sm.operations() == ["get_secret_value"]
    secrets.put_channel_secret("bol", "a-new-secret-0123456789")
    assert secrets.channel_secret("bol") == "a-new-secret-0123456789"
    secrets.delete_channel_secret("bol")
    assert secrets.channel_secret("bol") is None


def test_a_first_secret_is_created_tagged_and_later_ones_are_new_versions(sm):
    secrets.put_channel_secret("bol", "first-value-0123456789")
    assert sm.operations() == ["put_secret_value", "create_secret"]
    created = sm.calls[1][1]
    assert created["Name"] == NAME
    assert {t["Key"]: t["Value"] for t in created["Tags"]} == {"app": "oms", "stage": "test"}
    secrets.put_channel_secret("bol", "second-value-0123456789")
    assert sm.operations()[2:] == ["put_secret_value"]
    assert sm.values[NAME] == "second-value-0123456789"


def test_a_concurrent_create_becomes_a_new_version(sm):
    sm.fail["create_secret"] = error("ResourceExistsException")
    original = sm.put_secret_value
    attempts = []

    def put_after_the_race(**kwargs: Any) -> None:
        attempts.append(1)
        if len(attempts) == 2:
            sm.values[NAME] = "theirs-0123456789"
        original(**kwargs)

    sm.put_secret_value = put_after_the_race
    secrets.put_channel_secret("bol", "ours-0123456789abc")
    assert sm.values[NAME] == "ours-0123456789abc"


def test_deletion_is_immediate_outside_prod_and_recoverable_in_prod(sm, monkeypatch):
    sm.values[NAME] = "x" * 16
    assert secrets.delete_channel_secret("bol") is True
    assert sm.calls[-1][1] == {"SecretId": NAME, "ForceDeleteWithoutRecovery": True}
    assert secrets.delete_channel_secret("bol") is False  # nothing left: no error
    monkeypatch.setenv("OMS_STAGE", "prod")
    sm.values[NAME] = "x" * 16
    assert secrets.delete_channel_secret("bol") is True
    assert sm.calls[-1][1] == {"SecretId": NAME, "RecoveryWindowInDays": 7}


def test_aws_errors_become_domain_errors_without_the_value(sm):
    value = "never-in-an-error-0123456789"
    sm.fail["put_secret_value"] = error("ThrottlingException", "Rate exceeded")
    with pytest.raises(Unavailable) as unavailable:
        secrets.put_channel_secret("bol", value)
    assert "ThrottlingException" in unavailable.value.detail and value not in str(unavailable.value)
    assert unavailable.value.__cause__ is None and unavailable.value.__suppress_context__

    sm.fail["put_secret_value"] = error("InvalidRequestException", "secret is marked for deletion")
    with pytest.raises(Conflict, match="restore-secret --secret-id oms-test/channels/bol"):
        secrets.put_channel_secret("bol", value)

    sm.fail["get_secret_value"] = error("AccessDeniedException")
    with pytest.raises(Unavailable):
        secrets.channel_secret("bol")
    sm.fail["get_secret_value"] = EndpointConnectionError(endpoint_url="https://secretsmanager")
    with pytest.raises(Unavailable, match="EndpointConnectionError"):
        secrets.channel_secret("bol")
    sm.fail["get_secret_value"] = error(
        "InvalidRequestException", "You can't perform this operation on a deleted secret"
    )
    assert secrets.channel_secret("bol") is None  # scheduled for deletion: no secret


def test_a_channel_id_must_be_usable_in_a_secret_name(sm):
    with pytest.raises(Invalid):
        secrets.put_channel_secret("bol/../other", "x" * 16)
    with pytest.raises(Invalid):
        secrets.channel_secret("bol#nl")
    assert sm.calls == []
