"""HTTP calls to other systems (drop-ship partners, sales platforms) with the standard library's
urllib: a few calls per message need no client library.

Every failure says what it means for a queue message: `Unreachable` (no answer, a 5xx or 408: try
again later), `Throttled` (429: try again after its Retry-After), `Rejected` (any other non-2xx,
a redirect included: sending the same again will not help). Their texts name the host and the
status, never the URL's path or query (which may carry a token), a header or a body we sent: they
end up in logs and dead-letter reasons. A redirect is not followed: a POST goes to the configured
URL or nowhere (urllib would turn it into a GET without the body).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.errors import DomainError, TryLater, Unavailable

TIMEOUT_S = 5.0  # connect and each read: a batch of 10 to a dead host stays well inside the Lambda's 30 s
RETRY_AFTER_MAX_S = 900  # a longer Retry-After is capped: the message comes back and asks again
_TRANSIENT = frozenset({408})
_EXCERPT = 300  # of an error answer: enough for the platform's reason


class Unreachable(Unavailable):
    """No answer, a 5xx or 408: the other side may take it on a later try."""


class Throttled(TryLater):
    """429: the other side named when to come back (Retry-After, seconds)."""


class Rejected(DomainError):
    """Any other non-2xx: most likely our configuration or payload, which retries will not change.
    `answer` is the start of the error answer's body, for the caller to recognise ("already ...")."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def send(method: str, url: str, *, who: str, headers: dict[str, str], body: bytes | None = None) -> Answer:
    """`method` `url`; the 2xx answer, else one of the errors above (texts: `who` at the host)."""
    host = urlsplit(url).hostname or "?"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _opener().open(request, timeout=TIMEOUT_S) as answer:
            return Answer(answer.status, answer.read())
    except urllib.error.HTTPError as exc:
        said = f"{who} at {host} answered {exc.code}"
        if exc.code >= 500 or exc.code in _TRANSIENT:
            raise Unreachable(said, status=exc.code) from None
        if exc.code == 429:
            seconds = _seconds(exc.headers.get("Retry-After"))
            raise Throttled(f"{said}; retry after {seconds} s", seconds=seconds, status=429) from None
        excerpt = exc.read(_EXCERPT).decode("utf-8", "replace") if exc.fp else ""
        raise Rejected(said, status=exc.code, answer=excerpt) from None
    except (urllib.error.URLError, OSError) as exc:  # refused, unresolvable, timed out, TLS
        why = getattr(exc, "reason", exc)
        raise Unreachable(f"{who} at {host} could not be reached ({type(why).__name__})") from None


def _seconds(retry_after: str | None) -> int:
    """Retry-After in seconds (an HTTP date counts as a minute), at least 1, at most RETRY_AFTER_MAX_S."""
    try:
        found = int(float(retry_after or "1"))
    except ValueError:
        found = 60
    return max(1, min(found, RETRY_AFTER_MAX_S))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx is then raised as an HTTPError: rejected


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects)
