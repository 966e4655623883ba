"""What changed between two views, as an RFC 6902 JSON Patch (pure).

A delta frame (protocol.delta_frame) carries the patch that turns the view a client holds
(at version `base`) into the view at `version`. The patch uses three of RFC 6902's
operations only, `add`, `remove` and `replace`, so that any JSON Patch library applies it
(the tests apply it with python-json-patch, the browsers with visitor_common.js's
applyPatch):

- objects are compared key by key (a key gone: `remove`; new: `add`; changed: recurse);
- lists of the same length element by element (the services of a view keep their order,
  so a service whose `waiting` moved is one small `replace`);
- anything else that differs (a list that grew or shrank, a type that changed) is replaced
  whole.

A patch is computed once per channel and version and shared by every subscriber that
holds the same view, like the view frames. Why not RFC 7386 (JSON merge patch): it sends
lists whole (a view's `services` is one list) and cannot set a value to `null`, which views
use (`closed_reason`, `called_at`).
"""

from __future__ import annotations

from typing import Any

Op = dict[str, Any]


def _escape(key: str) -> str:
    """A key as a JSON Pointer reference token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def diff(old: Any, new: Any) -> list[Op]:
    """The operations that turn `old` into `new` (both plain JSON values)."""
    ops: list[Op] = []
    _diff(old, new, "", ops)
    return ops


def _diff(old: Any, new: Any, path: str, ops: list[Op]) -> None:
    if old is new:
        return
    if type(old) is dict and type(new) is dict:
        for key, value in old.items():
            if key not in new:
                ops.append({"op": "remove", "path": f"{path}/{_escape(str(key))}"})
            else:
                _diff(value, new[key], f"{path}/{_escape(str(key))}", ops)
        for key, value in new.items():
            if key not in old:
                ops.append({"op": "add", "path": f"{path}/{_escape(str(key))}", "value": value})
        return
    if type(old) is list and type(new) is list and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, f"{path}/{i}", ops)
        return
    # 1 == 1.0 == True in Python, not in JSON: equal only when the types are too.
    if type(old) is not type(new) or old != new:
        ops.append({"op": "replace", "path": path, "value": new})
