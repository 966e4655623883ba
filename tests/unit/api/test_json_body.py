"""The form's JSON body (server/api/json_body.py): lone surrogates and deep nesting are
422s that say where they are."""

from __future__ import annotations

import pytest

from server.api.errors import ApiError
from server.api.json_body import MAX_DEPTH, loads


def refused(raw: str) -> tuple[str, str]:
    with pytest.raises(ApiError) as found:
        loads(raw.encode())
    assert found.value.status == 422
    return found.value.code, found.value.details["field"]


def test_a_body_within_bounds_is_read_as_it_is() -> None:
    body = '{"values": {"members": [{"name": "中野 花子"}]}, "complete": true}'
    assert loads(body.encode())["values"]["members"][0]["name"] == "中野 花子"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"values": {"name": "\\ud800"}}', "values.name"),
        ('{"values": {"name": "ok", "kana": "x\\udc00"}}', "values.kana"),
        ('{"values": {"members": [{}, {"name": "\\udfff"}]}}', "values.members[1].name"),
        ('{"\\ud800": 1}', "body"),
        ('{"values": {"a\\ud800b": 1}}', "values"),
        ('["\\ud800"]', "[0]"),
    ],
)
def test_a_lone_surrogate_is_invalid_text_at_its_place(raw: str, field: str) -> None:
    assert refused(raw) == ("invalid_text", field)


def test_nesting_past_the_limit_is_too_deep_where_it_begins() -> None:
    code, field = refused(
        '{"values": {"name": ' + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "}}"
    )
    assert code == "too_deep" and field.startswith("values.name[0]")


@pytest.mark.parametrize("depth", [2_000, 20_000, 100_000])
def test_nesting_too_deep_for_the_json_reader_is_too_deep_too(depth: int) -> None:
    raw = '{"values": {"members": [{}, ' + "[" * depth + "]" * depth + "]}}"
    code, field = refused(raw)
    assert code == "too_deep" and field.startswith("values.members[1]")
