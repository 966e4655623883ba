"""The screens' addresses. Each is a placeholder until its own issue lands; the live
data behind it is already served at /api/v1/views/{channel}. (The kiosk's page is in
``server.api.kiosk``.)"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

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


async def home(request: Request) -> HTMLResponse:
    office = request.app.state.system.office.id
    return _page(
        "混雑状況",
        "公開用の混雑状況ページは準備中です。現在の状況（JSON）:",
        f"/api/v1/offices/{office}/status",
    )


async def display(request: Request) -> HTMLResponse:
    name = request.path_params["display"]
    return _page(
        "呼出表示盤", f"表示盤 {name} の画面は準備中です。", f"/api/v1/views/display:{name}"
    )


async def counter(request: Request) -> HTMLResponse:
    name = request.path_params["counter"]
    return _page("窓口端末", f"{name}番窓口の画面は準備中です。", f"/api/v1/views/counter:{name}")


async def ticket_page(request: Request) -> HTMLResponse:
    token = request.path_params["token"]
    return _page("受付票", "受付票のページは準備中です。", f"/api/v1/visitor/{token}")


async def admin(request: Request) -> HTMLResponse:
    office = request.app.state.system.office.id
    return _page("管理画面", "管理画面は準備中です。", f"/api/v1/views/public:{office}")


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/display/{display}", display),
        Route("/counter/{counter}", counter),
        Route("/t/{token}", ticket_page),
        Route("/admin", admin),
    ]
