"""The routes of orders and of the work they make, each resource a blueprint under its own OpenAPI tag:
orders, reservations, fulfilment orders and tasks. Each route only calls its use case, so each is declared as data
(`Routes.serves`), its use case named and imported on the first call."""

from __future__ import annotations

from chalicelib.http.queries import Query, location_queue, page
from chalicelib.http.routing import Routes

orders = Routes(__name__, tag="orders")
reservations = Routes(__name__, tag="reservations")
fulfilment = Routes(__name__, tag="fulfilment")
tasks = Routes(__name__, tag="tasks")

# Orders: intake, the whole order, lists, a customer's history, cancellations, edits, refunds' answers.
ORDER_WRITERS = ("admin", "cs", "channel", "store")
ORDER_READERS = ("admin", "ops", "cs", "channel", "store", "dc")

orders.serves(
    "POST /orders",
    "orders.create_order",
    operation="create_order",
    summary="Take in an order from a channel or store.",
    location="/orders/{orderId}",
    roles=ORDER_WRITERS,
    request="CreateOrder",
    response="OrderOut",
    status=201,
)
orders.serves(
    "GET /orders",
    "orders.list_orders",
    operation="list_orders",
    summary="List orders by channel, status or external id, newest first.",
    roles=ORDER_READERS,
    response="OrderPage",
    query=(
        Query("channel", description="channel id; a channel token lists its own channel only"),
        Query("status", description="order status, e.g. open or cancelled"),
        Query("externalId", description="the channel's own order id (needs channel)"),
        Query("since", description="placed at or after this ISO-8601 time"),
        Query("until", description="placed at or before this ISO-8601 time"),
        *page(),
    ),
    errors=(422,),
)
orders.serves(
    "GET /orders/{order_id}",
    "orders.get_order",
    operation="get_order",
    summary="The whole order: lines, fulfilment orders, returns, refunds, history.",
    roles=ORDER_READERS,
    response="OrderOut",
    errors=(404,),
)
orders.serves(
    "POST /orders/{order_id}/cancellations",
    "orders.cancel_lines",
    operation="cancel_lines",
    summary="Cancel quantities of lines; releases stock and requests a refund when paid.",
    roles=ORDER_WRITERS,
    request="CancelLines",
    response="OrderOut",
    errors=(404, 409),
)
orders.serves(
    "POST /orders/{order_id}/edits",
    "edits.edit_order",
    operation="edit_order",
    summary="Edit an order before it ships: its delivery, lines added, removed or changed; sources again only what "
    "changed. `?preview=true` answers the order as it would become and writes nothing.",
    roles=ORDER_WRITERS,
    request="EditOrder",
    response="EditedOrderOut",
    query=(
        Query("preview", type="boolean", default=False, description="true: answer the edited order, write nothing"),
    ),
    errors=(404, 409),
)
orders.serves(
    "POST /orders/{order_id}/events",
    "orders.handle_event",
    operation="order_event",
    summary="An event for the order's own workflow (a payment authorised, a review's decision); releasing a held "
    "order sources it and hands it to its locations, ending it cancels what it held; a 409 names the events "
    "allowed now.",
    roles=("admin", "ops", "cs", "channel"),
    request="OrderEventIn",
    response="OrderOut",
    errors=(404, 409),
)
orders.serves(
    "POST /refunds/{refund_id}/events",
    "refunds.handle_event",
    operation="refund_event",
    summary="The payment side's answer on a refund: succeeded (paid, once) or failed (asked again up to three "
    "attempts, then a task for customer service); answers the refund's order.",
    roles=("admin", "ops", "cs"),
    request="RefundEventIn",
    response="OrderOut",
    errors=(404, 409),
)
orders.serves(
    "GET /customers/{customer_id}/orders",
    "orders.customer_orders",
    operation="customer_orders",
    summary="A customer's orders from every channel and store, newest first.",
    roles=("admin", "ops", "cs", "store", "channel"),
    response="OrderPage",
    query=page(),
    errors=(422,),
)

# Reservations: reserve online, buy (or not) in the store of choice.
RESERVERS = ("admin", "cs", "channel", "store")
RESERVATION_READERS = ("admin", "ops", "cs", "channel", "store")

reservations.serves(
    "POST /reservations",
    "reservations.create_reservation",
    operation="create_reservation",
    summary="Reserve a store's stock for a customer who buys it there (stores: their own only).",
    location="/reservations/{reservationId}",
    roles=RESERVERS,
    request="CreateReservation",
    response="ReservationOut",
    status=201,
    errors=(409,),
)
reservations.serves(
    "GET /reservations",
    "reservations.list_reservations",
    operation="list_reservations",
    summary="A store's reservations in one status, oldest first.",
    roles=("admin", "ops", "cs", "store"),
    response="ReservationPage",
    query=location_queue("the store; a store token lists its own", "active (default), completed, cancelled or expired"),
    errors=(422,),
)
reservations.serves(
    "GET /reservations/{reservation_id}",
    "reservations.get_reservation",
    operation="get_reservation",
    summary="One reservation.",
    roles=RESERVATION_READERS,
    response="ReservationOut",
    errors=(404,),
)
reservations.serves(
    "POST /reservations/{reservation_id}/events",
    "reservations.handle_event",
    operation="reservation_event",
    summary="Complete a reservation at the till (it becomes a carry-out order) or cancel it; both end the hold.",
    roles=RESERVERS,
    request="ReservationEventIn",
    response="ReservationOut",
    errors=(404, 409),
)

# Fulfilment orders: the work queue of a store or DC, one fulfilment order, and its events.
fulfilment.serves(
    "GET /fulfilment-orders",
    "fulfilment.work_queue",
    operation="work_queue",
    summary="A location's work queue: its fulfilment orders in one status, oldest first (store and DC tokens: their "
    "own location).",
    roles=("admin", "ops", "cs", "store", "dc"),
    response="FulfilmentOrderPage",
    query=location_queue(
        "the store or DC; a store or DC token may leave it out",
        "released (the default), accepted, picked, packed, shipped, ...",
        "how many per page (default 25)",
    ),
    errors=(422,),
)
fulfilment.serves(
    "GET /fulfilment-orders/{fulfilment_order_id}",
    "fulfilment.get_fulfilment_order",
    operation="get_fulfilment_order",
    summary="One fulfilment order.",
    roles=("admin", "ops", "cs", "channel", "store", "dc"),
    response="FulfilmentOrderDetail",
    errors=(404,),
)
fulfilment.serves(
    "POST /fulfilment-orders/{fulfilment_order_id}/events",
    "fulfilment.handle_event",
    operation="fulfilment_event",
    summary="Report progress on a fulfilment order (accept, reject, pick, pack, ship, ready_for_pickup, collect, "
    "deliver) under the default workflow; the order, its lines and stock follow in one transaction. reject sources "
    "the lines again elsewhere (or backorders them); a transition the workflow does not allow is a 409 naming the "
    "allowed events. Store and DC tokens: their own location's work (the destination store's too for "
    "ready_for_pickup and collect of a transfer).",
    roles=("admin", "ops", "cs", "store", "dc"),
    request="FulfilmentEventIn",
    response="FulfilmentOrderDetail",
    errors=(404, 409),
)

# Tasks: a team's work list, one task, and claiming, releasing or completing a task.
TEAM_WORKERS = ("admin", "ops", "cs")

tasks.serves(
    "GET /tasks",
    "tasks.list_tasks",
    operation="list_tasks",
    summary="A team's tasks in one status, oldest first (e.g. lines a sourcing rule held for it).",
    roles=TEAM_WORKERS,
    response="TaskPage",
    query=(
        Query("team", description="the team, as a sourcing rule's holdTeam names it", required=True),
        Query("status", description="open (default), claimed or completed"),
        *page(),
    ),
    errors=(422,),
)
tasks.serves(
    "GET /tasks/{task_id}",
    "tasks.get_task",
    operation="get_task",
    summary="One task.",
    roles=TEAM_WORKERS,
    response="TaskOut",
    errors=(404,),
)
tasks.serves(
    "POST /tasks/{task_id}/events",
    "tasks.handle_event",
    operation="task_event",
    summary="Claim a task, release it (unclaim), or complete it with its outcome, carried out on its order at once "
    "(sourcing-hold: resource, backorder or cancel the held units); someone else's claim or completing twice is a "
    "409.",
    roles=TEAM_WORKERS,
    request="TaskEventIn",
    response="TaskOut",
    errors=(404, 409),
)
