"""The kiosk's page: the template filled with the kiosk's settings and its words.

Screen text lives in the kiosk's gettext catalog (``kiosk/locale/kiosk.pot``, the Japanese,
and a ``.po`` per other language), every language sent with the page, so that switching
language needs no round trip. Names that belong to the office (services, areas) come with the
live view, from the office file.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template
from typing import Any

from printer.catalog import load
from printer.languages import BY_CODE, SOURCE

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"


def render_page(config: dict[str, Any], static_url: str) -> str:
    """The kiosk page. ``config``: kiosk, office name, open issuing, and the like, handed
    to the script as JSON."""
    # Each language's button label, lang attribute (fonts follow it) and voice.
    languages = [
        {"code": lang.code, "name": lang.name, "html": lang.html, "speech": lang.speech}
        for lang in BY_CODE.values()
    ]
    words = load("kiosk", "kiosk").words  # language -> key -> text, as kiosk.js reads it
    data = {**config, "languages": languages, "messages": words}
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    template = Template((HERE / "templates" / "kiosk.html").read_text(encoding="utf-8"))
    ja = words[SOURCE]
    return template.substitute(
        title=html.escape(f"{ja['title']} {config['kiosk']}"),
        config=text,
        static=html.escape(static_url.rstrip("/")),
        connecting=html.escape(ja["connecting"]),
    )
