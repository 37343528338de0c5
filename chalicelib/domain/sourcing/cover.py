"""The fewest locations that can serve a destination's lines: exact for orders of ordinary size,
greedy past a search budget."""

from __future__ import annotations

import heapq
import itertools
import math
import operator
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chalicelib.domain.network import Location
from chalicelib.domain.sourcing.plan import Demand
from chalicelib.domain.sourcing.policy import Rule

# Nodes the exact search may visit per destination before it settles for the greedy answer.
SEARCH_BUDGET = 20_000
# Per SKU, how many of the best-stocked candidates the multi-location search considers.
CANDIDATES_PER_SKU = 8

# What a rule may take: SKU -> location -> units (positive), shaped like `Snapshot.available`.
Usable = dict[str, dict[str, int]]


@dataclass
class Need:
    """What is left of a demand as the rules serve it."""

    demand: Demand
    left: int


def fewest_locations(rule: Rule, needs: list[Need], ranked: list[Location], usable: Usable) -> list[str]:
    """The fewest locations that serve all that can be served (ties: the best ranks), best first.

    `ranked` are the locations `usable` names, best first; `usable` has an entry for each SKU of `needs`."""
    need_by_sku: dict[str, int] = {}
    for n in needs:
        need_by_sku[n.demand.sku] = need_by_sku.get(n.demand.sku, 0) + n.left
    rank = {loc.location_id: i for i, loc in enumerate(ranked)}
    ids = [loc.location_id for loc in ranked]
    if not rule.allow_split:
        return _whole_lines_cover(needs, ids, rank, usable)
    # What all candidates together can give is the target; the rest waits for the next rule.
    target = {sku: min(q, sum(usable[sku].values())) for sku, q in need_by_sku.items()}
    target = {sku: q for sku, q in target.items() if q > 0}
    if not target:
        return []
    # One location serving everything: it holds the SKU with the fewest holders, so look among those.
    rarest = min(target, key=lambda sku: len(usable[sku]))
    whole = [loc for loc in usable[rarest] if all(usable[sku].get(loc, 0) >= q for sku, q in target.items())]
    if whole:
        return [min(whole, key=rank.__getitem__)]
    # Several: greedy over every holder, then an exact search among a shortlist (the best-stocked
    # few per SKU, and the locations that hold the most of the cart's SKUs) when it can finish.
    best = _greedy_cover(target, usable, rank)
    breadth = Counter(itertools.chain.from_iterable(usable[sku] for sku in target))
    # nsmallest(n, ...) is sorted(...)[:n] without sorting the whole network.
    pool = set(heapq.nsmallest(2 * CANDIDATES_PER_SKU, ids, key=lambda loc: (-breadth[loc], rank[loc])))
    for sku in target:
        stocked = ((-units, rank[loc], loc) for loc, units in usable[sku].items())
        pool.update(loc for _, _, loc in heapq.nsmallest(CANDIDATES_PER_SKU, stocked))
    shortlist = sorted(pool, key=rank.__getitem__)
    combinations = sum(math.comb(len(shortlist), k) for k in range(1, len(best)))
    exact = _exact_cover(target, shortlist, rank, usable, len(best)) if combinations <= SEARCH_BUDGET else None
    return sorted(exact if exact is not None else best, key=rank.__getitem__)


def _covers(chosen: tuple[str, ...], need: Sequence[int], units_at: Mapping[str, Sequence[int]]) -> bool:
    """Whether the chosen locations (one or more) together hold `need`, SKU by SKU: per SKU the sum of
    their units, and map/zip keep that loop out of Python's (the exact search calls this thousands of times)."""
    return all(map(operator.ge, map(sum, zip(*map(units_at.__getitem__, chosen), strict=True)), need))


def _greedy_cover(target: Mapping[str, int], usable: Usable, rank: Mapping[str, int]) -> list[str]:
    """Again and again the location that gives the most of what is still open (ties: the best rank)."""
    left = dict(target)  # the SKUs still open, and how many units each
    chosen: list[str] = []
    while left:
        # Summed SKU by SKU over the holders of what is open: each round costs less than the last.
        gains: dict[str, int] = {}
        for sku, q in left.items():
            for loc, units in usable[sku].items():
                # min(q, units), spelled out: this is the engine's hottest line, and a call costs here.
                gains[loc] = gains.get(loc, 0) + (units if units < q else q)
        for loc in chosen:
            gains.pop(loc, None)  # it already gave all it has of what is still open
        if not gains:
            break
        loc = min(gains, key=lambda loc: (-gains[loc], rank[loc]))
        chosen.append(loc)
        for sku in list(left):
            left[sku] -= usable[sku].get(loc, 0)
            if left[sku] <= 0:
                del left[sku]
    return chosen


def _exact_cover(
    target: Mapping[str, int],
    pool: list[str],
    rank: Mapping[str, int],
    usable: Usable,
    upper: int,
) -> list[str] | None:
    """The smallest set that covers the target, with the best ranks among equals (smallest rank sum:
    for a distance-first rule, the nearest); None when the budget runs out first."""
    budget = SEARCH_BUDGET
    # The SKUs the pool has least to spare of first: most combinations fall short, and on those.
    spare = {sku: sum(usable[sku].get(loc, 0) for loc in pool) - q for sku, q in target.items()}
    skus = sorted(target, key=spare.__getitem__)
    need = [target[sku] for sku in skus]
    units_at = {loc: [usable[sku].get(loc, 0) for sku in skus] for loc in pool}
    for size in range(1, upper):
        found: tuple[int, list[str]] | None = None
        for combo in itertools.combinations(pool, size):
            budget -= 1
            if budget < 0:
                return found[1] if found else None
            if _covers(combo, need, units_at):
                cost = sum(rank[loc] for loc in combo)
                if found is None or cost < found[0]:
                    found = (cost, list(combo))
        if found is not None:
            return found[1]
    return None


def _whole_lines_cover(needs: list[Need], ids: list[str], rank: Mapping[str, int], usable: Usable) -> list[str]:
    """No splitting: each line from one location. Greedy: the location serving most lines first."""
    left = list(needs)
    chosen: list[str] = []
    stock = {sku: dict(at) for sku, at in usable.items()}
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
            at = stock[n.demand.sku]
            if at.get(loc, 0) >= n.left:
                at[loc] -= n.left
            else:
                remaining.append(n)
        left = remaining
    return chosen


def _whole_lines_served(needs: list[Need], loc: str, stock: Usable) -> int:
    left: dict[str, int] = {}  # what `loc` has left of each SKU as its lines are counted
    served = 0
    for n in needs:
        sku = n.demand.sku
        have = left.get(sku, stock[sku].get(loc, 0))
        if have >= n.left:
            left[sku] = have - n.left
            served += 1
    return served
