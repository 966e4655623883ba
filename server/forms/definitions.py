"""Form definitions (pure): the fields of each service's pre-entry form, read from the
office TOML file's ``[[forms]]`` tables."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Final

from printer.languages import is_japanese

TYPES: Final = frozenset(
    {"text", "kana", "date", "choice", "postal_code", "address", "phone", "integer", "list"}
)
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


class FormDefinitionError(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


@dataclasses.dataclass(frozen=True)
class Option:
    value: str
    labels: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Field:
    id: str
    type: str
    labels: dict[str, str]
    required: bool = False
    help: dict[str, str] = dataclasses.field(default_factory=dict)
    options: tuple[Option, ...] = ()
    fields: tuple[Field, ...] = ()  # a list's item fields
    max_length: int = 200
    max_items: int = 10
    min: int | None = None
    max: int | None = None
    past: bool = False  # a date that cannot be after today (a birth date)
    fills: str | None = None  # a postal code fills this address field when it is empty

    def label(self, lang: str) -> str:
        return localized(self.labels, lang)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "required": self.required,
            "labels": self.labels,
            "help": self.help,
        }
        if self.options:
            out["options"] = [{"value": o.value, "labels": o.labels} for o in self.options]
        if self.fields:
            out["fields"] = [f.as_json() for f in self.fields]
            out["max_items"] = self.max_items
        if self.type in ("text", "kana", "address"):
            out["max_length"] = self.max_length
        if self.type == "integer":
            out.update(min=self.min, max=self.max)
        if self.fills:
            out["fills"] = self.fills
        return out


@dataclasses.dataclass(frozen=True)
class Form:
    id: str
    service: str
    titles: dict[str, str]
    fields: tuple[Field, ...]

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "titles": self.titles,
            "fields": [f.as_json() for f in self.fields],
        }


def localized(texts: dict[str, str], lang: str) -> str:
    """A text in the visitor's language; Easy Japanese falls back to Japanese, the other
    languages to English, then Japanese."""
    if lang in texts:
        return texts[lang]
    if is_japanese(lang):
        return texts.get("ja") or next(iter(texts.values()), "")
    return texts.get("en") or texts.get("ja") or next(iter(texts.values()), "")


def _texts(raw: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, str]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or "ja" not in value:
        raise FormDefinitionError(f"{where}.{key}", "needs a table of texts with ja")
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise FormDefinitionError(f"{where}.{key}", "texts must be non-empty strings")
    return dict(value)


def _int(raw: dict[str, Any], key: str, where: str, default: int | None) -> int | None:
    value = raw.get(key, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise FormDefinitionError(f"{where}.{key}", f"must be an integer, got {value!r}")
    return value


def parse_field(raw: Any, where: str, nested: bool = False) -> Field:
    if not isinstance(raw, dict):
        raise FormDefinitionError(where, "must be a table")
    ident = raw.get("id")
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        raise FormDefinitionError(
            f"{where}.id", f"must be lower-case letters, digits, _: {ident!r}"
        )
    kind = raw.get("type", "text")
    if kind not in TYPES or (nested and kind == "list"):
        raise FormDefinitionError(
            f"{where}.type", f"unknown type {kind!r} ({', '.join(sorted(TYPES))})"
        )
    options = tuple(
        Option(str(o.get("value")), _texts(o, "labels", f"{where}.options[{i}]"))
        for i, o in enumerate(raw.get("options", []))
    )
    if kind == "choice" and not options:
        raise FormDefinitionError(f"{where}.options", "a choice needs options")
    fields = tuple(
        parse_field(f, f"{where}.fields[{i}]", nested=True)
        for i, f in enumerate(raw.get("fields", []))
    )
    if kind == "list" and not fields:
        raise FormDefinitionError(f"{where}.fields", "a list needs the fields of its items")
    fills = raw.get("fills")
    return Field(
        id=ident,
        type=kind,
        labels=_texts(raw, "labels", where),
        required=bool(raw.get("required", False)),
        help=_texts(raw, "help", where, required=False),
        options=options,
        fields=fields,
        max_length=_int(raw, "max_length", where, 200) or 200,
        max_items=_int(raw, "max_items", where, 10) or 10,
        min=_int(raw, "min", where, None),
        max=_int(raw, "max", where, None),
        past=bool(raw.get("past", False)),
        fills=fills if isinstance(fills, str) else None,
    )


def parse_forms(raw: list[Any], services: set[str]) -> dict[str, Form]:
    """service id -> its form. ``raw``: the office file's ``forms`` array."""
    forms: dict[str, Form] = {}
    for i, item in enumerate(raw):
        where = f"forms[{i}]"
        if not isinstance(item, dict):
            raise FormDefinitionError(where, "must be a table")
        service = item.get("service")
        if service not in services:
            raise FormDefinitionError(f"{where}.service", f"unknown service {service!r}")
        if service in forms:
            raise FormDefinitionError(f"{where}.service", f"{service!r} has two forms")
        fields = tuple(
            parse_field(f, f"{where}.fields[{j}]") for j, f in enumerate(item.get("fields", []))
        )
        ids = [f.id for f in fields]
        if len(set(ids)) != len(ids):
            raise FormDefinitionError(f"{where}.fields", "a field id is used twice")
        for f in fields:
            if f.fills and f.fills not in ids:
                raise FormDefinitionError(
                    f"{where}.fields.{f.id}.fills", f"unknown field {f.fills!r}"
                )
        forms[service] = Form(
            str(item.get("id", service)), service, _texts(item, "titles", where), fields
        )
    return forms
