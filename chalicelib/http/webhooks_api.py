"""Webhooks from the sales platforms: signed by the platform, not by a bearer token."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Routes

bp = Routes(__name__, tag="webhooks")


@bp.post(
    "/webhooks/{channel_id}",
    roles=None,
    signed=True,
    # WooCommerce's ping, sent when a webhook is saved, is a form post.
    accepts=("application/json", "application/x-www-form-urlencoded"),
    response="WebhookAnswer",
    status=202,
    also=(200,),
    errors=(401, 404),
    idempotency_key=False,
    if_match=False,
)
def receive_webhook(call: Call, channel_id: str) -> Any:
    """A sales platform's webhook delivery (Shopify, WooCommerce), verified on its raw body, kept once and
    queued; the order follows asynchronously. A bad signature is 401 and nothing is kept.
    """
    from chalicelib.service import webhooks

    raw = call.request.raw_body or b""
    return webhooks.receive(
        call.deps, channel_id, call.request.headers, raw if isinstance(raw, bytes) else raw.encode()
    )
