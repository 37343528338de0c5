"""What changed between two bodies of a configuration section, for the audit trail and the event.

A small JSON diff: every path that was added, removed or changed, e.g. `maxStores` or
`rules[1].excludeSizeClasses`. Objects and lists of objects are followed field by field; a list
of plain values (`["S", "M"]`) is one value, which reads better than per-index noise.
"""

from __future__ import annotations

from typing import Any

Change = dict[str, Any]  # {"path", "op": "added" | "removed" | "changed", "before"?, "after"?}


def diff(before: Any, after: Any) -> list[Change]:
    changes: list[Change] = []
    _walk(before, after, "", changes)
    return changes


def paths(changes: list[Change]) -> list[str]:
    return [c["path"] for c in changes]


def _walk(before: Any, after: Any, path: str, out: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append({"path": sub, "op": "removed", "before": before[key]})
            elif key not in before:
                out.append({"path": sub, "op": "added", "after": after[key]})
            else:
                _walk(before[key], after[key], sub, out)
    elif _objects(before) and _objects(after):
        for i in range(max(len(before), len(after))):
            sub = f"{path}[{i}]"
            if i >= len(after):
                out.append({"path": sub, "op": "removed", "before": before[i]})
            elif i >= len(before):
                out.append({"path": sub, "op": "added", "after": after[i]})
            else:
                _walk(before[i], after[i], sub, out)
    elif before != after or type(before) is not type(after):
        out.append({"path": path, "op": "changed", "before": before, "after": after})


def _objects(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)
