"""Finding one of an aggregate's parts by its id."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def one_of(items: Iterable[T], wanted: Callable[[T], bool], missing: Callable[[], Exception]) -> T:
    """The first of `items` that is `wanted` (the one with the id sought); else raises what `missing`
    makes (each lookup its own error, made only when nothing is found)."""
    for item in items:
        if wanted(item):
            return item
    raise missing()
