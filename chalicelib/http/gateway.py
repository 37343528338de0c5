"""What the API gateway answers itself, before the app runs, as RFC 9457 problems.

API Gateway answers a route it does not know with 403 {"message": "Missing Authentication Token"},
and when the request carries an Authorization header it reads it as a malformed AWS signature and
repeats it in the answer; Chalice's local gateway (chalice local, chalice.test.Client, `make run`)
imitates both. Declared once here: `infra/stack.py` makes these the stage's gateway responses, and
`answer_locally` makes the local gateway answer an unknown route the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.http.problems import PROBLEM_TYPE


@dataclass(frozen=True)
class GatewayProblem:
    status: int | None  # None: keep the gateway's own status (the DEFAULT_ responses cover many)
    title: str
    detail: str

    def body(self) -> str:
        """The problem document; it never quotes the request, so it cannot repeat a credential."""
        status = {} if self.status is None else {"status": self.status}
        return json.dumps({"type": "about:blank", "title": self.title, **status, "detail": self.detail, "errors": []})


UNKNOWN_ROUTE = GatewayProblem(404, "Not found", "no such route; /docs lists them all")
GATEWAY_RESPONSES: dict[str, GatewayProblem] = {
    "MISSING_AUTHENTICATION_TOKEN": UNKNOWN_ROUTE,
    # An unknown route requested with an Authorization header: API Gateway takes it for a bad signature.
    "INCOMPLETE_SIGNATURE": UNKNOWN_ROUTE,
    "DEFAULT_4XX": GatewayProblem(None, "Refused by the API gateway", "the API gateway refused the request"),
    "DEFAULT_5XX": GatewayProblem(None, "API gateway error", "the API gateway could not reach the service; retry"),
}


def answer_locally() -> None:
    """Make Chalice's local gateway answer an unknown route as our API Gateway does (idempotent)."""
    from chalice.local import ForbiddenError, LocalGateway

    if getattr(LocalGateway.handle_request, "answers_problems", False):
        return
    handle_request = LocalGateway.handle_request

    def with_gateway_responses(
        gateway: LocalGateway, method: str, path: str, headers: dict[str, Any], body: bytes | None
    ) -> dict[str, Any]:
        try:
            return handle_request(gateway, method, path, headers, body)
        except ForbiddenError:  # raised only for an unknown route: the app declares no Chalice authorizers
            return {
                "statusCode": UNKNOWN_ROUTE.status,
                "headers": {"Content-Type": PROBLEM_TYPE},
                "multiValueHeaders": {},
                "body": UNKNOWN_ROUTE.body(),
            }

    with_gateway_responses.answers_problems = True  # type: ignore[attr-defined]
    LocalGateway.handle_request = with_gateway_responses  # type: ignore[method-assign,assignment]
