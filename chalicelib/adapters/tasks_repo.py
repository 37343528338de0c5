"""Tasks in the single table: the header item and its events (history + outbox).

Keys are in `keys` (TASK#<id>; GSI1 TASKS#<team>#<status>, oldest first; GSI3 TASKDUE#<shard> by due
time while undecided and not overdue). A task is created in the transaction of the order change that
opened it (the unit of work opens it with the order), and completed in the transaction that carries
its outcome out on the order.

A task stored before tasks followed a workflow has no workflow fields: it is read as pinned to the
built-in `task-standard` (version 0), in the state its status names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.adapters.items import attributes, optional, required
from chalicelib.adapters.outbox import Stale, aggregate_writes, recorded_events
from chalicelib.adapters.tracked import TrackedRepository
from chalicelib.domain.errors import DomainError, VersionMismatch
from chalicelib.domain.orders.holds import WorkflowStep
from chalicelib.domain.tasks import Task, task_lines
from chalicelib.domain.workflows import Category
from chalicelib.domain.workflows.defaults import TASK_STANDARD


class TasksRepository(TrackedRepository[Task]):
    def get(self, task_id: str) -> Task:
        return self._one(keys.TASKS.key(task_id), task_from_item, missing=f"no task {task_id!r}")

    def of_team(self, team: str, status: str, *, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
        """One page of a team's tasks in one status, oldest first: one Query."""
        return self.table.query_index(
            "GSI1", keys.TASKS_OF.pk(team, status), limit=limit, cursor=cursor, newest_first=False
        )

    def overdue(self, now: str) -> Iterator[Item]:
        """Undecided tasks due by `now`, from every shard of GSI3 (the index may lag: the write's
        version condition has the last word)."""
        return self.table.due(keys.TASK_DUE.partitions(), now)


def writes(table: Table, task: Task) -> list[Write]:
    """A new task, or a changed one refused if it changed meanwhile; its events."""
    return aggregate_writes(table, task, task_to_item(task), event_items(task), stale=_stale(task))


def _stale(task: Task) -> Stale:
    """Why a task's write failed: completed meanwhile, or claimed by someone else meanwhile (409s
    naming what happened: of two claims at once, one wins), or only changed (412)."""

    def stale(old: Item | None) -> DomainError:
        refused = task_from_item(old).refusal(task.claimed_by) if old is not None else None
        current = old["version"] if old else None
        return refused or VersionMismatch(f"task {task.task_id} changed meanwhile", currentVersion=current)

    return stale


def event_items(task: Task) -> list[Item]:
    return recorded_events(
        task, pk=keys.TASKS.pk(task.task_id), kind="task", taskId=task.task_id, orderId=task.order_id
    )


def task_to_item(t: Task) -> Item:
    return {
        **keys.TASKS.key(t.task_id),
        **keys.TASKS_OF.index(t.team, t.status, t.created_at, t.task_id),
        "type": "task",
        **attributes(t, "task_id team kind status workflow workflow_version"),
        "category": t.category.value,
        **attributes(t, "entry order_id"),
        "lines": [ln.as_dict() for ln in t.lines],
        **attributes(t, "reason rule outcome note completed_by completed_at"),
        **(_step_to_item(t.step) if t.step else {}),
        **(keys.TASK_DUE.index(t.task_id, t.due) if t.due and t.pending and t.overdue_at is None else {}),
        **attributes(t, "due escalate_to claimed_by claimed_at overdue_at escalated_from"),
        **attributes(t, "version created_at updated_at"),
    }


def task_from_item(item: Item) -> Task:
    return Task(
        **required(item, "task_id team kind order_id reason created_at updated_at status version"),
        **optional(item, "outcome note completed_by completed_at due escalate_to"),
        **optional(item, "claimed_by claimed_at overdue_at escalated_from"),
        lines=task_lines(item["lines"]),
        rule=item.get("rule", ""),
        workflow=item.get("workflow", TASK_STANDARD.id),
        workflow_version=int(item.get("workflowVersion", 0)),
        category=Category(item["category"]) if "category" in item else _standard_category(item["status"]),
        entry=int(item.get("entry", 0)),
        step=_step_from_item(item) if "outcomes" in item else None,
        stored_version=item["version"],
    )


def _standard_category(status: str) -> Category:
    """A task stored before workflows: its status is a state of the built-in task workflow."""
    state = TASK_STANDARD.state(status)
    assert state is not None, f"a task stored before workflows is open, claimed or completed, not {status!r}"
    return state.category


def _step_to_item(step: WorkflowStep) -> Item:
    return {
        "fulfilmentOrderId": step.fulfilment_order_id,
        "outcomes": step.outcomes,
        "state": step.state,
        "entry": step.entry,
    }  # its due is the task's own


def _step_from_item(item: Item) -> WorkflowStep:
    return WorkflowStep(
        item.get("fulfilmentOrderId"), item["outcomes"], item["state"], int(item["entry"]), item.get("due")
    )


_FIELDS = (
    "taskId",
    "team",
    "kind",
    "status",
    "workflow",
    "workflowVersion",
    "category",
    "entry",
    "orderId",
    "lines",
    "reason",
    "rule",
    "outcome",
    "note",
    "completedBy",
    "completedAt",
    "fulfilmentOrderId",
    "outcomes",
    "due",
    "escalateTo",
    "claimedBy",
    "claimedAt",
    "overdueAt",
    "escalatedFrom",
    "version",
    "createdAt",
    "updatedAt",
)


def task_view(item: Item) -> dict[str, Any]:
    """A task as the API shows it (fields not yet set left out)."""
    return {k: item[k] for k in _FIELDS if item.get(k) is not None}
