"""What the list use cases share: the query filters they check and the page they answer with."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from chalicelib.domain.errors import Invalid

# The most items one page of any list holds: the routes declare it as `limit`'s maximum.
MAX_PAGE = 100


def required(value: str | None, name: str) -> str:
    """A query parameter the list cannot do without (one a scoped token may have filled in)."""
    if not value:
        raise Invalid(f"{name} is required", errors=[{"loc": ["query", name], "msg": "required"}])
    return value


def known_status(status: str, statuses: Iterable[Enum], *, msg: str = "unknown status") -> str:
    """The status to list, refused (422) unless the aggregate has it."""
    if status not in {s.value for s in statuses}:
        raise Invalid(f"unknown status {status!r}", errors=[{"loc": ["query", "status"], "msg": msg}])
    return status


def page(items: Iterable[Any], next_cursor: str | None, view: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [view(item) for item in items], "nextCursor": next_cursor}
