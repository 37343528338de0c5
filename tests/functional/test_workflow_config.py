"""The `workflows` section through the API: its default is today's flows, an unsound one is refused
with every reason, and a business's own state (a quality check) is taken and governs from then on."""

from __future__ import annotations

import copy
import json
from typing import Any

from chalicelib.adapters.dynamo import Table
from chalicelib.contracts.config import DEFAULTS
from chalicelib.contracts.workflows import WorkflowsConfig
from chalicelib.domain.workflows import DEFAULT_WORKFLOWS, Entity, bind
from chalicelib.service import config
from tests.conftest import put


def active() -> WorkflowsConfig:
    section = config.active(Table(), "workflows")
    assert isinstance(section, WorkflowsConfig)
    return section


def body(answer: Any) -> Any:
    return json.loads(answer.body)


def default_body() -> dict[str, Any]:
    return copy.deepcopy(DEFAULTS["workflows"].model_dump(mode="json"))


def with_quality_check() -> dict[str, Any]:
    """Home delivery with a quality check between packing and shipping, for orders of 500 or more."""
    section = default_body()
    home = next(d for d in section["definitions"] if d["id"] == "fulfilment-home")
    home["states"].insert(4, {"name": "quality_check", "category": "in_progress", "sla": "PT4H"})
    home["transitions"] += [
        {
            "from": ["packed"],
            "on": "ship",
            "to": "quality_check",
            "guard": {">=": [{"var": "order.total"}, 500]},
            "actions": [{"type": "open_task", "team": "qc", "outcomes": {"pass": "approve", "fail": "pick"}}],
        },
        {"from": ["quality_check"], "on": "approve", "to": "shipped", "actions": [{"type": "take_stock"}]},
        {"from": ["quality_check"], "on": "pick", "to": "picked"},
    ]
    return section


def test_never_saved_the_section_is_the_four_fulfilment_flows_the_return_and_the_task_flow(client, admin):
    got = body(client.http.get("/config/workflows", headers=admin))
    assert got["version"] == 0
    assert [d["id"] for d in got["body"]["definitions"]] == [
        "fulfilment-home",
        "fulfilment-pickup-point",
        "fulfilment-transfer",
        "fulfilment-shelf",
        "return-standard",
        "task-standard",
    ]
    assert config.active(Table(), "workflows").to_domain() == DEFAULT_WORKFLOWS  # type: ignore[attr-defined]


def test_an_unsound_workflow_is_refused_with_every_reason(client, admin):
    section = default_body()
    home = section["definitions"][0]
    home["states"].append({"name": "lost", "category": "open"})  # unreachable, and no way out
    home["transitions"] += [
        {"from": ["delivered"], "on": "return", "to": "shipped"},  # out of a final state
        {"from": ["released"], "on": "accept", "to": "rejected"},  # a second unguarded accept
        {"from": ["shipped"], "on": "lose", "to": "limbo"},  # no such state
        {"from": ["shipped"], "on": "check", "to": "delivered", "guard": {"eval": "1"}},
    ]
    answer = put(client, "/config/workflows", section, admin)
    assert answer.status_code == 422, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    (error,) = body(answer)["errors"]
    assert error["loc"] == ["body"]
    for reason in (
        "6 reasons",
        "transition delivered --return--> shipped leaves final state 'delivered'",
        "2 unguarded transitions on 'accept' from 'released'",
        "transition shipped --lose--> limbo names unknown state limbo",
        "guard: unknown operator 'eval'",
        "unreachable from 'released': lost",
        "no way to a final state from lost",
    ):
        assert reason in error["msg"], (reason, error["msg"])
    assert body(client.http.get("/config/workflows/history", headers=admin))["items"] == []  # nothing stored


def test_a_bad_shape_is_refused_naming_the_field(client, admin):
    section = default_body()
    section["definitions"][0]["transitions"][0]["actions"] = [{"type": "launch_rocket"}]
    section["definitions"][0]["states"][0]["sla"] = "P1M"  # a month has no fixed length
    answer = put(client, "/config/workflows", section, admin)
    assert answer.status_code == 422
    locs = [e["loc"][:6] for e in body(answer)["errors"]]
    assert ["body", "definitions", 0, "transitions", 0, "actions"] in locs
    assert ["body", "definitions", 0, "states", 0, "sla"] in locs


def test_a_quality_check_state_is_taken_and_governs_from_then_on(client, admin):
    saved = put(client, "/config/workflows", with_quality_check(), admin)
    assert saved.status_code == 200, saved.body
    assert body(saved)["version"] == 1 and body(saved)["active"]
    got = body(client.http.get("/config/workflows", headers=admin))
    home = next(d for d in got["body"]["definitions"] if d["id"] == "fulfilment-home")
    assert "quality_check" in [s["name"] for s in home["states"]]
    assert got["body"]["definitions"][0]["states"][4]["sla"] == "PT4H"  # as saved
    section = active().to_domain()
    definition = bind(section, Entity.FULFILMENT_ORDER, flow="home")
    state = definition.state("quality_check")
    assert state is not None and state.category.value == "in_progress"
    everything = body(client.http.get("/config", headers=admin))["sections"]
    assert everything["workflows"]["version"] == 1
    assert body(saved)["warnings"] == []


def test_a_save_answers_with_its_warnings_and_still_governs(client, admin):
    section = with_quality_check()
    spare = copy.deepcopy(section["definitions"][0])
    spare["id"] = "home-spare"
    section["definitions"].append(spare)  # bound by nothing
    section["bindings"].insert(0, {"entity": "fulfilmentOrder", "match": {}, "workflow": "fulfilment-home"})
    saved = put(client, "/config/workflows", section, admin)
    assert saved.status_code == 200, saved.body
    warnings = body(saved)["warnings"]
    assert "workflow 'home-spare' is bound by no binding" in warnings
    assert any("is never used: binding 1 matches everything it would" in w for w in warnings)
    assert body(saved)["active"] and active().to_domain().definition("home-spare") is not None
    again = put(client, "/config/workflows", section, admin)  # the same body: no new version, same warnings
    assert (body(again)["version"], body(again)["warnings"]) == (body(saved)["version"], warnings)
