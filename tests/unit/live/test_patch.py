"""Delta frames' patches (RFC 6902 JSON Patch, add/remove/replace), applied by a library we
did not write (python-json-patch): a patch turns the old view into the new one exactly, and
is small when little changed."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.live import patch

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "c/d", "e~f", "", "0"]), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
def test_a_patch_turns_the_old_value_into_the_new_one(old: Any, new: Any) -> None:
    ops = patch.diff(old, new)
    # What travels is JSON: apply what a client decodes.
    ops = json.loads(json.dumps(ops))
    assert jsonpatch.apply_patch(old, ops) == new
    assert json.dumps(jsonpatch.apply_patch(old, ops), sort_keys=True) == json.dumps(
        new, sort_keys=True
    )


def test_only_what_changed_travels() -> None:
    old = {
        "version": 7,
        "services": [{"id": "moving", "waiting": 3, "closed_reason": None}, {"id": "tax"}],
        "notice": {"ja": "本日は"},
    }
    new = json.loads(json.dumps(old))
    new["version"] = 8
    new["services"][0]["waiting"] = 4
    new["services"][0]["closed_reason"] = "昼休み"
    del new["notice"]["ja"]
    assert patch.diff(old, new) == [
        {"op": "replace", "path": "/version", "value": 8},
        {"op": "replace", "path": "/services/0/waiting", "value": 4},
        {"op": "replace", "path": "/services/0/closed_reason", "value": "昼休み"},
        {"op": "remove", "path": "/notice/ja"},
    ]
    assert patch.diff(old, old) == []


def test_null_is_a_value_not_a_removal() -> None:
    """What RFC 7386 (merge patch) cannot say: a key that becomes null stays, as null."""
    old = {"closed_reason": "昼休み", "calling": [1, 2]}
    new = {"closed_reason": None, "calling": [1, 2, 3]}
    ops = patch.diff(old, new)
    assert ops == [
        {"op": "replace", "path": "/closed_reason", "value": None},
        {"op": "replace", "path": "/calling", "value": [1, 2, 3]},  # a list that grew: whole
    ]
    assert jsonpatch.apply_patch(old, ops) == new


def test_types_count_where_python_would_not() -> None:
    assert patch.diff({"a": 1}, {"a": True}) == [{"op": "replace", "path": "/a", "value": True}]
    assert patch.diff({"a": 1}, {"a": 1.0}) == [{"op": "replace", "path": "/a", "value": 1.0}]


def test_keys_are_escaped_as_json_pointers() -> None:
    ops = patch.diff({}, {"a/b": 1, "c~d": 2})
    assert [op["path"] for op in ops] == ["/a~1b", "/c~0d"]
    assert jsonpatch.apply_patch({}, ops) == {"a/b": 1, "c~d": 2}


def test_a_library_refuses_a_patch_that_does_not_fit_the_view_it_holds() -> None:
    """A client holding another view than the patch's base cannot apply it silently: why a
    delta names its `base` (the browsers ask for the full view, visitor_common.js)."""
    old, new = {"s": [{"w": 1}]}, {"s": [{"w": 2}]}
    with pytest.raises((jsonpatch.JsonPatchException, jsonpatch.JsonPointerException)):
        jsonpatch.apply_patch({"other": True}, patch.diff(old, new))
