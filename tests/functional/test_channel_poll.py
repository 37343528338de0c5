"""The poll schedule keeps each channel account's pace: every call (list pages, order fetches, not
logins) takes a token from its poll bucket, a run stops when the bucket is empty and the next reads
from the same mark, a narrower window (what was queued is not queued twice, nothing is skipped);
`pollEverySeconds`
spaces the runs of one channel; both are validated where the channel is configured."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from infra.pump import Pump
from tests.channels import connect, inbox_received, order_of, running
from tests.conftest import put, unique
from tests.fake_platforms import FakeAmazon
from tests.functional.test_amazon import dutch, setup

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def amazon() -> Iterator[FakeAmazon]:
    yield from running(FakeAmazon())


def searches(amazon: FakeAmazon) -> list[str]:
    return [p for m, p, _ in amazon.received if m == "GET" and p.startswith("/orders/2026-01-01/orders?")]


def configure(client: Any, admin: dict[str, str], amazon: FakeAmazon, channel_id: str, **config: Any) -> Any:
    return put(client, f"/channels/{channel_id}", amazon.channel(**config), admin)


def test_a_poll_stops_when_the_accounts_bucket_is_empty_and_resumes_where_it_stopped(
    client: Any, admin: dict[str, str], amazon: FakeAmazon
) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    channel_id = unique("amazon")
    amazon.page_size = 1
    orders = [dutch(f"402-000000{n}-0000000") for n in range(3)]
    setup(client, admin, amazon, channel_id, *orders)
    slow = {"perSecond": "0.001", "burst": 2}  # two calls, then one every 1000 s
    assert configure(client, admin, amazon, channel_id, pollRate=slow).status_code == 200

    assert channel_poll.poll_all(bootstrap())[channel_id] == "stopped early"
    assert len(searches(amazon)) == 2  # the third page waits for a token; the login took none
    assert channel_poll.poll_all(bootstrap())[channel_id] == "paused"
    assert len(searches(amazon)) == 2
    assert inbox_received(Pump(retry_delay_s=0)) == 2

    assert configure(client, admin, amazon, channel_id, pollRate={"perSecond": "100", "burst": 5}).status_code == 200
    time.sleep(0.1)  # refilled at the new rate
    # The window that did not fit is halved: its older half (a day back, before these orders) first.
    assert channel_poll.poll_all(bootstrap())[channel_id] == "nothing new"
    assert len(searches(amazon)) == 3
    assert channel_poll.poll_all(bootstrap())[channel_id] == "queued"
    assert len(searches(amazon)) == 6  # the rest of the window, read from its first page
    assert inbox_received(Pump(retry_delay_s=0)) == 1  # only the order the first run did not reach
    assert all(order_of(client, admin, channel_id, o["orderId"]) is not None for o in orders)
    assert channel_poll.poll_all(bootstrap())[channel_id] == "nothing new"  # the mark moved on


def test_a_429_pauses_the_poll_bucket_until_its_retry_after(
    client: Any, admin: dict[str, str], amazon: FakeAmazon
) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    channel_id = unique("amazon")
    setup(client, admin, amazon, channel_id)
    quota = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]}
    amazon.fail_next(429, quota, path="/orders/2026-01-01/orders?", Retry_After="2")
    assert channel_poll.poll_all(bootstrap())[channel_id] == "throttled"
    assert channel_poll.poll_all(bootstrap())[channel_id] == "paused"
    assert len(searches(amazon)) == 1
    time.sleep(2.1)
    assert channel_poll.poll_all(bootstrap())[channel_id] == "nothing new"


def test_a_channel_polled_within_poll_every_seconds_is_skipped(
    client: Any, admin: dict[str, str], amazon: FakeAmazon
) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    spaced, every_run = unique("amazon"), unique("amazon")
    setup(client, admin, amazon, spaced)
    setup(client, admin, amazon, every_run)
    answer = configure(client, admin, amazon, spaced, pollEverySeconds=600)
    assert answer.status_code == 200 and json.loads(answer.body)["pollEverySeconds"] == 600

    first = channel_poll.poll_all(bootstrap())
    assert (first[spaced], first[every_run]) == ("nothing new", "nothing new")
    second = channel_poll.poll_all(bootstrap())
    assert (second[spaced], second[every_run]) == ("not due", "nothing new")
    assert len(searches(amazon)) == 3


def test_poll_every_seconds_below_the_minimum_is_a_problem(
    client: Any, admin: dict[str, str], amazon: FakeAmazon
) -> None:
    channel_id = unique("amazon")
    connect(client, admin, channel_id, "amazon")
    for bad in (
        {"pollEverySeconds": 59},
        {"pollEverySeconds": 86_401},
        {"pollEverySeconds": "600"},
        {"pollRate": {"perSecond": "0", "burst": 20}},
        {"pollRate": {"perSecond": "0.0056", "burst": 0}},
        {"pollRate": {"perSecond": "-1", "burst": 20}},
    ):
        answer = configure(client, admin, amazon, channel_id, **bad)
        assert answer.status_code == 422, bad
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    shown = json.loads(client.http.get("/channels", headers=admin).body)["items"]
    mine = next(c for c in shown if c["channelId"] == channel_id)
    assert mine["pollEverySeconds"] is None and mine["pollRate"] is None  # nothing changed
    amazons = {"perSecond": "0.0056", "burst": 20}
    answer = configure(client, admin, amazon, channel_id, pollEverySeconds=60, pollRate=amazons)
    assert answer.status_code == 200 and json.loads(answer.body)["pollRate"] == amazons
