"""Live configuration: sections, versions, history, and simulating a sourcing draft."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, RootModel, StrictInt

from chalicelib.contracts.api.base import Id, Model
from chalicelib.contracts.config import ClickAndCollectConfig, ReturnsConfig, SourcingConfig, StockOutConfig
from chalicelib.contracts.workflows import WorkflowsConfig

# ---- live configuration ------------------------------------------------------------------------


class ConfigSectionIn(
    RootModel[SourcingConfig | ClickAndCollectConfig | ReturnsConfig | StockOutConfig | WorkflowsConfig]
):
    """`PUT /config/{section}`: the body is the section itself, `sourcing` (SourcingConfig),
    `clickAndCollect` (ClickAndCollectConfig), `returns` (ReturnsConfig), `stockOut` (StockOutConfig)
    or `workflows` (WorkflowsConfig), validated against the shape the path names."""


class ActivateConfig(Model):
    """`POST /config/{section}/activate`: make a saved version (a draft, or an older one: a rollback) active."""

    version: Annotated[StrictInt, Field(ge=1)]


class ConfigChange(Model):
    path: str = Field(description="e.g. `maxStores` or `rules[1].excludeSizeClasses`")
    op: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


class ConfigSectionOut(Model):
    section: str
    version: int = Field(description="0: never set, the built-in default applies")
    active: bool = Field(description="this version governs requests now")
    draft: bool = Field(description="saved with ?draft=true, so not made active when saved")
    body: dict[str, Any]
    saved_at: str | None = None
    saved_by: str | None = None
    based_on: int | None = Field(None, description="the active version when this was saved; `changes` are against it")
    changes: list[ConfigChange] = []
    warnings: list[str] = Field(
        [], description="in the answer to a save: what looks like a mistake but does not stop it governing"
    )


class WorkflowsOut(Model):
    """`GET /workflows/{entity}`: the definitions new entities of this kind are bound to now, and
    the bindings that choose among them (an entity under way follows the version it was pinned to)."""

    entity: str
    version: int = Field(description="the active version of the `workflows` section (0: built-in)")
    definitions: list[dict[str, Any]]
    bindings: list[dict[str, Any]]


class ConfigOut(Model):
    """`GET /config`: the active version of every section."""

    sections: dict[str, ConfigSectionOut]


class ConfigHistory(Model):
    """Every saved version of one section, drafts included, newest first."""

    section: str
    active_version: int
    items: list[ConfigSectionOut]
    next_cursor: str | None = None


class SimulateConfig(Model):
    """`POST /config/sourcing/simulate`: which rules (an inline body, a saved version, or by default
    the newest saved version, usually the draft) against which orders (named, or the newest)."""

    version: Annotated[StrictInt, Field(ge=1)] | None = None
    body: dict[str, Any] | None = None
    orders: Annotated[list[Id], Field(max_length=200)] = []
    last: Annotated[StrictInt, Field(ge=1, le=200)] = 20
    channel: Id | None = None


class SimulatedFigures(Model):
    shipments: int
    sources: list[str]
    backordered_units: int
    held_units: int
    distance_km: float


class SimulatedOrder(Model):
    order_id: str
    changed: bool
    before: SimulatedFigures
    after: SimulatedFigures


class BeforeAfter(Model):
    before: float
    after: float


class SimulationOut(Model):
    orders: int
    changed_orders: int
    shipments: BeforeAfter
    backordered_units: BeforeAfter
    held_units: BeforeAfter
    distance_km: BeforeAfter
    locations_gaining_work: dict[str, int]
    locations_losing_work: dict[str, int]
    results: list[SimulatedOrder]
