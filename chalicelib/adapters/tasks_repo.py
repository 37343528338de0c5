"""Tasks in the single table: the header item and its events (history + outbox).

Keys are in `keys` (TASK#<id>; GSI1 TASKS#<team>#<status>, oldest first). A task is created in
the transaction of the order change that opened it (the unit of work opens it with the order), and completed in the
transaction that carries its outcome out on the order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.adapters.outbox import aggregate_writes, recorded_events
from chalicelib.domain.errors import Conflict, DomainError, NotFound, VersionMismatch
from chalicelib.domain.tasks import Task, TaskStatus, task_lines


class TasksRepository:
    def __init__(self, table: Table, *, track: Callable[[Task], Task] = lambda task: task) -> None:
        self.table = table
        self._track = track

    def get(self, task_id: str) -> Task:
        item = self.table.get(keys.task_key(task_id), consistent=True)
        if item is None:
            raise NotFound(f"no task {task_id!r}")
        return self._track(task_from_item(item))

    def of_team(self, team: str, status: str, *, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
        """One page of a team's tasks in one status, oldest first: one Query."""
        return self.table.query_index(
            "GSI1", keys.tasks_of(team, status), limit=limit, cursor=cursor, newest_first=False
        )


def writes(table: Table, task: Task) -> list[Write]:
    """A new task, or a changed one refused if it changed meanwhile (completed: a conflict); its events."""

    def stale(old: Item | None) -> DomainError:
        if old is not None and old.get("status") != TaskStatus.OPEN.value:
            return Conflict(
                f"task {task.task_id} is {old['status']} already (outcome {old.get('outcome')})",
                taskId=task.task_id,
                taskStatus=old["status"],
                outcome=old.get("outcome"),
            )
        return VersionMismatch(f"task {task.task_id} changed meanwhile", currentVersion=old["version"] if old else None)

    return aggregate_writes(table, task, task_to_item(task), event_items(task), stale=stale)


def event_items(task: Task) -> list[Item]:
    return recorded_events(
        pk=keys.task_pk(task.task_id),
        aggregate_id=task.task_id,
        version=task.version,
        events=task.new_events,
        resource=f"task/{task.task_id}",
        taskId=task.task_id,
        orderId=task.order_id,
    )


def task_to_item(t: Task) -> Item:
    return {
        **keys.task_key(t.task_id),
        **keys.tasks_of_index(t.team, t.status.value, t.created_at, t.task_id),
        "type": "task",
        "taskId": t.task_id,
        "team": t.team,
        "kind": t.kind,
        "status": t.status.value,
        "orderId": t.order_id,
        "lines": [ln.as_dict() for ln in t.lines],
        "reason": t.reason,
        "rule": t.rule,
        "outcome": t.outcome,
        "note": t.note,
        "completedBy": t.completed_by,
        "completedAt": t.completed_at,
        "version": t.version,
        "createdAt": t.created_at,
        "updatedAt": t.updated_at,
    }


def task_from_item(item: Item) -> Task:
    return Task(
        task_id=item["taskId"],
        team=item["team"],
        kind=item["kind"],
        order_id=item["orderId"],
        lines=task_lines(item["lines"]),
        reason=item["reason"],
        rule=item.get("rule", ""),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        status=TaskStatus(item["status"]),
        outcome=item.get("outcome"),
        note=item.get("note"),
        completed_by=item.get("completedBy"),
        completed_at=item.get("completedAt"),
        version=item["version"],
        stored_version=item["version"],
    )


_FIELDS = (
    "taskId",
    "team",
    "kind",
    "status",
    "orderId",
    "lines",
    "reason",
    "rule",
    "outcome",
    "note",
    "completedBy",
    "completedAt",
    "version",
    "createdAt",
    "updatedAt",
)


def task_view(item: Item) -> dict[str, Any]:
    """A task as the API shows it (fields not yet set left out)."""
    return {k: item[k] for k in _FIELDS if item.get(k) is not None}
