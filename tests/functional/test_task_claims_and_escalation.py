"""A team's tasks taken by one person (claim, unclaim; of two claims at once one wins) and escalated
once when still undecided at their due time: to the workflow's `escalateTo` team, or marked overdue
where they are (TasksOverdue); a task decided in time, or meanwhile, is left alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.outbox import event_detail
from chalicelib.adapters.tasks_repo import TasksRepository
from chalicelib.contracts.events import parse_detail
from chalicelib.domain.tasks import HOLD_SLA
from tests.conftest import ManualClock, bearer, issue_token, post, put
from tests.functional.test_fulfilment_events import DC
from tests.functional.test_tasks_api import DESK, HOLDING, body, complete, held_order, task_of
from tests.functional.test_workflow_tasks import checking, tasks_of, with_a_task
from tests.functional.test_workflow_timers import fire

pytestmark = pytest.mark.usefixtures("demo")
LEADS = "qc-leads"


@pytest.fixture
def held(client: Any, admin: dict[str, str]) -> str:
    """A sourcing-hold task for the desk (it is due HOLD_SLA after it was opened)."""
    assert put(client, "/config/sourcing", HOLDING, admin).status_code == 200
    order, _ = held_order(client, admin)
    return task_of(order)


def event(client: Any, task_id: str, headers: dict[str, str], type_: str, **extra: Any) -> Any:
    return post(client, f"/tasks/{task_id}/events", {"type": type_, **extra}, headers)


def task(client: Any, task_id: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.http.get(f"/tasks/{task_id}", headers=headers)
    assert answer.status_code == 200, answer.body
    found: dict[str, Any] = json.loads(answer.body)
    return found


def queue(client: Any, team: str, status: str, headers: dict[str, str]) -> list[str]:
    answer = client.http.get(f"/tasks?team={team}&status={status}", headers=headers)
    assert answer.status_code == 200, answer.body
    return [t["taskId"] for t in body(answer)["items"]]


def overdue_counted(printed: str) -> list[str]:
    """The `escalated` dimension of every TasksOverdue point printed as EMF."""
    points = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    return [p["escalated"] for p in points if "_aws" in p and "TasksOverdue" in p]


def test_a_person_claims_a_task_and_only_they_decide_or_release_it(client, admin, held):
    anna, ben = bearer(issue_token("cs")), bearer(issue_token("cs"))
    claimed = event(client, held, anna, "claim")
    assert claimed.status_code == 200, claimed.body
    mine = body(claimed)
    assert (mine["status"], mine["claimedBy"][:7]) == ("claimed", "cs/tok_") and mine["claimedAt"]
    assert queue(client, DESK, "open", admin) == [] and queue(client, DESK, "claimed", admin) == [held]

    for refused in (event(client, held, ben, "claim"), complete(client, held, "backorder", ben)):
        assert refused.status_code == 409
        assert body(refused)["claimedBy"] == mine["claimedBy"] and mine["claimedBy"] in body(refused)["detail"]
    assert event(client, held, ben, "unclaim").status_code == 409
    assert body(event(client, held, anna, "claim"))["version"] == mine["version"]  # hers already: nothing written

    released = body(event(client, held, anna, "unclaim"))
    assert (released["status"], released.get("claimedBy")) == ("open", None)
    assert queue(client, DESK, "open", admin) == [held] and queue(client, DESK, "claimed", admin) == []
    assert body(event(client, held, ben, "claim"))["claimedBy"] != mine["claimedBy"]
    assert body(event(client, held, admin, "unclaim"))["status"] == "open"  # an admin frees a claim
    assert event(client, held, anna, "claim", outcome="cancel").status_code == 422  # claim takes no outcome
    assert event(client, held, anna, "complete").status_code == 422  # complete needs one

    assert complete(client, held, "backorder", ben).status_code == 200  # open: anyone of the team decides
    assert event(client, held, anna, "claim").status_code == 409  # decided


def test_of_two_claims_at_once_one_wins_and_the_other_is_told_who(client, admin, held, monkeypatch):
    anna, ben = bearer(issue_token("cs")), bearer(issue_token("ops"))
    real_get = TasksRepository.get
    raced: list[Any] = []

    def load_then_race(self: TasksRepository, task_id: str) -> Any:
        loaded = real_get(self, task_id)
        if not raced:  # Ben's claim loads and commits between Anna's load and her write
            raced.append(None)
            raced[0] = event(client, task_id, ben, "claim")
        return loaded

    monkeypatch.setattr(TasksRepository, "get", load_then_race)
    lost = event(client, held, anna, "claim")
    assert raced[0].status_code == 200, raced[0].body
    winner = body(raced[0])["claimedBy"]
    assert lost.status_code == 409, lost.body
    assert body(lost)["claimedBy"] == winner and winner.startswith("ops/")
    monkeypatch.undo()
    assert (task(client, held, admin)["claimedBy"], task(client, held, admin)["version"]) == (winner, 2)


def test_an_overdue_task_escalates_to_another_team_once(client, admin, clock: ManualClock, capsys):
    section = with_a_task()
    checked = next(d for d in section["definitions"] if d["id"] == "home-with-qc")
    into_check = next(t for t in checked["transitions"] if t["to"] == "quality_check")
    into_check["actions"][0]["escalateTo"] = LEADS  # its sla is PT2H
    assert put(client, "/config/workflows", section, admin).status_code == 200
    checking(client, admin, bearer(issue_token(f"dc:{DC}")))
    [opened] = tasks_of(client, "qc", admin)
    assert opened["escalateTo"] == LEADS
    assert event(client, opened["taskId"], admin, "claim").status_code == 200

    fire(clock, 2 * 3600 - 60)  # not yet due
    assert task(client, opened["taskId"], admin)["version"] == opened["version"] + 1  # only the claim
    capsys.readouterr()
    fire(clock, 120)
    assert overdue_counted(capsys.readouterr().out) == ["yes"]
    assert queue(client, "qc", "claimed", admin) == [] and tasks_of(client, "qc", admin) == []
    [moved] = tasks_of(client, LEADS, admin)
    assert (moved["taskId"], moved["team"], moved["escalatedFrom"], moved["status"]) == (
        opened["taskId"],
        LEADS,
        "qc",
        "open",  # the claim was the old team's
    )
    assert moved["overdueAt"] and "claimedBy" not in moved
    fire(clock, 1)  # the pump's next pass relays what the last one's schedule wrote
    [escalated] = [
        i for i in Table().partition(keys.TASKS.pk(moved["taskId"])) if i.get("eventType") == "TaskEscalated"
    ]
    assert escalated.get("sentAt"), "published on the bus"
    detail = parse_detail("TaskEscalated", event_detail(escalated))
    assert (detail.fromTeam, detail.team, detail.due) == ("qc", LEADS, opened["due"])  # type: ignore[attr-defined]

    fire(clock, 3 * 3600)  # once: the leads' queue is where it stays
    assert task(client, moved["taskId"], admin)["version"] == moved["version"]
    assert overdue_counted(capsys.readouterr().out) == []
    assert complete(client, moved["taskId"], "pass", admin).status_code == 200  # the leads decide it


def test_an_overdue_task_with_nowhere_to_go_is_marked_overdue_once(client, admin, held, clock, capsys):
    opened = task(client, held, admin)
    assert opened["due"] > opened["createdAt"] and "escalateTo" not in opened
    capsys.readouterr()
    fire(clock, HOLD_SLA.total_seconds() + 60)
    marked = task(client, held, admin)
    assert (marked["team"], marked["status"], marked["version"]) == (DESK, "open", opened["version"] + 1)
    assert marked["overdueAt"] and "escalatedFrom" not in marked
    assert overdue_counted(capsys.readouterr().out) == ["no"]
    assert queue(client, DESK, "open", admin) == [held]  # still the desk's to decide

    fire(clock, 3600)
    assert task(client, held, admin)["version"] == marked["version"]
    assert overdue_counted(capsys.readouterr().out) == []


def test_a_task_decided_in_time_or_meanwhile_is_not_escalated(client, admin, held, clock, monkeypatch):
    other, _ = held_order(client, admin)
    assert complete(client, held, "backorder", admin).status_code == 200
    real_overdue = TasksRepository.overdue

    def read_then_decide(self: TasksRepository, now: str) -> Any:
        found = list(real_overdue(self, now))  # the index still shows it undecided...
        assert complete(client, task_of(other), "cancel", admin).status_code == 200  # ...decided now
        return iter(found)

    monkeypatch.setattr(TasksRepository, "overdue", read_then_decide)
    fire(clock, HOLD_SLA.total_seconds() + 60)
    for task_id in (held, task_of(other)):
        after = task(client, task_id, admin)
        assert (after["status"], after["version"], after.get("overdueAt")) == ("completed", 2, None)


def test_escalate_to_needs_an_sla_and_another_team(client, admin):
    for action, says in (({"sla": None}, "has no sla"), ({"escalateTo": "qc"}, "its own team")):
        section = with_a_task()
        checked = next(d for d in section["definitions"] if d["id"] == "home-with-qc")
        opens = next(t for t in checked["transitions"] if t["to"] == "quality_check")["actions"][0]
        opens.update({"escalateTo": LEADS, **action})
        refused = put(client, "/config/workflows", section, admin)
        assert refused.status_code == 422 and says in refused.body.decode(), refused.body
