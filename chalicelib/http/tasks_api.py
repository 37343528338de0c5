"""Task routes: a team's work list, one task, and claiming, releasing or completing a task."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Query, Routes, page

bp = Routes(__name__, tag="tasks")

TEAM_WORKERS = ("admin", "ops", "cs")


@bp.get(
    "/tasks",
    roles=TEAM_WORKERS,
    response="TaskPage",
    query=(
        Query("team", description="the team, as a sourcing rule's holdTeam names it", required=True),
        Query("status", description="open (default), claimed or completed"),
        *page(),
    ),
    errors=(422,),
)
def list_tasks(call: Call) -> Any:
    """A team's tasks in one status, oldest first (e.g. lines a sourcing rule held for it)."""
    from chalicelib.service import tasks

    return call.serve(tasks.list_tasks)


@bp.get("/tasks/{task_id}", roles=TEAM_WORKERS, response="TaskOut", errors=(404,))
def get_task(call: Call, task_id: str) -> Any:
    """One task."""
    from chalicelib.service import tasks

    return call.serve(tasks.get_task, task_id)


@bp.post("/tasks/{task_id}/events", roles=TEAM_WORKERS, request="TaskEventIn", response="TaskOut", errors=(404, 409))
def task_event(call: Call, task_id: str) -> Any:
    """Claim a task, release it (unclaim), or complete it with its outcome, carried out on its order at once
    (sourcing-hold: resource, backorder or cancel the held units); someone else's claim or completing twice is a
    409.
    """
    from chalicelib.service import tasks

    return call.serve(tasks.handle_event, task_id)
