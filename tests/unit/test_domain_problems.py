"""Each kind of domain error answers with the same status as ever (the map in http/problems), titled as
any problem of that status."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.orders_repo import AlreadyWritten
from chalicelib.domain import errors
from chalicelib.domain.live_config import Raced
from chalicelib.http.problems import from_domain, problem

# The contract's status per kind. A subclass answers as its nearest listed base (Raced is a
# Conflict); one with no listed base (AlreadyWritten), 400.
STATUSES: dict[type[errors.DomainError], int] = {
    errors.DomainError: 400,
    errors.Invalid: 422,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.VersionMismatch: 412,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.Unavailable: 503,
    Raced: 409,
    AlreadyWritten: 400,
}


@pytest.mark.parametrize(("kind", "status"), STATUSES.items())
def test_each_domain_error_answers_with_its_status_and_title(kind: type[errors.DomainError], status: int) -> None:
    response = from_domain(kind("what went wrong", errors=[{"loc": ["body"], "msg": "why"}], orderId="o_1"))
    body = json.loads(response.body)
    assert (response.status_code, body["status"]) == (status, status)
    assert body["title"] == json.loads(problem(status, "").body)["title"]
    assert body["detail"] == "what went wrong" and body["orderId"] == "o_1"
