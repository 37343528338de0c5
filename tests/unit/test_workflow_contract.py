"""The `workflows` section's contract: every action and duration reaches the domain and comes back as saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.contracts.workflows import WorkflowsConfig
from chalicelib.domain.workflows import actions as act
from chalicelib.domain.workflows import parse_duration

ACTIONS = [
    {"type": "take_stock"},
    {"type": "give_back_stock"},
    {"type": "source_again", "excludeSource": False},
    {"type": "open_task", "team": "qc", "outcomes": {"pass": "finish"}, "sla": "PT30M"},
    {"type": "start_timer", "name": "nudge", "after": 600, "event": "finish"},
    {"type": "stop_timer", "name": "nudge"},
    {"type": "notify_channel", "message": "held"},
    {"type": "require_field", "field": "event.tracking"},
    {"type": "emit_event", "event": "QualityCheckStarted"},
]


def section(actions: Any = (), sla: object = "P2DT4H") -> dict[str, Any]:
    return {
        "definitions": [
            {
                "id": "qc",
                "entity": "fulfilmentOrder",
                "states": [
                    {"name": "open", "category": "open", "initial": True, "sla": sla},
                    {"name": "done", "category": "done", "final": True},
                ],
                "transitions": [
                    {"from": ["open"], "on": "start", "to": "open", "actions": list(actions)},
                    {"from": ["open"], "on": "finish", "to": "done", "actions": [{"type": "take_stock"}]},
                ],
            }
        ],
        "bindings": [{"entity": "fulfilmentOrder", "match": {}, "workflow": "qc"}],
    }


def test_every_action_reaches_the_domain():
    domain = WorkflowsConfig.model_validate(section(ACTIONS)).to_domain()
    (definition,) = domain.definitions
    assert definition.state("open").sla == timedelta(days=2, hours=4)  # type: ignore[union-attr]
    assert definition.transitions[0].actions == (
        act.TakeStock(),
        act.GiveBackStock(),
        act.SourceAgain(exclude_source=False),
        act.OpenTask("qc", {"pass": "finish"}, timedelta(minutes=30)),
        act.StartTimer("nudge", timedelta(minutes=10), "finish"),
        act.StopTimer("nudge"),
        act.NotifyChannel("held"),
        act.RequireField("event.tracking"),
        act.EmitEvent("QualityCheckStarted"),
    )


def test_from_the_domain_and_back_is_the_same_section():
    saved = WorkflowsConfig.model_validate(section(ACTIONS))
    assert WorkflowsConfig.from_domain(saved.to_domain()).to_domain() == saved.to_domain()


def test_a_body_reads_back_as_it_was_saved():
    body = section(ACTIONS)
    dumped = WorkflowsConfig.model_validate(body).model_dump(mode="json", exclude_defaults=True)
    assert dumped["definitions"][0]["states"][0]["sla"] == "P2DT4H"
    assert dumped["definitions"][0]["transitions"][0]["actions"][4]["after"] == 600


@pytest.mark.parametrize(("raw", "seconds"), [(90, 90), ("PT4H", 14_400), ("P1W", 604_800), ("P1DT1M1S", 86_461)])
def test_durations(raw, seconds):
    assert parse_duration(raw) == timedelta(seconds=seconds)


@pytest.mark.parametrize("raw", ["P1M", "P1Y", "PT", "P", "P1DT", "4 hours", "PT-1H", True])
def test_durations_that_are_not(raw):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(raw)


def test_a_duration_out_of_bounds_is_a_reason_with_the_others():
    with pytest.raises(ValidationError) as refused:
        WorkflowsConfig.model_validate(section([{"type": "stop_timer", "name": "never"}], sla=91 * 86_400))
    (error,) = refused.value.errors()
    assert "state 'open''s sla must be between 1 second and 90 days" in error["msg"]


def test_an_unknown_action_or_state_category_is_a_shape_error():
    bad = section([{"type": "launch_rocket"}])
    bad["definitions"][0]["states"][1]["category"] = "lost"
    with pytest.raises(ValidationError) as refused:
        WorkflowsConfig.model_validate(bad)
    locs = [e["loc"] for e in refused.value.errors()]
    assert ("definitions", 0, "states", 1, "category") in locs
    assert any(loc[:5] == ("definitions", 0, "transitions", 0, "actions") for loc in locs)
