"""A JSON body read with care for what ``json.loads`` lets through (issue 14, item 6): text
that is no text (a lone surrogate, ``"\\ud800"``, which no database or encoder takes) and
nesting deeper than any form has. Each is an ``ApiError`` (422) that names where it is, as
``values.members[0].name``."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError

MAX_DEPTH = 8  # a form body is at most 4 deep: body → values → a list → its items


def _path(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "body"


def _surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _bad_text(parts: list[str | int]) -> ApiError:
    field = _path(parts)
    return ApiError(
        422, "invalid_text", f"{field}：文字として読めない値（不正な文字コード）が含まれています。",
        field=field,
    )  # fmt: skip


def _too_deep(parts: list[str | int]) -> ApiError:
    field = _path(parts)
    return ApiError(
        422, "too_deep", f"{field}：入れ子が深すぎます（{MAX_DEPTH}段まで）。", field=field
    )


def check(data: Any) -> None:
    """Raise for the first lone surrogate (in a key or a value) or too deep a nesting."""
    todo: list[tuple[Any, list[str | int]]] = [(data, [])]
    while todo:
        value, parts = todo.pop()
        if isinstance(value, str):
            if _surrogate(value):
                raise _bad_text(parts)
            continue
        if not isinstance(value, dict | list):
            continue
        if len(parts) >= MAX_DEPTH:
            raise _too_deep(parts)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in reversed(list(items)):
            if isinstance(key, str) and _surrogate(key):
                raise _bad_text(parts)
            todo.append((item, [*parts, key]))


def _deep_path(text: str) -> list[str | int]:
    """Where the first container deeper than MAX_DEPTH opens, scanned without parsing (for
    a body that ``json.loads`` cannot even read: it recurses once per level)."""
    stack: list[list[Any]] = []  # [key or index, expecting a key]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if stack and stack[-1][1] is True:
                try:
                    stack[-1][0] = json.loads(text[i : end + 1])
                except ValueError:
                    stack[-1][0] = "?"
                stack[-1][1] = False
            i = end
        elif c in "{[":
            if len(stack) > MAX_DEPTH:
                break
            stack.append([None, True] if c == "{" else [0, None])
        elif c in "}]":
            if stack:
                stack.pop()
        elif c == "," and stack:
            if stack[-1][1] is None:
                stack[-1][0] += 1
            else:
                stack[-1][1] = True
        i += 1
    return [k for k, _ in stack[:-1] if k is not None]


def loads(raw: bytes) -> Any:
    """The body as JSON, checked; ``invalid_json``, ``invalid_text`` or ``too_deep``."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise _too_deep(_deep_path(raw.decode("utf-8", "replace"))) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(422, "invalid_json", "本文が正しい JSON ではありません。") from None
    check(data)
    return data
