"""Why a queue message failed, as operators see it: the exception's type and a text free of customer data."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from chalicelib.adapters.dead_letters import REASON_MAX_CHARS, failure_reason
from chalicelib.contracts.api import Customer
from chalicelib.domain.errors import Invalid

EMAIL = "someone-secret@example"


def test_a_domain_error_keeps_its_detail() -> None:
    assert failure_reason(Invalid("channel 'x' is not a known, active channel")) == (
        "Invalid: channel 'x' is not a known, active channel"
    )


def test_a_validation_error_names_the_field_and_rule_not_the_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Customer.model_validate({"id": "c", "email": f"{EMAIL} with spaces", "phone": "x" * 40})
    reason = failure_reason(caught.value)
    assert reason.startswith("ValidationError: 2 validation error(s) for Customer: email: String should match")
    assert "phone: String should have at most 32 characters" in reason
    assert EMAIL not in reason and "xxxx" not in reason


def test_json_errors_say_where_not_what() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads('{"email": "' + EMAIL)
    reason = failure_reason(caught.value)
    assert reason.startswith("JSONDecodeError: Unterminated string") and EMAIL not in reason


def test_other_exceptions_keep_only_their_type_and_aws_errors_their_code() -> None:
    assert failure_reason(RuntimeError(f"could not mail {EMAIL}")).startswith("RuntimeError: (text withheld")
    assert failure_reason(KeyError("role")) == "KeyError: missing key 'role'"
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": EMAIL}}, "PutItem")
    assert failure_reason(throttled) == "ClientError: ThrottlingException on PutItem"


def test_a_reason_is_at_most_1000_characters() -> None:
    assert len(failure_reason(Invalid("x" * 5000))) == REASON_MAX_CHARS
