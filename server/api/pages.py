"""The screens' addresses. Each is a placeholder until its own issue lands; the live
data behind it is already served at /api/v1/views/{channel}. (The kiosk's page is in
``server.api.kiosk``; the public page, the forecast, the ticket page and its form page in
``server.web``.)"""

from __future__ import annotations

import html
import json
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from display.page import PAIRING, labels

from .state import device_system

_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — madoguchi</title>
<style>body{{font-family:sans-serif;font-size:1.4rem;margin:2rem;color:#111;background:#fff}}
a{{color:#0645ad}}</style></head>
<body><main><h1>{title}</h1><p>{body}</p>
<p><a href="{data}">{data}</a></p></main></body></html>"""


def _page(title: str, body: str, data: str) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=html.escape(title), body=html.escape(body), data=html.escape(data)),
        headers={"Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'"},
    )


_DISPLAY_CSP = (
    "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self'; img-src 'self' data:"
)


async def display(request: Request) -> HTMLResponse:
    """The floor display. Its data comes over the websocket, which checks the display's
    token: the page itself holds nothing private and is served to anyone."""
    name = request.path_params["display"]
    office = device_system(request, name).office
    screen = office.displays.get(name)
    if screen is None:
        missing = _page(
            "呼出表示盤", f"表示盤 {name} はありません（{', '.join(office.displays)}）。", "/"
        )
        missing.status_code = 404
        return missing
    config = {
        "display": screen.id,
        "languages": list(screen.languages),
        "volume": screen.volume,
        "timezone": office.timezone,
        "ws": f"/ws/v1/display:{screen.id}",
        "chime": "/audio/chime.wav",
        "labels": labels(),
        "pairing": PAIRING,
    }
    # "</" cannot end the JSON island early: names and notices come from the office file.
    data = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    template = resources.files("display").joinpath("templates/display.html").read_text("utf-8")
    page = template.replace("__TITLE__", html.escape(f"呼出表示盤 {screen.id}")).replace(
        "__CONFIG__", data
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": _DISPLAY_CSP})


def routes() -> list[BaseRoute]:
    static = StaticFiles(directory=str(resources.files("display").joinpath("static")))
    return [
        Mount("/static/display", static, name="display-static"),
        Route("/display/{display}", display),
    ]
