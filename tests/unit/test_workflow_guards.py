"""Guards: an allow-listed JSON expression language, checked when saved and never raising when run."""

from __future__ import annotations

import operator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.workflows.guards import compare, holds, problems, resolve

ORDER = {"order": {"total": Decimal("500.00"), "channel": "shop", "lines": 3, "gift": True, "tags": ["vip"]}}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({">=": [{"var": "order.total"}, 500]}, True),
        ({">": [{"var": "order.total"}, 500]}, False),
        ({"<": [{"var": "order.total"}, 500.01]}, True),  # a JSON float is read as the Decimal it says
        ({"==": [{"var": "order.total"}, 500]}, True),
        ({"!=": [{"var": "order.channel"}, "app"]}, True),
        ({"in": [{"var": "order.channel"}, ["shop", "app"]]}, True),
        ({"in": ["vip", {"var": "order.tags"}]}, True),
        ({"in": ["ho", {"var": "order.channel"}]}, True),
        ({"and": [{"var": "order.gift"}, {"<=": [{"var": "order.lines"}, 3]}]}, True),
        ({"or": [{"==": [{"var": "order.lines"}, 9]}, {"not": {"var": "order.gift"}}]}, False),
        ({"not": [{"var": "order.missing"}]}, True),
        ({"==": [{"var": "order.missing"}, None]}, True),
        ({"<": [{"var": "order.missing"}, 5]}, False),  # no order with null
        ({"<": [{"var": "order.channel"}, 5]}, False),  # nor between a string and a number
        ({"==": [{"var": "order.gift"}, 1]}, False),  # a boolean is not a number
        ({"==": ["500", {"var": "order.total"}]}, False),  # nor is a string
    ],
)
def test_guards_read_as_they_say(expr, expected):
    assert problems(expr) == []
    assert holds(expr, ORDER) is expected


def test_money_compares_to_the_cent_never_as_a_float():
    assert holds({">": [{"var": "x"}, 0.3]}, {"x": Decimal("0.30000000000000001")})
    assert holds({"==": [{"var": "x"}, 0.1]}, {"x": Decimal("0.1")})
    assert holds({"==": [{"var": "x"}, Decimal("0.1")]}, {"x": 0.1})  # a float in the context, too


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ({"eval": "__import__('os')"}, "unknown operator 'eval'"),
        ({"==": [1]}, "== takes two operands; got 1"),
        ({"not": [True, False]}, "not takes one operand; got 2"),
        ({"and": []}, "and takes one or more operands; got 0"),
        ({"var": "order..total"}, "var takes a dotted path"),
        ({"var": ["order"]}, "var takes a dotted path"),
        ({"==": [1, 2], "!=": [1, 2]}, "exactly one operator"),
        ({"==": [[1], 1]}, "a list goes only on the right of `in`"),
        ({"==": [{"a": 1}, 1]}, "unknown operator 'a'"),
        ({"in": [1, [1, {"var": "x"}]]}, "dict is not a value a guard can hold"),
        ({"<": [float("nan"), 1]}, "nan is not a number"),
        ({"==": ["x" * 201, 1]}, "at most 200 characters"),
        ({"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": 1}}}}}}}}}}}, "nests"),
        ({"or": [{"==": [1, 1]}] * 60}, "at most 100 parts"),
    ],
)
def test_a_bad_guard_says_why(expr, reason):
    found = problems(expr)
    assert any(reason in p for p in found), found


def test_every_problem_is_listed_at_once():
    assert len(problems({"and": [{"eval": 1}, {"==": [1]}, {"var": 3}]})) == 3


def test_resolve_walks_dotted_paths_and_misses_quietly():
    assert resolve("order.total", ORDER) == Decimal("500.00")
    assert resolve("order.total.cents", ORDER) is None
    assert resolve("nothing", {}) is None


# ---- properties --------------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "order.total", "order.channel", "x.y.z"])
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9)
LITERALS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    DECIMALS,
    st.text(max_size=20),
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUES = st.one_of(LITERALS, NAMES.map(lambda n: {"var": n}))


def _expressions() -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(
                lambda op, a, b: {op: [a, b]}, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), VALUES, VALUES
            ),
            st.builds(lambda op, xs: {op: xs}, st.sampled_from(["and", "or"]), st.lists(inner, min_size=1, max_size=3)),
            inner.map(lambda x: {"not": x}),
            st.builds(lambda a, xs: {"in": [a, xs]}, VALUES, st.lists(LITERALS, max_size=4)),
            st.builds(lambda a, n: {"in": [a, {"var": n}]}, VALUES, NAMES),
        )

    return st.recursive(VALUES, extend, max_leaves=12)


CONTEXT_VALUES = st.recursive(
    st.one_of(LITERALS, st.lists(LITERALS, max_size=3), st.just(object())),
    lambda inner: st.dictionaries(st.sampled_from(["total", "channel", "y", "z"]), inner, max_size=3),
    max_leaves=8,
)
CONTEXTS = st.dictionaries(st.sampled_from(["a", "b", "order", "x"]), CONTEXT_VALUES, max_size=4)


@given(_expressions(), CONTEXTS)
def test_a_checked_guard_never_raises_whatever_the_context(expr, context):
    assert problems(expr) == []
    assert holds(expr, context) in (True, False)


@given(_expressions(), CONTEXTS)
def test_not_inverts(expr, context):
    assert holds({"not": expr}, context) is not holds(expr, context)


@given(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), DECIMALS, DECIMALS)
def test_comparisons_agree_with_python_on_decimals(op, left, right):
    python = {
        "==": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }
    assert compare(op, left, right) is python[op](left, right)
    assert holds({op: [{"var": "l"}, {"var": "r"}]}, {"l": left, "r": right}) is python[op](left, right)


@given(_expressions(), _expressions(), CONTEXTS)
def test_and_or_are_boolean_algebra(a, b, context):
    assert holds({"and": [a, b]}, context) is (holds(a, context) and holds(b, context))
    assert holds({"or": [a, b]}, context) is (holds(a, context) or holds(b, context))
