"""Guards: small JSON expressions over the entity, read by this evaluator and nothing else (no eval).

    {"and": [{">=": [{"var": "order.total"}, 500]}, {"in": [{"var": "order.channel"}, ["shop", "app"]]}]}

An expression is a literal (a string, a number, true, false, null) or an object with exactly one
key, the operator: `var` (a dotted path into the context the caller passes), `==`, `!=`, `<`, `<=`,
`>`, `>=` (two operands), `and`, `or` (one or more), `not` (one), `in` (a value and a list literal,
or a value and a path to a list or a string). Numbers are compared as Decimal: a JSON float is read
by its shortest repr, never compared as a float, so money compares to the cent.

`problems(expr)` lists what is wrong with an expression, so a definition with a bad guard is refused
when saved; `holds(expr, context)` never raises on an expression without problems, whatever the
context: a path that is missing is null, and an order between values that have none (a number and a
string, null and anything) does not hold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
OPERATORS = COMPARISONS | {"and", "or", "not", "in", "var"}
PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$")
MAX_NODES = 100
MAX_DEPTH = 10
MAX_STRING = 200
MAX_LIST = 100


# ---- checking, when a definition is saved --------------------------------------------------------


def problems(expr: Any) -> list[str]:
    """Everything wrong with `expr` as a guard, in the order found; empty when it is fine."""
    found: list[str] = []
    count = _check(expr, found, depth=0)
    if count > MAX_NODES:
        found.append(f"a guard has at most {MAX_NODES} parts; this one has {count}")
    return found


def _check(expr: Any, found: list[str], *, depth: int) -> int:
    """Adds to `found` what is wrong with `expr`; returns how many parts it has."""
    if depth > MAX_DEPTH:
        found.append(f"a guard nests at most {MAX_DEPTH} deep")
        return 1
    if isinstance(expr, list):
        found.append("a list goes only on the right of `in`")
        return 1
    if not isinstance(expr, Mapping):
        _check_literal(expr, found)
        return 1
    if len(expr) != 1:
        found.append(f"an operation has exactly one operator; got {sorted(map(str, expr)) or 'none'}")
        return 1
    ((op, args),) = expr.items()
    if op not in OPERATORS:
        found.append(f"unknown operator {op!r}; known: {', '.join(sorted(OPERATORS))}")
        return 1
    if op == "var":
        if not isinstance(args, str) or not PATH.match(args):
            found.append(f"var takes a dotted path such as order.total; got {args!r}")
        return 1
    operands = args if isinstance(args, list) else [args]
    arity = {"not": (1, 1), "in": (2, 2), "and": (1, MAX_NODES), "or": (1, MAX_NODES)}.get(op, (2, 2))
    if not arity[0] <= len(operands) <= arity[1]:
        wanted = "one" if arity == (1, 1) else "two" if arity == (2, 2) else "one or more"
        found.append(f"{op} takes {wanted} operand{'s' if arity != (1, 1) else ''}; got {len(operands)}")
        return 1
    if op == "in" and isinstance(operands[1], list):
        if len(operands[1]) > MAX_LIST:
            found.append(f"a list in a guard has at most {MAX_LIST} values")
        for item in operands[1]:
            _check_literal(item, found)
        return 1 + _check(operands[0], found, depth=depth + 1) + len(operands[1])
    return 1 + sum(_check(operand, found, depth=depth + 1) for operand in operands)


def _check_literal(value: Any, found: list[str]) -> None:
    if value is None or isinstance(value, (bool, int, Decimal)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            found.append(f"{value} is not a number a guard can compare")
    elif isinstance(value, str):
        if len(value) > MAX_STRING:
            found.append(f"a string in a guard has at most {MAX_STRING} characters")
    else:
        found.append(f"{type(value).__name__} is not a value a guard can hold")


# ---- evaluating, when an event arrives -------------------------------------------------------------


def holds(expr: Any, context: Mapping[str, Any]) -> bool:
    """Whether `expr` holds over `context` (nested dicts, e.g. {"order": {"total": Decimal("12.50")}})."""
    return _truthy(_value(expr, context))


def resolve(path: str, context: Mapping[str, Any]) -> Any:
    """The value at a dotted path in `context`; None when any step is missing."""
    value: Any = context
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return _plain(value)


def _value(expr: Any, context: Mapping[str, Any]) -> Any:
    if not isinstance(expr, Mapping):
        return _plain(expr)
    ((op, args),) = expr.items()
    if op == "var":
        return resolve(args, context)
    operands = args if isinstance(args, list) else [args]
    if op == "and":
        return all(_truthy(_value(o, context)) for o in operands)
    if op == "or":
        return any(_truthy(_value(o, context)) for o in operands)
    if op == "not":
        return not _truthy(_value(operands[0], context))
    if op == "in":
        needle = _value(operands[0], context)
        hay = [_plain(v) for v in operands[1]] if isinstance(operands[1], list) else _value(operands[1], context)
        return _contains(hay, needle)
    return compare(op, _value(operands[0], context), _value(operands[1], context))


def compare(op: str, left: Any, right: Any) -> bool:
    """`left op right`; an order between values of different kinds (or with null) does not hold."""
    if op == "==":
        return _same_kind(left, right) and left == right
    if op == "!=":
        return not (_same_kind(left, right) and left == right)
    if left is None or right is None or not _same_kind(left, right) or isinstance(left, bool):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _contains(hay: Any, needle: Any) -> bool:
    if isinstance(hay, str):
        return isinstance(needle, str) and needle in hay
    if isinstance(hay, (list, tuple, set, frozenset)):
        return any(_same_kind(needle, _plain(item)) and needle == _plain(item) for item in hay)
    return False


def _same_kind(left: Any, right: Any) -> bool:
    """Numbers with numbers (not booleans), strings with strings, booleans with booleans, null with null."""
    kinds = (_kind(left), _kind(right))
    return kinds[0] == kinds[1] and kinds[0] != "other"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Decimal):
        return "number" if value.is_finite() else "other"
    if isinstance(value, int):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def _plain(value: Any) -> Any:
    """A float as the Decimal it reads as (never compared as a float); anything else as it is."""
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite() and value != 0
    try:
        return bool(value)
    except Exception:  # an object of the caller's that will not say; it does not hold
        return False
