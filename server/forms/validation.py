"""A visitor's entries against their form: normalised values, and errors that name the field
in the visitor's language. What is valid is kept, so an autosave never loses it."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from printer.catalog import load

from . import japanese, postal
from .definitions import Field, Form, localized
from .japanese import Problem


def word(lang: str, key: str, **params: Any) -> str:
    """A message of the "validation" catalog (``locale/validation.pot`` and its ``.po``): in
    Japanese for Japanese and Easy Japanese, in English for every other language."""
    return load("server.forms", "validation").text(lang, key, **params)


@dataclasses.dataclass
class Outcome:
    values: dict[str, Any]  # what is valid, normalised
    errors: list[dict[str, str]]  # {"field", "message"}
    missing: list[str]  # required fields still empty

    @property
    def ok(self) -> bool:
        return not self.errors


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _problem_message(lang: str, label: str, problem: Problem) -> str:
    params = dict(problem.params)
    if problem.key == "era_range":
        params["end"] = (
            f"{word(lang, 'until')} {params['end']}" if params["end"] else word(lang, "now")
        )
    return word(lang, problem.key, label=label, **params)


def normalise_value(field: Field, value: Any, today: date) -> Any:
    """One value of a field (not a list) -> its normal form, or Problem."""
    if field.type == "choice":
        if str(value) not in {o.value for o in field.options}:
            raise Problem("choice")
        return str(value)
    if field.type == "integer":
        low, high = field.min if field.min is not None else 0, field.max or 99
        try:
            number = int(japanese.normalise_text(str(value)))
        except ValueError:
            raise Problem("integer", min=low, max=high) from None
        if not low <= number <= high:
            raise Problem("integer", min=low, max=high)
        return number
    if not isinstance(value, str):
        raise Problem("list_shape")
    if field.type == "date":
        day = japanese.parse_date(value)
        if field.past and day > today:
            raise Problem("future")
        return day.isoformat()
    if field.type == "kana":
        text = japanese.normalise_kana(value)
    elif field.type == "postal_code":
        return postal.check(value)["postal_code"]
    elif field.type == "phone":
        return japanese.normalise_phone(value)
    else:
        text = japanese.normalise_text(value)
    if len(text) > field.max_length:
        raise Problem("too_long", max=field.max_length)
    return text


def validate(
    form: Form, entries: dict[str, Any], lang: str, today: date, *, complete: bool = True
) -> Outcome:
    """``complete``: required fields must be there (a submission, a clerk's confirmation);
    otherwise they are only listed in ``missing`` (an autosave)."""
    out = Outcome({}, [], [])
    for key in entries:
        if form.field(key) is None:
            out.errors.append({"field": key, "message": word(lang, "unknown_field", label=key)})
    for field in form.fields:
        value = entries.get(field.id)
        label = field.label(lang)
        if _empty(value):
            if field.required:
                out.missing.append(field.id)
                if complete:
                    out.errors.append(
                        {"field": field.id, "message": word(lang, "required", label=label)}
                    )
            continue
        if field.type == "list":
            out.values[field.id] = _list(field, value, lang, today, out, complete)
            continue
        try:
            out.values[field.id] = normalise_value(field, value, today)
        except Problem as problem:
            out.errors.append(
                {"field": field.id, "message": _problem_message(lang, label, problem)}
            )
    _fill_addresses(form, entries, out)
    return out


def _list(
    field: Field, value: Any, lang: str, today: date, out: Outcome, complete: bool
) -> list[dict[str, Any]]:
    label = field.label(lang)
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        out.errors.append({"field": field.id, "message": word(lang, "list_shape", label=label)})
        return []
    items = [i for i in value if not all(_empty(v) for v in i.values())]
    if len(items) > field.max_items:
        out.errors.append(
            {"field": field.id, "message": word(lang, "too_many", label=label, max=field.max_items)}
        )
        items = items[: field.max_items]
    kept = []
    for n, item in enumerate(items):
        good: dict[str, Any] = {}
        for sub in field.fields:
            path = f"{field.id}[{n}].{sub.id}"
            sub_label = word(lang, "item_label", list=label, n=n + 1, field=sub.label(lang))
            raw = item.get(sub.id)
            if _empty(raw):
                if sub.required:
                    out.missing.append(path)
                    if complete:
                        out.errors.append(
                            {"field": path, "message": word(lang, "required", label=sub_label)}
                        )
                continue
            try:
                good[sub.id] = normalise_value(sub, raw, today)
            except Problem as problem:
                out.errors.append(
                    {"field": path, "message": _problem_message(lang, sub_label, problem)}
                )
        kept.append(good)
    return kept


def _fill_addresses(form: Form, entries: dict[str, Any], out: Outcome) -> None:
    """A known postal code fills its address field when the visitor left it empty."""
    for field in form.fields:
        code = out.values.get(field.id)
        if field.type != "postal_code" or not field.fills or code is None:
            continue
        if _empty(entries.get(field.fills)) and field.fills not in out.values:
            found = postal.lookup(code)
            if found is not None:
                out.values[field.fills] = found["address"]
                if field.fills in out.missing:
                    out.missing.remove(field.fills)
                out.errors = [e for e in out.errors if e["field"] != field.fills]


def label_of(form: Form, path: str, lang: str) -> str:
    field = form.field(path.split("[", 1)[0].split(".", 1)[0])
    return localized(field.labels, lang) if field else path
