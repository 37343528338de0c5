"""Task routes: a team's work list, one task, and completing a task with its outcome."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import if_match, json_response, parse, principal, query, query_int
from chalicelib.http.routing import Query, route

bp = Blueprint(__name__)

TEAM_WORKERS = ("admin", "ops", "cs")


@route(
    bp,
    "/tasks",
    methods=["GET"],
    roles=TEAM_WORKERS,
    summary="A team's tasks in one status, oldest first (e.g. lines a sourcing rule held for it)",
    response="TaskPage",
    query=(
        Query("team", description="the team, as a sourcing rule's holdTeam names it", required=True),
        Query("status", description="open (default) or completed"),
        Query("limit", "integer", "how many items per page (default 25)", minimum=1, maximum=100),
        Query("cursor", description="`nextCursor` of the previous page"),
    ),
    errors=(422,),
)
def list_tasks() -> Response:
    from chalicelib.service import tasks

    request = bp.current_request
    q = query(request)
    return json_response(
        tasks.list_tasks(
            bootstrap(),
            principal(),
            team=q.get("team"),
            status=q.get("status"),
            limit=query_int(request, "limit", 25, low=1, high=tasks.MAX_PAGE),
            cursor=q.get("cursor"),
        )
    )


@route(bp, "/tasks/{task_id}", roles=TEAM_WORKERS, summary="One task", response="TaskOut", errors=(404,))
def get_task(task_id: str) -> Response:
    from chalicelib.service import tasks

    return json_response(tasks.get_task(bootstrap(), task_id, principal()))


@route(
    bp,
    "/tasks/{task_id}/events",
    methods=["POST"],
    roles=TEAM_WORKERS,
    summary="Complete a task with its outcome, carried out on its order at once "
    "(sourcing-hold: resource, backorder or cancel the held units); completing twice is a 409",
    request="TaskEventIn",
    response="TaskOut",
    errors=(404, 409),
)
def task_event(task_id: str) -> Response:
    from chalicelib.contracts.api import TaskEventIn
    from chalicelib.service import tasks

    request = bp.current_request
    cmd, _ = parse(request, TaskEventIn)
    return json_response(tasks.handle_event(bootstrap(), task_id, cmd, principal(), if_match=if_match(request)))
