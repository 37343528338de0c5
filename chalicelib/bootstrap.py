"""Wiring: what the use cases depend on, built once per Lambda container on first use (nothing
connects at import: cold start, and moto patches only clients made after it starts)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalicelib import clock

if TYPE_CHECKING:
    from chalicelib.adapters.dynamo import Table
    from chalicelib.domain.network import Network
    from chalicelib.domain.sourcing.policy import SourcingPolicy
    from chalicelib.domain.workflows import Definition, Workflows
    from chalicelib.service.unit_of_work import UnitOfWork


class Bootstrap:
    """The DynamoDB table behind a unit of work per change, the system clock, and the network and
    rules from the short-lived cache."""

    def __init__(self) -> None:
        from chalicelib.adapters.dynamo import Table

        self.table: Table = Table()

    def uow(self) -> UnitOfWork:
        from chalicelib.adapters.dynamo_uow import DynamoUnitOfWork
        from chalicelib.service import workflows

        uow = DynamoUnitOfWork(self.table)
        uow.task_pin = functools.partial(workflows.task_pin, self)
        return uow

    def now(self) -> str:
        return clock.now()

    def network(self) -> Network:
        from chalicelib.service.network import network

        return network(self.table)

    def sourcing_rules(self) -> SourcingPolicy:
        from chalicelib.service import config

        return config.sourcing_policy(config.active(self.table, "sourcing"))

    def workflows(self) -> tuple[int, Workflows]:
        from chalicelib.service import workflows

        return workflows.active(self.table)

    def workflow(self, workflow_id: str, version: int) -> Definition:
        from chalicelib.service import workflows

        return workflows.definition(self.table, workflow_id, version)


@functools.cache
def bootstrap() -> Bootstrap:
    return Bootstrap()
