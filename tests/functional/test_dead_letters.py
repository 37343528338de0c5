"""Dead letters for operators: why each failed, a masked look at it, and redrive back to its queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.resources import RESOURCES
from infra.pump import Pump
from tests.conftest import bearer, issue_token, order_body, post, unique

EMAIL = "dead.letter.customer@example.com"
INTAKE = "order-intake"


def _sqs() -> Any:
    from chalicelib.adapters import aws

    return aws.client("sqs")


def body(answer: Any) -> Any:
    return json.loads(answer.body)


@pytest.fixture
def ops(aws: dict[str, str]) -> dict[str, str]:
    return bearer(issue_token("ops"))


def intake_message(channel: str, **order: Any) -> str:
    return json.dumps(
        {
            "role": f"channel:{channel}",
            "order": order_body(channel=channel, customer={"id": unique("cust"), "email": EMAIL}, **order),
        }
    )


def dead_letter(aws: dict[str, str], *bodies: str, attributes: dict[str, Any] | None = None) -> Pump:
    """Send `bodies` to order-intake and pump until each has failed its last receive and is in the DLQ."""
    for b in bodies:
        _sqs().send_message(QueueUrl=aws[INTAKE], MessageBody=b, MessageAttributes=attributes or {})
    pump = Pump(retry_delay_s=0)
    for _ in range(RESOURCES.queue(INTAKE).max_receive_count + 1):
        pump.run_once()
    return pump


def intake_letters(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.http.get(f"/ops/dead-letters?queue={INTAKE}", headers=headers)
    assert answer.status_code == 200, answer.body
    (queue,) = body(answer)["queues"]
    assert queue["queue"] == INTAKE and queue["deadLetterQueue"] == f"oms-test-{INTAKE}-dlq"
    return dict(queue)


def redrive(client: Any, headers: dict[str, str], queue: str = INTAKE, payload: Any = None) -> Any:
    raw = "" if payload is None else json.dumps(payload)
    return client.http.post(f"/ops/dead-letters/{queue}/redrive", body=raw, headers=headers)


def test_a_poison_order_is_dead_lettered_shown_with_its_reason_masked_and_redriven_once_fixed(client, admin, ops, aws):
    channel = unique("popup")
    message = intake_message(channel)
    pump = dead_letter(aws, message, attributes={"origin": {"DataType": "String", "StringValue": "tests"}})

    answer = client.http.get("/ops/dead-letters", headers=ops)
    assert answer.status_code == 200, answer.body
    assert EMAIL.encode() not in answer.body
    queues = {q["queue"]: q for q in body(answer)["queues"]}
    assert set(queues) == {q.key for q in RESOURCES.queues}
    assert queues["stock-feed"]["approximateCount"] == 0 and queues["stock-feed"]["messages"] == []
    intake = queues[INTAKE]
    assert intake["approximateCount"] == 1
    (letter,) = intake["messages"]
    assert letter["reason"] == f"Invalid: channel {channel!r} is not a known, active channel"
    assert letter["receiveCount"] == RESOURCES.queue(INTAKE).max_receive_count
    assert letter["sentAt"].endswith("Z")
    assert letter["body"]["order"]["customer"]["email"] == "*****"
    assert letter["body"]["order"]["channel"] == channel

    # Looking consumed nothing: it is still there, and still there for the next look.
    assert intake_letters(client, ops)["messages"][0]["messageId"] == letter["messageId"]

    # Fix the cause, then move it back: the pump creates the order from the same body.
    made = client.http.put(f"/channels/{channel}", body=json.dumps({"type": "webshop"}), headers=admin)
    assert made.status_code == 201, made.body
    moved = redrive(client, ops)
    assert moved.status_code == 200, moved.body
    assert body(moved) == {"queue": INTAKE, "moved": 1, "left": 0}
    (back,) = _sqs().receive_message(
        QueueUrl=aws[INTAKE], VisibilityTimeout=0, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    assert back["Body"] == message
    assert back["MessageAttributes"]["origin"]["StringValue"] == "tests"

    counts = pump.run_once().queues[INTAKE]
    assert (counts.received, counts.succeeded, counts.failed) == (1, 1, 0)
    external_id = json.loads(message)["order"]["externalId"]
    found = client.http.get(f"/orders?channel={channel}&externalId={external_id}", headers=admin)
    assert found.status_code == 200, found.body
    assert intake_letters(client, ops)["approximateCount"] == 0


def test_reasons_name_the_rule_never_the_customers_data(client, ops, aws):
    bad_email = "dead.letter.customer at example.com"
    invalid = json.dumps(
        {"role": "channel:webshop", "order": order_body(customer={"id": "c", "email": bad_email, "name": "Anna"})}
    )
    broken = '{"role": "channel:webshop", "order": {"customer": {"email": "' + EMAIL + '"'
    dead_letter(aws, invalid, broken)

    queue = intake_letters(client, ops)
    text = json.dumps(queue)
    assert bad_email not in text and EMAIL in broken
    reasons = sorted(m["reason"] for m in queue["messages"])
    assert len(reasons) == 2
    assert reasons[0].startswith("JSONDecodeError: Expecting ")
    assert reasons[1].startswith("ValidationError: 1 validation error(s) for CreateOrder: customer.email: ")
    # Not JSON: the body is shown as text, cut to 500 characters (masking needs JSON to find fields).
    assert broken in [m["body"] for m in queue["messages"]]


def test_redrive_by_message_id_moves_only_those(client, ops, aws):
    first, second = intake_message(unique("gone")), intake_message(unique("gone"))
    dead_letter(aws, first, second)
    letters = intake_letters(client, ops)["messages"]
    assert len(letters) == 2
    chosen = next(m for m in letters if m["body"]["order"]["channel"] == json.loads(first)["order"]["channel"])

    moved = redrive(client, ops, payload={"messageIds": [chosen["messageId"]]})
    assert body(moved) == {"queue": INTAKE, "moved": 1, "left": 1}
    (back,) = _sqs().receive_message(QueueUrl=aws[INTAKE], VisibilityTimeout=0)["Messages"]
    assert back["Body"] == first
    # Passed over, not lost: the other one is visible in the DLQ again at once.
    (still,) = intake_letters(client, ops)["messages"]
    assert still["messageId"] != chosen["messageId"]

    assert body(redrive(client, ops, payload={"max": 1})) == {"queue": INTAKE, "moved": 1, "left": 0}
    assert body(redrive(client, ops, payload={})) == {"queue": INTAKE, "moved": 0, "left": 0}


def test_a_failure_is_recorded_once_per_failed_receive_with_a_ttl(aws):
    from chalicelib.adapters import keys
    from chalicelib.adapters.dynamo import Table

    _sqs().send_message(QueueUrl=aws[INTAKE], MessageBody="{not json")
    Pump(retry_delay_s=0).run_once()
    (message_id,) = [
        m["MessageId"] for m in _sqs().receive_message(QueueUrl=aws[INTAKE], VisibilityTimeout=0)["Messages"]
    ]
    item = Table().get(keys.failure_key(INTAKE, message_id))
    assert item is not None
    assert item["receiveCount"] == 1 and item["reason"].startswith("JSONDecodeError:")
    assert item["failedAt"].endswith("Z")
    assert isinstance(item["expiresAt"], int)


def test_operators_only_and_unknown_queues_are_404(client, ops, admin, aws):
    for role in ("store:store-1", "channel:webshop", "cs", "dc:dc-1"):
        headers = bearer(issue_token(role))
        assert client.http.get("/ops/dead-letters", headers=headers).status_code == 403, role
        assert redrive(client, headers).status_code == 403, role
    assert client.http.get("/ops/dead-letters", headers=admin).status_code == 200
    assert client.http.get("/ops/dead-letters").status_code == 401

    missing = redrive(client, ops, queue="no-such-queue")
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
    assert client.http.get("/ops/dead-letters?queue=no-such-queue", headers=ops).status_code == 404
    assert redrive(client, ops, payload={"max": 0}).status_code == 422
    assert redrive(client, ops, payload={"max": 5, "extra": True}).status_code == 422
    assert post(client, f"/ops/dead-letters/{INTAKE}/redrive", "{nope", ops).status_code == 400


def test_redriving_is_counted_and_logged_with_who(client, ops, aws, capsys, logs):
    dead_letter(aws, intake_message(unique("gone")))
    capsys.readouterr()
    assert body(redrive(client, ops))["moved"] == 1
    printed = [json.loads(raw) for raw in capsys.readouterr().out.splitlines() if raw.startswith("{")]
    emf = [ln for ln in printed if "DeadLettersRedriven" in ln]
    assert emf and emf[0]["DeadLettersRedriven"] == [1.0] and emf[0]["queue"] == INTAKE
    lines = [json.loads(raw) for raw in logs.getvalue().splitlines() if raw.startswith("{")]
    logged = [ln for ln in lines if ln.get("message") == "dead letters redriven"]
    assert logged and logged[0]["by"] == "ops" and logged[0]["moved"] == 1
