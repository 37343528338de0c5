"""What AWS hands our consumers, as Powertools' parser models (pydantic), narrowed to what we send.

Imported on first use by the consumers only: the parser models load pydantic (cold start).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SqsRecordModel


class QueueRecord(SqsRecordModel):
    """One SQS message as Lambda's event source mapping delivers it; every body of ours is text."""

    body: str


class BusEvent(EventBridgeModel):
    """An OMS event as an EventBridge rule delivers it to a queue; its detail is a JSON object."""

    detail: dict[str, Any]
    # AWS always sends it; moto, EventBridge locally and in tests, leaves it out. We never read it.
    account: str = ""
