"""Who may do what. Roles are `admin`, `ops`, `cs`, `channel:<id>`, `store:<id>`, `dc:<id>`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Forbidden

ROLE_KINDS = frozenset({"admin", "ops", "cs", "channel", "store", "dc"})


@dataclass(frozen=True, slots=True)
class Principal:
    role: str
    token_id: str | None = None  # which token of that role: one per person, so a person is known

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

    @property
    def person(self) -> str:
        """Who exactly, where it matters (a task's claim): the role and its token, as `cs/tok_...`."""
        return f"{self.role}/{self.token_id}" if self.token_id else self.role

    def require(self, *kinds: str) -> None:
        if self.kind not in kinds:
            raise Forbidden(f"role {self.role} may not do this")

    def own_scope(
        self, asked: str | None, *, scoped: tuple[str, ...], others: tuple[str, ...], sees: str
    ) -> str | None:
        """What a list shows this caller: a scoped token (of the kinds `scoped`) its own channel or
        location, and refused another (it `sees` only its own); anyone else (`others`) what it asked."""
        if self.kind in scoped:
            if asked not in (None, self.scope):
                raise Forbidden(f"a {self.role} token {sees} {self.scope} only")
            return self.scope
        self.require(*others)
        return asked

    def may_create_order_for(self, channel: str, store_id: str | None) -> None:
        self.require("admin", "cs", "channel", "store")
        if self.kind == "channel" and channel != self.scope:
            raise Forbidden(f"a {self.role} token creates orders for channel {self.scope} only")
        if self.kind == "store" and store_id != self.scope:
            raise Forbidden(f"a {self.role} token creates orders for store {self.scope} only (storeId)")

    def may_see_order(self, order: dict[str, Any]) -> None:
        """Stores serve any customer at their counter, so they read every order; channels read
        their own channel's; DCs the orders they work on. `order` is a header or a whole order."""
        if self.kind in ("admin", "ops", "cs", "store"):
            return
        if self.kind == "channel" and order.get("channel") == self.scope:
            return
        if self.kind == "dc" and self.scope in _locations_of(order):
            return
        raise Forbidden(f"order {order.get('orderId')} is not visible to {self.role}")

    def may_change_order(self, order: dict[str, Any]) -> None:
        """Channels change their own channel's orders; stores only orders at their location (sold at
        their till, collected, carried out or fulfilled there), not every order they may read."""
        self.require("admin", "cs", "channel", "store")
        if self.kind == "channel" and order.get("channel") != self.scope:
            raise Forbidden(f"order {order.get('orderId')} is not of channel {self.scope}")
        if self.kind == "store" and self.scope not in _locations_of(order):
            raise Forbidden(
                f"order {order.get('orderId')} is not at {self.scope}: a {self.role} token changes only that"
            )


def _locations_of(order: dict[str, Any]) -> set[str]:
    found = {fo["locationId"] for fo in order.get("fulfilmentOrders", [])}
    if order.get("storeId"):
        found.add(order["storeId"])
    for line in order.get("lines", []):
        for loc in (line.get("delivery", {}).get("locationId"), line.get("shipFrom")):
            if loc:
                found.add(loc)
    return found
