"""Drop-ship partners over HTTP: one fulfilment order, one signed JSON POST to the partner's URL.

The standard library's urllib (no dependency for one POST). Headers:
- `X-OMS-Timestamp`: Unix seconds when signed;
- `X-OMS-Signature`: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, over the raw body,
  so a partner checks it before parsing (in constant time) and refuses stale timestamps (replays);
- `Idempotency-Key`: the fulfilment order id, the same on every retry of the same hand-over.

A 2xx is delivery. Anything else raises, so the queue message comes back: `PartnerUnavailable` when
trying again may help, `PartnerRefused` for any other answer. A redirect is not followed: the POST
goes to the configured URL or nowhere (urllib would turn it into a GET without the body).
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.errors import DomainError, Unavailable

TIMEOUT_S = 5.0  # connect and each read: a batch of 10 to a dead partner stays well inside the Lambda's 30 s
# Answers that say "later" rather than "no".
_TRANSIENT = frozenset({408, 429})


class PartnerUnavailable(Unavailable):
    """No answer, a 5xx, 408 or 429: the partner may take it on a later try."""


class PartnerRefused(DomainError):
    """Any other non-2xx (400, 401, 404, a redirect...): most likely our configuration or payload, which
    retries will not change; it still goes back to the queue and on to the dead-letter queue, where an
    operator sees why and redrives it once the URL, secret or partner is fixed. Dropping it instead
    would lose the hand-over silently."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: the HMAC-SHA256 of `timestamp.body` under the partner's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(url: str, body: bytes, *, secret: str, timestamp: str, idempotency_key: str) -> int:
    """POST `body` signed; the status of a 2xx answer, else PartnerUnavailable or PartnerRefused.

    Their texts name the partner's host and the status, never the URL's path or query (which may
    carry a partner's token) nor the secret: they end up in logs and the dead-letter reasons."""
    host = urlsplit(url).hostname or "?"
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "oms-partner-dispatch",
            "X-OMS-Timestamp": timestamp,
            "X-OMS-Signature": signature(secret, timestamp, body),
            "Idempotency-Key": idempotency_key,
        },
    )
    try:
        with _opener().open(request, timeout=TIMEOUT_S) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as exc:
        kind = PartnerUnavailable if exc.code >= 500 or exc.code in _TRANSIENT else PartnerRefused
        raise kind(f"the partner at {host} answered {exc.code}", status=exc.code) from None
    except (urllib.error.URLError, OSError) as exc:  # refused, unresolvable, timed out, TLS
        why = getattr(exc, "reason", exc)
        raise PartnerUnavailable(f"the partner at {host} could not be reached ({type(why).__name__})") from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx is then raised as an HTTPError: refused


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects)
