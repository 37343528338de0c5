"""The fewest locations that can serve a destination's lines: exact for orders of ordinary size,
greedy past a search budget."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.domain.network import Location
from chalicelib.domain.sourcing.plan import Demand
from chalicelib.domain.sourcing.policy import Rule

# Nodes the exact search may visit per destination before it settles for the greedy answer.
SEARCH_BUDGET = 20_000
# Per SKU, how many of the best-stocked candidates the multi-location search considers.
CANDIDATES_PER_SKU = 8


@dataclass
class Need:
    """What is left of a demand as the rules serve it."""

    demand: Demand
    left: int


def fewest_locations(
    rule: Rule, needs: list[Need], ranked: list[Location], usable: Mapping[tuple[str, str], int]
) -> list[str]:
    """The fewest locations that serve all that can be served (ties: the best ranks), best first."""
    need_by_sku: dict[str, int] = {}
    for n in needs:
        need_by_sku[n.demand.sku] = need_by_sku.get(n.demand.sku, 0) + n.left
    rank = {loc.location_id: i for i, loc in enumerate(ranked)}
    ids = [loc.location_id for loc in ranked]
    if not rule.allow_split:
        return _whole_lines_cover(needs, ids, rank, usable)
    # What all candidates together can give is the target; the rest waits for the next rule.
    target = {sku: min(q, sum(usable.get((sku, loc), 0) for loc in ids)) for sku, q in need_by_sku.items()}
    target = {sku: q for sku, q in target.items() if q > 0}
    if not target:
        return []
    # One location serving everything: a scan, whatever the network's size.
    for loc in ids:
        if all(usable.get((sku, loc), 0) >= q for sku, q in target.items()):
            return [loc]
    # Several: greedy over every holder, then an exact search among a shortlist (the best-stocked
    # few per SKU, and the locations that hold the most of the cart's SKUs) when it can finish.
    best = _greedy_cover(target, ids, rank, usable)
    breadth = {loc: sum(1 for sku in target if usable.get((sku, loc), 0) > 0) for loc in ids}
    pool = set(sorted(ids, key=lambda loc: (-breadth[loc], rank[loc]))[: 2 * CANDIDATES_PER_SKU])
    for sku in target:
        stocked = sorted((-usable[(sku, loc)], rank[loc], loc) for loc in ids if usable.get((sku, loc), 0) > 0)
        pool.update(loc for _, _, loc in stocked[:CANDIDATES_PER_SKU])
    shortlist = sorted(pool, key=rank.__getitem__)
    combinations = sum(math.comb(len(shortlist), k) for k in range(1, len(best)))
    exact = _exact_cover(target, shortlist, rank, usable, len(best)) if combinations <= SEARCH_BUDGET else None
    return sorted(exact if exact is not None else best, key=rank.__getitem__)


def _covers(chosen: Iterable[str], target: Mapping[str, int], usable: Mapping[tuple[str, str], int]) -> bool:
    chosen = list(chosen)
    return all(sum(usable.get((sku, loc), 0) for loc in chosen) >= q for sku, q in target.items())


def _greedy_cover(
    target: Mapping[str, int], pool: list[str], rank: Mapping[str, int], usable: Mapping[tuple[str, str], int]
) -> list[str]:
    held: dict[str, list[tuple[str, int]]] = {}
    for (sku, loc), units in usable.items():
        if sku in target:
            held.setdefault(loc, []).append((sku, units))
    left = dict(target)
    chosen: list[str] = []
    while any(v > 0 for v in left.values()):
        gains = (
            (sum(min(left[sku], units) for sku, units in held.get(loc, ())), -rank[loc], loc)
            for loc in pool
            if loc not in chosen
        )
        gain, _, loc = max(gains, default=(0, 0, ""))
        if gain <= 0:
            break
        chosen.append(loc)
        left = {sku: max(0, q - usable.get((sku, loc), 0)) for sku, q in left.items()}
    return chosen


def _exact_cover(
    target: Mapping[str, int],
    pool: list[str],
    rank: Mapping[str, int],
    usable: Mapping[tuple[str, str], int],
    upper: int,
) -> list[str] | None:
    """The smallest set that covers the target, with the best ranks among equals (smallest rank sum:
    for a distance-first rule, the nearest); None when the budget runs out first."""
    budget = SEARCH_BUDGET
    for size in range(1, upper):
        found: tuple[int, list[str]] | None = None
        for combo in itertools.combinations(pool, size):
            budget -= 1
            if budget < 0:
                return found[1] if found else None
            if _covers(combo, target, usable):
                cost = sum(rank[loc] for loc in combo)
                if found is None or cost < found[0]:
                    found = (cost, list(combo))
        if found is not None:
            return found[1]
    return None


def _whole_lines_cover(
    needs: list[Need], ids: list[str], rank: Mapping[str, int], usable: Mapping[tuple[str, str], int]
) -> list[str]:
    """No splitting: each line from one location. Greedy: the location serving most lines first."""
    left = list(needs)
    chosen: list[str] = []
    stock = dict(usable)
    while left:
        best: tuple[int, int, str] | None = None
        for loc in ids:
            if loc in chosen:
                continue
            served = _whole_lines_served(left, loc, stock)
            if served and (best is None or (served, -rank[loc]) > best[:2]):
                best = (served, -rank[loc], loc)
        if best is None:
            break
        loc = best[2]
        chosen.append(loc)
        remaining = []
        for n in left:
            key = (n.demand.sku, loc)
            if stock.get(key, 0) >= n.left:
                stock[key] -= n.left
            else:
                remaining.append(n)
        left = remaining
    return chosen


def _whole_lines_served(needs: list[Need], loc: str, stock: Mapping[tuple[str, str], int]) -> int:
    left = dict(stock)
    served = 0
    for n in needs:
        key = (n.demand.sku, loc)
        if left.get(key, 0) >= n.left:
            left[key] -= n.left
            served += 1
    return served
