"""The kiosk's page: the template filled with the kiosk's settings and the message catalogs.

Screen text lives in one JSON catalog per language (``kiosk/messages/{lang}.json``), all sent
with the page, so that switching language needs no round trip. Names that belong to the office
(services, areas) come with the live view, from the office file.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from printer.languages import BY_CODE, LANGUAGES

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"


@cache
def catalogs() -> dict[str, dict[str, str]]:
    """Every language's messages; a key missing in one language is an error here, not a
    blank on the kiosk."""
    found = {
        lang: json.loads((HERE / "messages" / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }
    keys = set(found["ja"])
    for lang, messages in found.items():
        if set(messages) != keys:
            raise ValueError(f"kiosk catalog {lang}: keys differ from ja: {keys ^ set(messages)}")
    return found


def render_page(config: dict[str, Any], static_url: str) -> str:
    """The kiosk page. ``config``: kiosk, office name, open issuing, and the like, handed
    to the script as JSON."""
    # Each language's buttons label, lang attribute (fonts follow it) and voice.
    languages = [
        {"code": lang.code, "name": lang.name, "html": lang.html, "speech": lang.speech}
        for lang in BY_CODE.values()
    ]
    data = {**config, "languages": languages, "messages": catalogs()}
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    template = Template((HERE / "templates" / "kiosk.html").read_text(encoding="utf-8"))
    ja = catalogs()["ja"]
    return template.substitute(
        title=html.escape(f"{ja['title']} {config['kiosk']}"),
        config=text,
        static=html.escape(static_url.rstrip("/")),
        connecting=html.escape(ja["connecting"]),
    )
