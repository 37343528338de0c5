"""Sourcing: where each order line comes from. Pure and deterministic: demands + network snapshot
+ rules -> a plan of shipments (one per source location and destination), backorders and holds.

The parts: what sourcing takes and gives (`plan`), the rules it follows (`policy`), the engine
(`engine`) and its search for the fewest locations (`cover`).

Each line's quantity ends up allocated, backordered or held (for a team to decide: a rule with
`onNoMatch: hold`), exactly once. Within a rule, the plan
serves as many units as the allowed locations can, from as few locations as possible (exactly,
by branch and bound, for orders of ordinary size; greedily past a search budget), then by the
rule's other criteria (distance to the destination, location priority, stock balance).
"""
