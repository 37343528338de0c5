"""Live configuration: read, save (or draft), activate and roll back sections, and their history."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import Invalid
from chalicelib.http.requests import if_match, json_body, json_response, parse, principal, query, query_int
from chalicelib.http.routing import Query, route

bp = Blueprint(__name__)

READERS = ("admin", "ops", "cs")
WRITERS = ("admin",)
# Must match config.MAX_PAGE: importing the service here would slow cold starts.
HISTORY_PAGE = (
    Query("limit", "integer", "how many versions per page (default 25)", minimum=1, maximum=100),
    Query("cursor", description="`nextCursor` of the previous page"),
)


@route(bp, "/config", roles=READERS, summary="The active version of every configuration section", response="ConfigOut")
def get_config() -> Response:
    from chalicelib.service import config

    return json_response(config.get_all(bootstrap().table))


@route(
    bp,
    "/config/{section}",
    roles=READERS,
    summary="The active version of one section (`sourcing`, `clickAndCollect`)",
    response="ConfigSectionOut",
    errors=(404,),
)
def get_config_section(section: str) -> Response:
    from chalicelib.service import config

    return json_response(config.get_section(bootstrap().table, section))


@route(
    bp,
    "/config/{section}",
    methods=["PUT"],
    roles=WRITERS,
    summary="Save a new version of a section and make it active (or only save it, with ?draft=true). "
    "The body is the section itself: SourcingConfig for `sourcing`, ClickAndCollectConfig for "
    "`clickAndCollect`. If-Match names the active version the change is based on.",
    request="ConfigSectionIn",
    response="ConfigSectionOut",
    query=(Query("draft", "boolean", "true: save without activating (activate it later)"),),
    errors=(404, 409),
)
def put_config_section(section: str) -> Response:
    from chalicelib.service import config

    request = bp.current_request
    saved = config.save(
        bootstrap().table, section, json_body(request), principal(), draft=_draft(request), if_match=if_match(request)
    )
    return json_response(saved)


@route(
    bp,
    "/config/{section}/activate",
    methods=["POST"],
    roles=WRITERS,
    summary="Make a saved version active: a draft, or an older version (rollback)",
    request="ActivateConfig",
    response="ConfigSectionOut",
    errors=(404, 409),
)
def activate_config_section(section: str) -> Response:
    from chalicelib.contracts.api import ActivateConfig
    from chalicelib.service import config

    request = bp.current_request
    cmd, _ = parse(request, ActivateConfig)
    return json_response(
        config.activate(bootstrap().table, section, cmd.version, principal(), if_match=if_match(request))
    )


@route(
    bp,
    "/config/{section}/history",
    roles=READERS,
    summary="Every saved version of a section, drafts included, newest first: who, when, what changed",
    response="ConfigHistory",
    query=HISTORY_PAGE,
    errors=(404, 422),
)
def config_section_history(section: str) -> Response:
    from chalicelib.service import config

    request = bp.current_request
    limit = query_int(request, "limit", 25, low=1, high=config.MAX_PAGE)
    return json_response(config.history(bootstrap().table, section, limit=limit, cursor=query(request).get("cursor")))


def _draft(request: Request) -> bool:
    raw = query(request).get("draft", "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise Invalid("draft must be true or false", errors=[{"loc": ["query", "draft"], "msg": "boolean"}])
    return raw in ("true", "1")


@route(
    bp,
    "/config/{section}/simulate",
    methods=["POST"],
    roles=WRITERS,
    summary="Re-source recent orders under a draft of the sourcing rules, touching nothing, and report "
    "what would change: shipments per order, backorders, which locations gain or lose work, distance",
    request="SimulateConfig",
    response="SimulationOut",
    idempotency_key=False,  # reads only: nothing to replay
    errors=(404,),
)
def simulate_config_section(section: str) -> Response:
    from chalicelib.contracts.api import SimulateConfig
    from chalicelib.service import simulation

    cmd, _ = parse(bp.current_request, SimulateConfig)
    rules = simulation.rules_to_try(bootstrap().table, section, version=cmd.version, body=cmd.body)
    return json_response(
        simulation.simulate(bootstrap().table, rules, order_ids=cmd.orders, last=cmd.last, channel=cmd.channel)
    )
