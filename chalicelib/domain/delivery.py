"""How the goods of an order line reach the customer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DeliveryMethod(StrEnum):
    HOME_DELIVERY = "home_delivery"
    CLICK_AND_COLLECT = "click_and_collect"
    PICKUP_POINT = "pickup_point"
    CARRY_OUT = "carry_out"


@dataclass(frozen=True, slots=True)
class Delivery:
    method: DeliveryMethod
    address: dict[str, Any] | None = None
    location_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method.value}
        if self.address is not None:
            out["address"] = self.address
        if self.location_id is not None:
            out["locationId"] = self.location_id
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Delivery:
        return cls(DeliveryMethod(raw["method"]), raw.get("address"), raw.get("locationId"))
