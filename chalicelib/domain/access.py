"""Who may do what. Roles are `admin`, `ops`, `cs`, `channel:<id>`, `store:<id>`, `dc:<id>`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Forbidden

ROLE_KINDS = frozenset({"admin", "ops", "cs", "channel", "store", "dc"})


@dataclass(frozen=True, slots=True)
class Principal:
    role: str

    @property
    def kind(self) -> str:
        return self.role.split(":", 1)[0]

    @property
    def scope(self) -> str | None:
        """The channel or location a scoped token is bound to."""
        return self.role.split(":", 1)[1] if ":" in self.role else None

    @property
    def actor(self) -> str:
        return self.role

    def require(self, *kinds: str) -> None:
        if self.kind not in kinds:
            raise Forbidden(f"role {self.role} may not do this")

    def may_create_order_for(self, channel: str, store_id: str | None) -> None:
        self.require("admin", "cs", "channel", "store")
        if self.kind == "channel" and channel != self.scope:
            raise Forbidden(f"a {self.role} token creates orders for channel {self.scope} only")
        if self.kind == "store" and store_id != self.scope:
            raise Forbidden(f"a {self.role} token creates orders for store {self.scope} only (storeId)")

    def may_see_order(self, header: dict[str, Any], fulfilment_locations: Iterable[str] = ()) -> None:
        """Channels see their own channel's orders; stores and DCs orders they sold or work on."""
        if self.kind in ("admin", "ops", "cs"):
            return
        if self.kind == "channel" and header.get("channel") == self.scope:
            return
        if self.kind in ("store", "dc") and self.scope in _locations_of(header, fulfilment_locations):
            return
        raise Forbidden(f"order {header.get('orderId')} is not visible to {self.role}")


def _locations_of(header: dict[str, Any], fulfilment_locations: Iterable[str]) -> set[str]:
    found = set(fulfilment_locations)
    if header.get("storeId"):
        found.add(header["storeId"])
    for line in header.get("lines", []):
        for loc in (line.get("delivery", {}).get("locationId"), line.get("shipFrom")):
            if loc:
                found.add(loc)
    return found
