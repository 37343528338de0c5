"""Query parameters as a route declares them (`route(..., query=...)`) and as its `Call` reads them:
typed, bounds-checked, documented in the OpenAPI document from the same declaration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.domain.errors import Invalid
from chalicelib.service.listing import MAX_PAGE


@dataclass(frozen=True)
class Query:
    """One query parameter, as the handler reads it."""

    name: str
    type: Literal["string", "integer", "boolean"] = "string"
    description: str = ""
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    default: int | bool | None = None

    def read(self, raw: str | None) -> str | int | bool | None:
        """The value typed and within its bounds; absent, the default."""
        if raw is None:
            return self.default
        if self.type == "integer":
            return self._whole_number(raw)
        if self.type == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise Invalid(
                    f"{self.name} must be true or false", errors=[{"loc": ["query", self.name], "msg": "boolean"}]
                )
            return raw.lower() in ("true", "1")
        return raw

    def _whole_number(self, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = None
        too_low = value is not None and self.minimum is not None and value < self.minimum
        too_high = value is not None and self.maximum is not None and value > self.maximum
        if value is None or too_low or too_high:
            raise Invalid(
                f"{self.name} must be a whole number from {self.minimum} to {self.maximum}",
                errors=[{"loc": ["query", self.name], "msg": "out of range"}],
            )
        return value


def page(limit: str = "how many items per page (default 25)") -> tuple[Query, Query]:
    """The query parameters of every list: a page size (described as `limit`) and where to go on."""
    return (
        Query("limit", "integer", limit, minimum=1, maximum=MAX_PAGE, default=25),
        Query("cursor", description="`nextCursor` of the previous page"),
    )


def location_queue(
    location: str, status: str, limit: str = "how many items per page (default 25)"
) -> tuple[Query, ...]:
    """The query parameters of a list of one location's items in one status (`listing.LocationQueue`)."""
    return (Query("locationId", description=location), Query("status", description=status), *page(limit))
