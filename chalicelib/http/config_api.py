"""Live configuration: read, save (or draft), activate and roll back sections, and their history."""

from __future__ import annotations

from typing import Any

from chalicelib.http.queries import Query, page
from chalicelib.http.routing import Call, Routes

bp = Routes(__name__, tag="config")

READERS = ("admin", "ops", "cs")
WRITERS = ("admin",)


@bp.get("/workflows/{entity}", roles=(*READERS, "store", "dc"), response="WorkflowsOut", errors=(404,))
def get_workflows(call: Call, entity: str) -> Any:
    """The workflows new entities of a kind (`fulfilmentOrder`, `order`, `return`, `task`) are bound to now."""
    from chalicelib.service import workflows

    return workflows.of_entity(call.deps, entity)


@bp.get("/config", roles=READERS, response="ConfigOut")
def get_config(call: Call) -> Any:
    """The active version of every configuration section."""
    from chalicelib.service import config

    return config.get_all(call.deps.table)


@bp.get("/config/{section}", roles=READERS, response="ConfigSectionOut", errors=(404,))
def get_config_section(call: Call, section: str) -> Any:
    """The active version of one section (`sourcing`, `clickAndCollect`, `returns`, `stockOut`, `workflows`)."""
    from chalicelib.service import config

    return config.get_section(call.deps.table, section)


@bp.put(
    "/config/{section}",
    roles=WRITERS,
    request="ConfigSectionIn",
    response="ConfigSectionOut",
    query=(Query("draft", "boolean", "true: save without activating (activate it later)", default=False),),
    errors=(404, 409),
)
def put_config_section(call: Call, section: str) -> Any:
    """Save a new version of a section and make it active (or only save it, with ?draft=true). The body is the
    section itself: SourcingConfig for `sourcing`, ClickAndCollectConfig for `clickAndCollect`, ReturnsConfig for
    `returns`, StockOutConfig for `stockOut`, WorkflowsConfig for `workflows` (an unsound workflow is refused with
    every reason). If-Match names the active version the change is based on.
    """
    from chalicelib.service import config

    # The raw body: the service validates it against the shape the section names.
    return config.save(call.deps, section, call.raw, call.caller, **call.query, if_match=call.if_match)


@bp.post(
    "/config/{section}/activate",
    roles=WRITERS,
    request="ActivateConfig",
    response="ConfigSectionOut",
    errors=(404, 409),
)
def activate_config_section(call: Call, section: str) -> Any:
    """Make a saved version active: a draft, or an older version (rollback)."""
    from chalicelib.service import config

    return config.activate(call.deps, section, call.body.version, call.caller, if_match=call.if_match)


@bp.get(
    "/config/{section}/history",
    roles=READERS,
    response="ConfigHistory",
    query=page("how many versions per page (default 25)"),
    errors=(404, 422),
)
def config_section_history(call: Call, section: str) -> Any:
    """Every saved version of a section, drafts included, newest first: who, when, what changed."""
    from chalicelib.service import config

    return config.history(call.deps.table, section, **call.query)


@bp.post(
    "/config/{section}/simulate",
    roles=WRITERS,
    request="SimulateConfig",
    response="SimulationOut",
    idempotency_key=False,  # reads only: nothing to replay
    errors=(404,),
)
def simulate_config_section(call: Call, section: str) -> Any:
    """Re-source recent orders under a draft of the sourcing rules, touching nothing, and report what would change:
    shipments per order, backorders, which locations gain or lose work, distance.
    """
    from chalicelib.service import simulation

    cmd, table = call.body, call.deps.table
    rules = simulation.rules_to_try(table, section, version=cmd.version, body=cmd.body)
    return simulation.simulate(table, rules, order_ids=cmd.orders, last=cmd.last, channel=cmd.channel)
