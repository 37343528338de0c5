"""Drop-ship partners over HTTP: one fulfilment order, one signed JSON POST to the partner's URL.

Sent with chalicelib/adapters/outbound.py. Headers:
- `X-OMS-Timestamp`: Unix seconds when signed;
- `X-OMS-Signature`: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, over the raw body,
  so a partner checks it before parsing (in constant time) and refuses stale timestamps (replays);
- `Idempotency-Key`: the fulfilment order id, the same on every retry of the same hand-over.

A 2xx is delivery. Anything else raises, so the queue message comes back: `PartnerUnavailable` when
trying again may help, `PartnerRefused` for any other answer (a redirect included).
"""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.adapters import outbound
from chalicelib.domain.errors import DomainError, Unavailable


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
    """POST `body` signed; the status of a 2xx answer, else PartnerUnavailable or PartnerRefused
    (texts from chalicelib.adapters.outbound: the partner's host and the status, never the secret)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "oms-partner-dispatch",
        "X-OMS-Timestamp": timestamp,
        "X-OMS-Signature": signature(secret, timestamp, body),
        "Idempotency-Key": idempotency_key,
    }
    try:
        return outbound.send("POST", url, who="the partner", headers=headers, body=body).status
    except outbound.Rejected as exc:
        raise PartnerRefused(exc.detail, status=exc.extra.get("status")) from None
    except Unavailable as exc:  # unreachable or throttled: the queue's own pace retries it
        raise PartnerUnavailable(exc.detail, status=exc.extra.get("status")) from None
