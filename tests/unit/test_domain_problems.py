"""Each kind of domain error answers with the same status and title as ever (the map in http/problems)."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.config_repo import Raced
from chalicelib.adapters.orders_repo import AlreadyWritten
from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
    VersionMismatch,
)
from chalicelib.http.problems import from_domain


@pytest.mark.parametrize(
    ("kind", "status", "title"),
    [
        (DomainError, 400, "Bad request"),
        (Invalid, 422, "Unprocessable content"),
        (NotFound, 404, "Not found"),
        (Conflict, 409, "Conflict"),
        (VersionMismatch, 412, "Precondition failed"),
        (Unauthorized, 401, "Unauthorized"),
        (Forbidden, 403, "Forbidden"),
        (Unavailable, 503, "Service unavailable"),
        (Raced, 409, "Conflict"),  # a subclass answers as its base
        (AlreadyWritten, 400, "Bad request"),
    ],
)
def test_each_domain_error_answers_with_its_status_and_title(kind: type[DomainError], status: int, title: str) -> None:
    response = from_domain(kind("what went wrong", errors=[{"loc": ["body"], "msg": "why"}], orderId="o_1"))
    body = json.loads(response.body)
    assert (response.status_code, body["status"], body["title"]) == (status, status, title)
    assert body["detail"] == "what went wrong" and body["orderId"] == "o_1"
