"""Live configuration sections: their shapes, validated before they can govern a request.

`sourcing`, `clickAndCollect`, `returns`, `stockOut` and `workflows` (its models in `workflows.py`).
A section is data the business changes at run time (`PUT /config/{section}`), versioned and
audited; these models say what a valid one is, and refuse the rest with a 422 that says why.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StringConstraints, model_validator

from chalicelib.contracts.sections import LocationTypeName, Name, Ref, Section
from chalicelib.contracts.workflows import DEFAULT_WORKFLOWS, Duration, WorkflowsConfig

Method = Literal["home_delivery", "click_and_collect", "pickup_point"]
SortKey = Literal["fewest_shipments", "distance", "priority", "stock_balance"]
# `Section` (every section's base, now in sections.py) is still to be had from here.
__all__ = [
    "DEFAULTS",
    "DEFAULT_CLICK_AND_COLLECT",
    "DEFAULT_RETURNS",
    "DEFAULT_SOURCING",
    "DEFAULT_STOCK_OUT",
    "SECTIONS",
    "ClickAndCollectConfig",
    "ReturnReason",
    "ReturnsConfig",
    "RuleScope",
    "Section",
    "SourcingConfig",
    "SourcingRule",
    "StockOutConfig",
]


def _unique(keys: list[str], refusal: str) -> None:
    if len(set(keys)) != len(keys):
        raise ValueError(refusal)


class RuleScope(Section):
    """Which lines a rule is for; an empty list means all."""

    methods: list[Method] = []
    channels: list[Ref] = []


class SourcingRule(Section):
    """One step of the brokering: which locations may serve, in what order, and what if none can."""

    name: Name
    when: RuleScope = RuleScope()
    location_types: Annotated[list[LocationTypeName], Field(min_length=1)]
    include_groups: list[Ref] = []  # if set, only locations in one of these groups
    exclude_groups: list[Ref] = []
    exclude_size_classes: list[Literal["S", "M", "L"]] = []
    max_distance_km: Annotated[float, Field(gt=0, le=20_000)] | None = None
    safety_stock: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0  # held back on top of each level's own
    min_stock_at_location: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0  # a location must keep this many
    respect_daily_capacity: bool = True
    sort: Annotated[list[SortKey], Field(min_length=1, max_length=4)] = ["fewest_shipments", "distance"]
    allow_split: bool = True  # may one line come from several locations
    max_shipments: Annotated[StrictInt, Field(ge=1, le=50)] | None = None  # per destination
    # When units are left after this rule: try the next rule, backorder them, or hold them for a
    # team (`hold_team`) to decide (a task: source again, backorder, or cancel them).
    on_no_match: Literal["next_rule", "backorder", "hold"] = "next_rule"
    hold_team: Ref | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SourcingRule:
        if set(self.include_groups) & set(self.exclude_groups):
            raise ValueError("a group cannot be both included and excluded")
        if len(set(self.sort)) != len(self.sort):
            raise ValueError("sort names a criterion twice")
        if self.on_no_match == "hold" and self.hold_team is None:
            raise ValueError("onNoMatch hold needs holdTeam: the team that decides about held lines")
        if self.on_no_match != "hold" and self.hold_team is not None:
            raise ValueError("holdTeam goes with onNoMatch hold only")
        return self


class SourcingConfig(Section):
    """`sourcing`: an ordered list of rules; the first that can serve a line does."""

    rules: Annotated[list[SourcingRule], Field(min_length=1, max_length=50)]
    # Click & collect from the chosen store's own shelf when it has the stock; otherwise (or when
    # off) the click_and_collect rules choose where a transfer to that store comes from.
    collect_from_store_stock: bool = True

    @model_validator(mode="after")
    def _unique_names(self) -> SourcingConfig:
        _unique([r.name for r in self.rules], "rule names must be unique")
        return self


class ClickAndCollectConfig(Section):
    """`clickAndCollect`: which stores a customer is offered (the contract's fixed shape)."""

    min_available: Annotated[StrictInt, Field(ge=0, le=100_000)] = 3  # of every line, at that store
    max_stores: Annotated[StrictInt, Field(ge=1, le=50)] = 3
    exclude_size_classes: list[Literal["S", "M", "L"]] = ["S"]
    max_distance_km: Annotated[float, Field(gt=0, le=20_000)] | None = None


Days = Annotated[StrictInt, Field(ge=0, le=3650)]
# A fee in the order's currency, VAT included: "2.50".
Fee = Annotated[str, StringConstraints(pattern=r"^\d{1,6}(\.\d{1,2})?$")]


class ReturnReason(Section):
    code: Ref
    merchant_fault: bool = False  # waives the fees (and refunds shipping under `merchant_fault`)


class ReturnsConfig(Section):
    """`returns`: what may come back, where, and what it refunds."""

    window_days: Days = 30  # from delivery (or from the order, for what was never delivered)
    window_days_by_channel: dict[Ref, Days] = {}  # a channel's own window, instead of windowDays
    return_location_types: Annotated[list[LocationTypeName], Field(min_length=1)] = ["dc", "store"]
    buying_store_only: bool = False  # a store takes back only what it sold itself
    non_returnable_skus: Annotated[list[Ref], Field(max_length=1000)] = []
    reasons: Annotated[list[ReturnReason], Field(min_length=1, max_length=100)] = [
        ReturnReason(code="changed_mind"),
        ReturnReason(code="does_not_fit"),
        ReturnReason(code="defective", merchant_fault=True),
        ReturnReason(code="damaged", merchant_fault=True),
        ReturnReason(code="wrong_item", merchant_fault=True),
    ]
    # never; merchant_fault: with a return for the merchant's fault; all_returned: once nothing is kept.
    shipping_refund: Literal["never", "merchant_fault", "all_returned"] = "all_returned"
    restocking_fee: Fee = "0.00"  # per unit returned; never more than the unit refunds
    return_shipping_fee: Fee = "0.00"  # per return
    refund_timing: Literal["on_request", "on_receipt", "on_inspection"] = "on_receipt"
    approved_expiry: Duration = "P30D"  # an approved return that has not arrived by then expires
    exchange_mode: Literal["advance", "on_receipt"] = "on_receipt"  # when a replacement ships

    @model_validator(mode="after")
    def _unique_reasons(self) -> ReturnsConfig:
        _unique([r.code for r in self.reasons], "reason codes must be unique")
        return self


Units = Annotated[StrictInt, Field(ge=0, le=100_000)]


class StockOutConfig(Section):
    """`stockOut`: what the marketplaces are told they may sell. A channel may sell what the locations its
    sourcing rules may ship from have available, less a buffer (for what sells meanwhile), never below 0."""

    buffer: Units = 0  # every marketplace channel's, unless it has its own
    buffer_by_channel: Annotated[dict[Ref, Units], Field(max_length=100)] = {}
    # A SKU's own buffer, on every channel (a bestseller that sells out between two pushes).
    buffer_by_sku: Annotated[dict[Ref, Units], Field(max_length=1000)] = {}
    # Changes of one SKU within this many seconds after the first make one push (SQS delays at most 900 s).
    coalesce_seconds: Annotated[StrictInt, Field(ge=0, le=900)] = 30
    # Stock calls a channel account may make a minute (a token bucket as big), under the platform's limit.
    pushes_per_minute: Annotated[StrictInt, Field(ge=1, le=6000)] = 60


DEFAULT_SOURCING = SourcingConfig(
    rules=[
        SourcingRule(
            name="Home delivery and pick-up points from DCs, fewest shipments",
            when=RuleScope(methods=["home_delivery", "pickup_point"]),
            location_types=["dc", "external_dc"],
            on_no_match="next_rule",
        ),
        SourcingRule(
            name="Ship from stores when the DCs cannot",
            when=RuleScope(methods=["home_delivery", "pickup_point"]),
            location_types=["store"],
            exclude_size_classes=["S"],
            safety_stock=1,
            on_no_match="backorder",
        ),
        SourcingRule(
            name="Click and collect replenished from a DC",
            when=RuleScope(methods=["click_and_collect"]),
            location_types=["dc"],
            on_no_match="backorder",
        ),
    ]
)

DEFAULT_CLICK_AND_COLLECT = ClickAndCollectConfig()
DEFAULT_RETURNS = ReturnsConfig()
DEFAULT_STOCK_OUT = StockOutConfig()

SECTIONS: dict[str, type[Section]] = {
    "sourcing": SourcingConfig,
    "clickAndCollect": ClickAndCollectConfig,
    "returns": ReturnsConfig,
    "stockOut": StockOutConfig,
    "workflows": WorkflowsConfig,
}
DEFAULTS: dict[str, Section] = {
    "sourcing": DEFAULT_SOURCING,
    "clickAndCollect": DEFAULT_CLICK_AND_COLLECT,
    "returns": DEFAULT_RETURNS,
    "stockOut": DEFAULT_STOCK_OUT,
    "workflows": DEFAULT_WORKFLOWS,
}
