"""The pages served to people: the counter app, the sign-in page and the visitor's form page
(templates and small ES modules; no build step)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template
from typing import Any

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_URL = "/static/web"


def render(name: str, config: dict[str, Any] | None = None, **fields: str) -> str:
    """The template ``name`` with ``$fields`` (escaped) and ``$config``, a JSON island that
    cannot end early: ``</`` is escaped."""
    return render_text((HERE / "templates" / name).read_text(encoding="utf-8"), config, **fields)


def render_text(text: str, config: dict[str, Any] | None = None, **fields: str) -> str:
    """As render, from the template's text."""
    template = Template(text)
    data = json.dumps(config or {}, ensure_ascii=False).replace("</", "<\\/")
    escaped = {k: html.escape(v) for k, v in fields.items()}
    return template.substitute(config=data, static=STATIC_URL, **escaped)
