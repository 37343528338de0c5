"""What the list use cases share: the query filters they check and the page they answer with."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Invalid
from chalicelib.domain.workflows import Entity
from chalicelib.service import workflows

if TYPE_CHECKING:
    from chalicelib.domain.access import Principal
    from chalicelib.service.unit_of_work import Dependencies

# The most items one page of any list holds: the routes declare it as `limit`'s maximum.
MAX_PAGE = 100


def required(value: str | None, name: str) -> str:
    """A query parameter the list cannot do without (one a scoped token may have filled in)."""
    if not value:
        raise Invalid(f"{name} is required", errors=[{"loc": ["query", name], "msg": "required"}])
    return value


def known_status(status: str, statuses: Iterable[Enum | str], *, msg: str = "unknown status") -> str:
    """The status to list, refused (422) unless the aggregate has it."""
    if status not in {s.value if isinstance(s, Enum) else s for s in statuses}:
        raise Invalid(f"unknown status {status!r}", errors=[{"loc": ["query", "status"], "msg": msg}])
    return status


def page(items: Iterable[Any], next_cursor: str | None, view: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [view(item) for item in items], "nextCursor": next_cursor}


@dataclass(frozen=True)
class LocationQueue:
    """A list of one location's items in one status, oldest first, one GSI1 Query a page (a store's
    reservations, a location's work queue). Tokens of the `scoped` kinds list their own location
    (they `sees` only that); admin, ops and cs name the one they want."""

    partition: Callable[[str, str], str]  # (location, status) -> the GSI1 partition
    default: Enum  # the status listed when none is asked for
    # The statuses there are: a workflow entity's (its states under the live definitions), or fixed ones.
    statuses: Entity | type[Enum]
    sees: str
    view: Callable[[Any], dict[str, Any]]
    scoped: tuple[str, ...] = ("store", "dc")

    def __call__(
        self,
        deps: Dependencies,
        principal: Principal,
        *,
        location_id: str | None,
        status: str | None,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        asked = principal.own_scope(location_id, scoped=self.scoped, others=("admin", "ops", "cs"), sees=self.sees)
        location_id = required(asked, "locationId")
        statuses = workflows.state_names(deps, self.statuses) if isinstance(self.statuses, Entity) else self.statuses
        status = known_status(status or self.default.value, statuses)
        items, next_cursor = deps.table.query_index(
            "GSI1", self.partition(location_id, status), limit=limit, cursor=cursor, newest_first=False
        )
        return page(items, next_cursor, self.view)
