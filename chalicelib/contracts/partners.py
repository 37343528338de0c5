"""What a drop-ship partner receives: the body of the signed POST that hands it a fulfilment order.

Stable for partners to code against: fields are added, never renamed or removed. The partner
answers through the API (`POST /fulfilment-orders/{fulfilmentOrderId}/events` with its `dc:` token).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class PartnerLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str
    quantity: int


class PartnerFulfilmentOrder(BaseModel):
    """One fulfilment order for the partner's DC: pick `lines` and send them to `destination`
    (home delivery: `{"address": {...}}`; a store or pick-up point: `{"locationId": ...}`)."""

    model_config = ConfigDict(extra="forbid")
    fulfilmentOrderId: str
    orderId: str
    locationId: str
    method: str
    destination: dict[str, Any]
    lines: list[PartnerLine]
    createdAt: str
