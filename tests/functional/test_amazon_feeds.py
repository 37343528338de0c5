"""An Amazon cancellation feed followed until Amazon has processed it: the update on channel-status
(moto SQS, FIFO) sends one feed to fake Amazon, is held back while the feed is IN_QUEUE or
IN_PROGRESS and checked again later, never sending a second feed, and ends pushed when the feed is
done with a clean report, or dead-lettered at once, naming the feed, when its report lists errors,
when it ended FATAL, or when Amazon never finished it. Time moves by the test clock, which moto's SQS
follows too (a held-back message comes back when the clock has passed its hold)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from chalicelib.adapters.channels.amazon_feeds import FEED_CHECK_S, FEED_PATIENCE_S
from chalicelib.adapters.channels.base import Pending
from infra.pump import Pump
from tests.channels import connect, running
from tests.conftest import bearer, issue_token, post, unique
from tests.fake_platforms import FakeAmazon
from tests.functional.test_amazon import CREDENTIALS, dutch
from tests.functional.test_channel_status import QUEUE, dead_letters, queue_update

if TYPE_CHECKING:
    from tests.conftest import ManualClock

pytestmark = pytest.mark.usefixtures("demo")
CREATE_FEED = "/feeds/2021-06-30/feeds"


@pytest.fixture
def amazon() -> Iterator[FakeAmazon]:
    yield from running(FakeAmazon(feed_status="IN_PROGRESS"))


@pytest.fixture
def later(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """The test clock, which moto's SQS reads too: a message's visibility runs out as the clock moves."""
    import moto.sqs.models

    monkeypatch.setattr(moto.sqs.models, "unix_time_millis", lambda: (time.time() + clock.elapsed) * 1000)
    return clock


def cancelling(client: Any, admin: dict[str, str], aws: dict[str, str], amazon: FakeAmazon) -> str:
    """An Amazon order, and its cancellation on channel-status: the order's id."""
    channel_id = unique("amazon")
    urls = {"apiBaseUrl": amazon.url, "authUrl": f"{amazon.url}{amazon.auth_path}"}
    connect(client, admin, channel_id, "amazon", credentials=CREDENTIALS, **urls)
    order = dutch()
    amazon.add_order(order)
    queue_update(aws, channelId=channel_id, externalId=order["orderId"], status="cancelled", reason="out of stock")
    return str(order["orderId"])


def feeds_created(amazon: FakeAmazon) -> int:
    return len([p for m, p, _ in amazon.received if (m, p) == ("POST", CREATE_FEED)])


def status_pass(pump: Pump) -> tuple[int, int, int]:
    """One pass of the pump: what the channel-status queue received, and how many succeeded or failed."""
    counts = pump.run_once().queues[QUEUE]
    return counts.received, counts.succeeded, counts.failed


def test_a_feed_still_in_progress_is_checked_again_later_and_pushed_once_done(client, admin, aws, amazon, later):
    order_id = cancelling(client, admin, aws, amazon)
    pump = Pump(retry_delay_s=0)

    assert status_pass(pump) == (1, 0, 1)  # sent, IN_PROGRESS: held back
    later.advance(FEED_CHECK_S - 60)
    assert status_pass(pump) == (0, 0, 0)  # not before its check is due
    later.advance(60)
    assert status_pass(pump) == (1, 0, 1)  # still IN_PROGRESS
    amazon.finish_feeds()
    later.advance(FEED_CHECK_S)
    assert status_pass(pump) == (1, 1, 0)

    assert feeds_created(amazon) == 1
    assert amazon.orders[order_id]["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert any(p.startswith("/download/") for _, p, _ in amazon.calls("GET"))  # its report was read
    assert dead_letters(client) == []


ENDINGS = {  # how the feed ends -> (its report's error, what the dead letter says)
    "DONE": (("18028", "The order id was not found"), "failed: 18028 The order id was not found"),
    "FATAL": (None, "ended FATAL"),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_feed_that_ends_failed_later_is_dead_lettered_naming_it(client, admin, aws, amazon, later, *, ending):
    error, said = ENDINGS[ending]
    order_id = cancelling(client, admin, aws, amazon)
    pump = Pump(retry_delay_s=0)
    assert status_pass(pump) == (1, 0, 1)
    amazon.finish_feeds(ending, error=error)
    later.advance(FEED_CHECK_S)

    assert status_pass(pump) == (1, 1, 0)  # dead-lettered at once: done with on its queue

    [feed_id] = amazon.feeds
    [letter] = dead_letters(client)
    assert letter["reason"].startswith("Refused: amazon channel "), letter
    assert f"order {order_id}: the cancellation feed {feed_id} {said}" in letter["reason"]
    assert feeds_created(amazon) == 1
    assert amazon.orders[order_id]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"

    # Redriven once Amazon is fixed, the failed feed is not followed again: a new one is sent.
    redriven = post(client, f"/ops/dead-letters/{QUEUE}/redrive", {}, bearer(issue_token("ops")))
    assert json.loads(redriven.body)["moved"] == 1, redriven.body
    assert status_pass(pump) == (1, 0, 1)
    amazon.finish_feeds()
    later.advance(FEED_CHECK_S)
    assert status_pass(pump) == (1, 1, 0)
    assert feeds_created(amazon) == 2 and dead_letters(client) == []
    assert amazon.orders[order_id]["fulfillment"]["fulfillmentStatus"] == "CANCELLED"


def test_the_same_update_again_while_its_feed_is_pending_sends_no_second_feed(client, admin, aws, amazon, later):
    import boto3

    from chalicelib.service.channel_status import push

    cancelling(client, admin, aws, amazon)
    [message] = boto3.client("sqs").receive_message(QueueUrl=aws[QUEUE])["Messages"]
    for _ in range(2):  # the consumer handed the same message twice: a redelivery
        with pytest.raises(Pending, match=r"the cancellation feed \d+ is IN_PROGRESS"):
            push(message["Body"])
    amazon.finish_feeds()
    for _ in range(2):  # done: pushed, and pushed again without sending anything
        push(message["Body"])

    assert feeds_created(amazon) == 1
    assert [f["processingStatus"] for f in amazon.feeds.values()] == ["DONE"]


def test_a_feed_amazon_never_finishes_is_dead_lettered_naming_it_at_the_last_check(client, admin, aws, amazon, later):
    cancelling(client, admin, aws, amazon)
    pump = Pump(retry_delay_s=0)
    checks = FEED_PATIENCE_S // FEED_CHECK_S + 1

    for check in range(1, checks + 1):  # the last on the queue's last receive
        assert status_pass(pump) == ((1, 1, 0) if check == checks else (1, 0, 1)), check
        assert bool(dead_letters(client)) == (check == checks), check
        later.advance(FEED_CHECK_S)

    [feed_id] = amazon.feeds
    [letter] = dead_letters(client)
    waited = f"IN_PROGRESS {FEED_PATIENCE_S // 60} min after it was sent"
    assert f"Amazon never finished the cancellation feed {feed_id} ({waited})" in letter["reason"]
    assert feeds_created(amazon) == 1 and letter["body"]["status"] == "cancelled"
