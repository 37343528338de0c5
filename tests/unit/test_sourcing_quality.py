"""The sourcing engine's quality on fixed seeded samples (counts of shipments, never timings):
as few shipments as the exact optimum where brute force reaches, and well under a naive first fit."""

from __future__ import annotations

from statistics import mean

from tests.sourcing_reference import (
    first_fit_shipments,
    optimum_shipments,
    small_instances,
    split_prone_instances,
)

OPTIMUM_TARGET = 1.01  # mean of engine shipments / optimum shipments
FIRST_FIT_TARGET = 0.8  # mean of engine shipments / first-fit shipments


def test_shipments_match_the_brute_force_optimum_on_small_orders() -> None:
    ratios = []
    for inst in small_instances(200, seed=20261125):
        best = optimum_shipments(inst.order, inst.stock)
        shipped = len(inst.plan().shipments)
        assert shipped >= best  # the optimum is the least any plan can use
        if best:
            ratios.append(shipped / best)
    assert len(ratios) >= 150
    assert mean(ratios) <= OPTIMUM_TARGET


def test_far_fewer_shipments_than_first_fit_on_split_prone_networks() -> None:
    ratios = []
    for inst in split_prone_instances(40, seed=20261126, sizes=(50, 100), lines=(5, 10)):
        plan = inst.plan()
        baseline = first_fit_shipments(inst.order, inst.stock)
        if baseline:
            ratios.append(len(plan.shipments) / baseline)
    assert len(ratios) >= 30
    assert mean(ratios) <= FIRST_FIT_TARGET
