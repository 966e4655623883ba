"""The forecast page's content: the chosen service's heatmap rows, its legend, and the
plain-language summary of its best and worst half hours."""

from __future__ import annotations

from typing import Any

from server.domain.office import Office
from server.forecast import Forecast, Moment

from .visitor_text import Text


def _moment(text: Text, key: str, moment: Moment) -> str:
    return text(
        key,
        day=text.weekday(moment.weekday),
        time=moment.slot.strftime("%H:%M"),
        wait=round(moment.wait_min),
    )


def forecast_context(
    office: Office, forecast: Forecast, text: Text, asked: str | None
) -> dict[str, Any]:
    services = [{"id": s.id, "name": text.named(s.names)} for s in office.services.values()]
    chosen = next((s for s in services if s["id"] == asked), services[0])
    table = forecast.services[chosen["id"]]
    summary = []
    if table.best is not None and table.worst is not None:
        summary = [
            _moment(text, "forecast_best", table.best),
            _moment(text, "forecast_worst", table.worst),
        ]
    rows = []
    for slot in forecast.slots:
        cells = []
        for w in forecast.weekdays:
            cell = table.cells[(w, slot)]
            arrivals = text("forecast_arrivals", n=round(cell.arrivals, 1))
            if cell.wait_min is None:
                shown, level = "–", "none"
                label = f"{text('level_none')} / {arrivals}"
            else:
                shown = text("forecast_cell", wait=round(cell.wait_min))
                level = str(cell.level)
                label = f"{shown} / {arrivals}"
            cells.append({"text": shown, "level": level, "title": label})
        rows.append({"slot": slot.strftime("%H:%M"), "cells": cells})
    legend = [{"key": str(i), "text": text(f"level_{i}")} for i in range(4)]
    legend.append({"key": "none", "text": text("level_none")})
    return {
        "forecast": forecast,
        "services": services,
        "chosen": chosen,
        "summary": summary,
        "weekdays": [{"name": text.weekday(w)} for w in forecast.weekdays],
        "rows": rows,
        "legend": legend,
    }
