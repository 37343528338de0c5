"""Plain attributes between domain objects and items: an attribute's item name is its Python name in
camelCase (`order_id` <-> `orderId`). Each repository still spells out its item, and converts the
attributes that are not plain (enums, money, nested records) itself; names are given as one string,
space-separated, in the order the item holds them."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.adapters.dynamo import Item


@cache
def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def attributes(obj: object, names: str) -> Item:
    """`obj`'s attributes `names`, as they are, under their item names."""
    return {camel(name): getattr(obj, name) for name in names.split()}


def required(item: Item, names: str) -> dict[str, Any]:
    """Keyword arguments `names` from the item, every one stored."""
    return {name: item[camel(name)] for name in names.split()}


def optional(item: Item, names: str) -> dict[str, Any]:
    """Keyword arguments `names` from the item, None where one is not stored."""
    return {name: item.get(camel(name)) for name in names.split()}
