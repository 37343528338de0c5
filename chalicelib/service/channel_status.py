"""The channel-status queue (FIFO, one group per order): each update told to the platform that sold the
order through its connector's `push_status`.

Failures keep their meaning on the queue (chalicelib/service/batches.py): a 429 comes back after its
Retry-After; a 5xx or no answer after the visibility timeout, dead-lettered after the queue's receives;
any other refusal, or a channel that cannot be called as configured, goes to the dead-letter queue at
once with a readable reason (redriven once fixed); what the platform takes asynchronously and has not
finished (`Pending`: an Amazon feed) comes back when the connector says, to be followed, not sent again.
Its group waits meanwhile: a cancellation never overtakes the shipment queued before it. "Already in
that state" is success.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chalicelib.adapters import outbound, secrets
from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import Pending
from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import Refused, TryLater, Unavailable
from chalicelib.observability import count, logger

_EXCERPT = 200  # of the platform's refusal, in the dead-letter reason


@contextmanager
def platform_errors(failed: Callable[[str], None]) -> Iterator[None]:
    """A call to a platform, each failure's reason told to `failed` (to count it) and given its meaning on
    the queue: a refusal (another 4xx) dead-lettered with the start of the platform's answer."""
    try:
        yield
    except outbound.Rejected as exc:
        failed("refused")
        said = " ".join(str(exc.extra.get("answer", "")).split())[:_EXCERPT]
        raise Refused(f"{exc.detail}: {said}" if said else exc.detail) from None
    except Unavailable as exc:
        failed("pending" if isinstance(exc, Pending) else "throttled" if isinstance(exc, TryLater) else "unavailable")
        raise


def push(body: str) -> None:
    from chalicelib.contracts.channel_status import StatusUpdate

    update = StatusUpdate.model_validate_json(body)
    channel = bootstrap().network().channels.get(update.channelId)
    if channel is None:
        raise Refused(f"channel {update.channelId} is not registered (any more): nothing to push to")
    where = {"channelId": channel.channel_id, "orderId": update.orderId, "status": update.status}
    credentials = secrets.secret(secrets.CREDENTIALS, channel.channel_id)
    with platform_errors(lambda reason: count("ChannelStatusFailures", channel=channel.channel_id, reason=reason)):
        outcome = connector(channel.type).push_status(channel, credentials, update)
    count("ChannelStatusPushes", channel=channel.channel_id, status=update.status, outcome=outcome)
    logger.info("channel status pushed", extra={**where, "outcome": outcome})
