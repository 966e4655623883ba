"""The visitor's form page, /t/{token}/form: the pre-entry form (書かない窓口) of the ticket's
service, filled in by ``static/form.js`` through the form API (``server.api.form_routes``)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from printer.catalog import load
from printer.languages import html_lang
from server.api.session import page_headers
from server.api.state import read_ticket, ticket_system
from server.domain.errors import NotFound
from server.forms.definitions import localized

from . import render


async def form_page(request: Request) -> Response:
    token = request.path_params["token"]
    system = await ticket_system(request, token, by_token=True)
    try:
        ticket = await asyncio.to_thread(read_ticket, system, token, by_token=True)
    except NotFound:
        return HTMLResponse("受付票が見つかりません / Ticket not found", status_code=404)
    form = system.forms.forms.get(ticket.service)
    lang = ticket.lang
    config = {
        "token": token,
        "lang": lang,
        "messages": load("server.web", "form").messages(lang),  # as form.js reads them
        "service_names": system.office.services[ticket.service].names,
        "has_form": form is not None,
    }
    title = localized(form.titles, lang) if form else "madoguchi"
    page = render("form.html", config, title=title, lang=html_lang(lang))
    headers = {**page_headers(), "Referrer-Policy": "no-referrer"}  # the token is in the path
    return HTMLResponse(page, headers=headers)


def routes() -> list[BaseRoute]:
    return [Route("/t/{token}/form", form_page)]
