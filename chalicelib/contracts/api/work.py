"""Work for people and operators: tasks and dead letters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints

from chalicelib.contracts.api.base import Model, Text
from chalicelib.contracts.api.orders import EventName

# ---- tasks -------------------------------------------------------------------------------------


class TaskLine(Model):
    line_id: str
    sku: str
    quantity: int


class TaskOut(Model):
    """Work for a team: `sourcing-hold` when a sourcing rule held lines nothing could serve;
    `workflow` when a fulfilment order's workflow opened it (a quality check, an approval); `refund-failed`
    when the payment side failed a refund every attempt.
    It follows the task workflow it was pinned to (`workflow`, `workflowVersion`; built in:
    `task-standard`, open, claimed, completed); `status` is its state there. `claimed`: someone of
    the team took it (`claimedBy`); still undecided after `due`, it moved to another team once
    (`escalatedFrom`) or was marked `overdueAt` where it is."""

    task_id: str
    team: str
    kind: Literal["sourcing-hold", "workflow", "refund-failed"]
    status: str = Field(description="its state in its workflow: open, claimed, completed, or a business's own")
    category: str = Field(description="what the state means: open, in_progress; done once decided")
    workflow: str
    workflow_version: int = Field(description="the version of the `workflows` section it was pinned from (0: built-in)")
    entry: int = Field(description="states entered so far")
    allowed_events: list[str] = Field([], description="what POST /tasks/{id}/events takes now")
    order_id: str
    lines: list[TaskLine] = Field(description="the units held, or the fulfilment order's, when it was opened")
    reason: str
    rule: str = Field(description="the sourcing rule that held them, or the workflow that opened it")
    fulfilment_order_id: str | None = Field(None, description="a workflow task's fulfilment order")
    outcomes: dict[str, str] | None = Field(
        None, description="a workflow task's outcomes, each the event it sends the fulfilment order"
    )
    due: str | None = Field(
        None, description="when the team should have decided (a workflow task's sla; a sourcing hold's 24 hours)"
    )
    escalate_to: str | None = Field(None, description="the team it moves to when still undecided at `due`")
    claimed_by: str | None = Field(None, description="who took it: their role and token, as `cs/tok_...`")
    claimed_at: str | None = None
    overdue_at: str | None = Field(None, description="when it was found undecided past `due` (escalated then)")
    escalated_from: str | None = Field(None, description="the team it was escalated from")
    outcome: str | None = None
    note: str | None = None
    completed_by: str | None = None
    completed_at: str | None = None
    version: int
    created_at: str
    updated_at: str


class TaskPage(Model):
    items: list[TaskOut]
    next_cursor: str | None = None


Outcome = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class TaskEventIn(Model):
    """`POST /tasks/{taskId}/events`. `claim`: take the task (status `claimed`, `claimedBy` you); a task
    someone else claimed is a 409 naming them, and of two claims at once one wins. `unclaim`: give it
    back to the team's open queue (the claimer, or an admin for anyone's). `complete`: decide it with
    its outcome: an open task by anyone of the team, a claimed one by its claimer only. For `sourcing-hold`:
    `resource` (source the units still held again under the live rules; what still finds no
    location is backordered, never held again), `backorder`, or `cancel` (a refund when paid). For
    `workflow`: one of the task's `outcomes`, which sends its event to the fulfilment order (if it
    is still where it was when the task was opened). Another outcome is a 422 naming them. Any
    other event is the task workflow's own (e.g. `wait_for_customer`); one it does not take now is a
    409 naming `allowedEvents`."""

    type: EventName = Field(examples=["claim", "unclaim", "complete", "wait_for_customer", "resume"])
    outcome: Outcome | None = Field(None, description="complete's, and only complete's")
    note: Text | None = None


# ---- dead letters ------------------------------------------------------------------------------

MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class DeadLetterOut(Model):
    message_id: str = Field(description="SQS's id; the same on the source queue and in its DLQ")
    receive_count: int | None = Field(
        description="deliveries before it was dead-lettered, as recorded at its last failure "
        "(without a recorded failure: the DLQ's own count)"
    )
    sent_at: str | None = Field(description="when it was first sent to the source queue")
    reason: str | None = Field(
        description="why the handler last failed: exception type and message, at most 1,000 characters, "
        "no customer data (null: no failure recorded, e.g. EventBridge could not deliver it)"
    )
    body: Any = Field(
        description="the body, contact details masked (`*****`): the JSON it holds, else its first 500 characters"
    )


class DeadLetterQueueOut(Model):
    queue: str = Field(description="the source queue's key, e.g. order-intake")
    dead_letter_queue: str = Field(description="the DLQ's name")
    approximate_count: int = Field(description="messages in the DLQ (approximate, as SQS counts)")
    messages: list[DeadLetterOut] = Field(description="up to 10, peeked at without consuming them")


class DeadLettersOut(Model):
    """`GET /ops/dead-letters`: per queue, its DLQ."""

    queues: list[DeadLetterQueueOut]


class RedriveDeadLetters(Model):
    """`POST /ops/dead-letters/{queue}/redrive`: move dead letters back to their source queue.
    `{}` moves up to 100 messages, in the order SQS hands them out."""

    max_messages: Annotated[StrictInt, Field(ge=1, le=1000, alias="max")] = 100
    message_ids: Annotated[list[MessageId], Field(min_length=1, max_length=1000)] | None = Field(
        default=None, description="only these messages (by messageId); the rest stay in the DLQ"
    )


class RedriveOut(Model):
    queue: str
    moved: int = Field(description="messages sent back to the source queue and removed from the DLQ")
    left: int = Field(description="messages still in the DLQ (approximate)")
