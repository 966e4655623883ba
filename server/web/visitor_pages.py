"""The visitor's pages: the public congestion page (/), the forecast (/forecast) and the
ticket page (/t/{token}), in seven languages (``visitor_text``).

Rendered on the server from the same views the websocket sends, so each works without
JavaScript (the public page then refreshes itself); with it, a small ES module follows the
live channel and rewrites the figures in place.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from printer.languages import BY_CODE
from server.api.state import page_system, public_of, several_offices, ticket_system
from server.domain import calendar
from server.domain.office import Office, Service
from server.live.public import PUBLIC_CACHE_CONTROL, Public, etag_of
from server.live.source import read_snapshot
from server.live.views import ticket_view

from . import STATIC_URL
from .accuracy import MIN_DAYS, Accuracy, AccuracySource
from .forecast_page import forecast_context
from .history import ForecastSource
from .visitor_text import COOKIE, COOKIE_MAX_AGE_S, HERE, Text, choose

if TYPE_CHECKING:
    from server.bootstrap import System

R = TypeVar("R", bound=Response)
REFRESH_S = 30  # without JavaScript, the public page reloads itself this often
CLOSING_SOON_MIN = 30  # まもなく受付終了: this close to the cut-off
# Services whose pre-entry form (書かない窓口) the visitor can fill in from the ticket page.
FORM_SERVICES = frozenset({"moving", "certificates"})
# `/` is chosen by these (visitor_text.choose) besides its address.
PUBLIC_VARY = "Accept-Language, Cookie"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; media-src 'self'; frame-ancestors 'none'"
)


@cache
def environment() -> jinja2.Environment:
    # The i18n extension gives templates `_`, which calls the `gettext` of the render's
    # context: the page's Text, so `_("waiting_label")` looks a message up by its key.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render(
    request: Request, template: str, text: Text, status: int = 200, **context: Any
) -> HTMLResponse:
    return HTMLResponse(
        _html(request, template, text, **context), status_code=status, headers=_headers()
    )


def _headers(cache_control: str = "no-store") -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP,
        "Cache-Control": cache_control,
        "Referrer-Policy": "no-referrer",  # the ticket's token is in its address
    }


def _html(request: Request, template: str, text: Text, **context: Any) -> str:
    """A visitor's page, of the office given (`office`), else of the one the query names."""
    office: Office = context.pop("office", None) or page_system(request).office
    languages = [
        {
            "code": lang.code,
            "html": lang.html,
            "name": lang.plain_name,
            "href": "?" + urlencode({**request.query_params, "lang": lang.code}),
        }
        for lang in BY_CODE.values()
    ]
    config = context.pop("config", None)
    return (
        environment()
        .get_template(template)
        .render(
            gettext=text,
            page_lang=text.lang,
            html_lang=text.html_lang,
            static=STATIC_URL,
            office_name=text.named(office.names),
            office_id=office.id,
            # An installation of several offices names the office in each page's links.
            office_param=f"office={office.id}" if len(several_offices(request)) > 1 else "",
            languages=languages,
            config=json.dumps(config, ensure_ascii=False).replace("</", "<\\/") if config else "",
            **context,
        )
    )


def _remember(response: R, lang: str, switched: bool) -> R:
    if switched:
        response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE_S, samesite="lax")
    return response


# -- words for figures: the scripts (public.js, ticket.js) say the same things ---------------
def estimate_text(text: Text, waiting: int | None, estimate: dict[str, int] | None) -> str:
    if not estimate or (not waiting and estimate["high_min"] == 0):
        return text("no_wait")
    if estimate["low_min"] == estimate["high_min"]:
        return text("estimate_one", lo=estimate["low_min"])
    return text("estimate", lo=estimate["low_min"], hi=estimate["high_min"])


def numbers_text(text: Text, numbers: list[dict[str, Any]]) -> str:
    if not numbers:
        return text("none")
    return "、".join(
        text("number_at", number=n["number"], counter=n["counter"] or "") for n in numbers
    )


def issuing_status(
    service: Service, reason: str | None, local_now: datetime
) -> tuple[str, dict[str, str]]:
    """受付中 / まもなく受付終了 (within CLOSING_SOON_MIN of the cut-off) / why it is closed."""
    if reason is None:
        left = _minutes(service.cutoff) - _minutes(local_now.time())
        if 0 < left <= CLOSING_SOON_MIN:
            return "closing_soon", {"time": service.cutoff.strftime("%H:%M")}
        return "issuing_open", {}
    if reason == "not_yet_open":
        return reason, {"time": service.opens.strftime("%H:%M")}
    return reason, {}


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# -- the public page ---------------------------------------------------------------------------
def public_context(
    office: Office, view: dict[str, Any], text: Text, now: datetime
) -> dict[str, Any]:
    local = calendar.local_time(office, now)
    by_area: dict[str, list[dict[str, Any]]] = {a: [] for a in office.areas}
    for s in view["services"]:
        service = office.services[s["id"]]
        state, fields = issuing_status(service, s["closed_reason"], local)
        by_area[s["area"]].append(
            {
                "id": s["id"],
                "prefix": s["prefix"],
                "name": text.named(s["names"]),
                "issuing_state": state,
                "issuing_text": text(state, **fields),
                "waiting_text": text("waiting_n", n=s["waiting"]),
                "estimate_text": estimate_text(text, s["waiting"], s["estimate"]),
                "calling_text": numbers_text(text, s["calling"]),
                "has_pickup": service.has_pickup,
                "ready_text": numbers_text(text, s["ready"]),
                "remote": s["remote"],  # 受付票を取る (public.js shows it)
            }
        )
    areas = [
        {"id": a.id, "floor": a.floor, "name": text.named(a.names), "services": by_area[a.id]}
        for a in office.areas.values()
        if by_area[a.id]
    ]
    return {
        "areas": areas,
        "updated": local.strftime("%H:%M:%S"),
        "notice": text.named(view["notice"]) if view.get("notice") else "",
        "refresh_s": REFRESH_S,
        "bookable": any(s.appointments is not None for s in office.services.values()),
        "config": {
            "office": office.id,
            "lang": text.lang,
            "messages": text.messages,
            "timezone": office.timezone,
            "ws": f"/ws/v1/public:{office.id}",
            "version": view["version"],
            "services": {
                s.id: {
                    "opens": s.opens.strftime("%H:%M"),
                    "cutoff": s.cutoff.strftime("%H:%M"),
                }
                for s in office.services.values()
            },
            "closing_soon_min": CLOSING_SOON_MIN,
            "issue_url": f"/api/v1/offices/{office.id}/tickets",
        },
    }


async def public_page(request: Request) -> Response:
    """Rendered once per view, language and query string (live/public.py keeps the view
    while nothing changed), so a surge of visitors reads no database. Cacheable by a proxy
    for FRESH_S (docs/deploy.md), except the answer that switches the language: it sets
    the cookie, which no shared cache may hand to others."""
    system = page_system(request)
    public = await public_of(request, system).get()
    lang, switched = choose(request)
    office = system.office
    # The measure comes from a thread of its own, once a day, whatever the version.
    accuracy = _accuracy_source(request, system).get(calendar.business_day(office, public.now))
    key = (lang, request.scope["query_string"], accuracy)
    page: _Page | None = public.pages.get(key)
    if page is None:
        page = _public_page(request, system, public, Text(lang), accuracy)
        public.keep_page(key, page)
    if switched:
        response = Response(page.body, media_type="text/html", headers=_headers())
        return _remember(response, lang, switched)
    headers = {**_headers(PUBLIC_CACHE_CONTROL), "ETag": page.etag, "Vary": PUBLIC_VARY}
    if request.headers.get("if-none-match") == page.etag:
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="text/html", headers=headers)


@dataclasses.dataclass(frozen=True)
class _Page:
    body: bytes
    etag: str


def _public_page(
    request: Request, system: System, public: Public, text: Text, accuracy: Accuracy | None
) -> _Page:
    context = public_context(system.office, public.view, text, public.now)
    context["accuracy_text"] = accuracy_text(text, accuracy)
    context["other_offices"] = [
        {"id": s.office.id, "name": text.named(s.office.names)}
        for s in several_offices(request)
        if s is not system
    ]
    html = _html(
        request,
        "public.html",
        text,
        title=text("title_public"),
        body_class="public",
        script="public.js",
        **context,
    )
    body = html.encode()
    return _Page(body, etag_of(public.version, body))


async def forecast_page(request: Request) -> HTMLResponse:
    system = page_system(request)
    lang, switched = choose(request)
    text = Text(lang)
    source = _forecast_source(request, system)
    today = calendar.business_day(system.office, system.clock())
    forecast = await asyncio.to_thread(source.get, today)
    context = forecast_context(system.office, forecast, text, request.query_params.get("service"))
    response = _render(
        request,
        "forecast.html",
        text,
        title=text("title_forecast"),
        body_class="forecast",
        **context,
    )
    return _remember(response, lang, switched)


def accuracy_text(text: Text, accuracy: Accuracy | None) -> str:
    """The estimate's measured accuracy on the office's own days, or how many it needs."""
    if accuracy is None:
        return ""  # not measured yet today, or the measure failed: claim nothing
    if not accuracy.enough:
        return text("accuracy_pending", need=MIN_DAYS)
    return text(
        "accuracy_note",
        days=accuracy.days,
        tickets=accuracy.tickets,
        mae=round(accuracy.mae_min),
        within=round(accuracy.within_10_min * 100),
        inside=round(accuracy.in_range * 100),
    )


def _accuracy_source(request: Request, system: System) -> AccuracySource:
    """The office's measure, one per office for the app's life."""
    sources = request.app.state.__dict__.setdefault("accuracy_sources", {})
    source: AccuracySource | None = sources.get(system.office.id)
    if source is None:
        source = sources[system.office.id] = AccuracySource(system.engines, lambda: system.office)
    return source


def _forecast_source(request: Request, system: System) -> ForecastSource:
    sources = request.app.state.__dict__.setdefault("forecast_sources", {})
    source: ForecastSource | None = sources.get(system.office.id)
    if source is None:
        source = sources[system.office.id] = ForecastSource(system.engines, system.office)
    return source


# -- the ticket page ---------------------------------------------------------------------------
def status_text(text: Text, ticket: dict[str, Any]) -> str:
    return text(f"status_{ticket['status']}", counter=ticket.get("counter") or "")


def ticket_context(
    office: Office, view: dict[str, Any], token: str, text: Text, now: datetime
) -> dict[str, Any]:
    ticket = view["ticket"]
    tz = ZoneInfo(office.timezone)
    active = ticket["status"] in ("waiting", "called", "absent", "serving", "preparing", "ready")
    form = ticket["service"] in FORM_SERVICES and ticket["status"] in (
        "waiting",
        "called",
        "absent",
    )
    return {
        "t": ticket,
        "service_name": text.named(ticket["service_names"]),
        "area_name": text.named(ticket["area_names"]),
        "status_text": status_text(text, ticket),
        "ahead_text": text("ahead_n", n=ticket["position"] or 0),
        "estimate_text": estimate_text(text, ticket["position"], ticket["estimate"]),
        "updated": calendar.local_time(office, now).strftime("%H:%M:%S"),
        "issued": datetime.fromisoformat(ticket["issued_at"]).astimezone(tz).strftime("%H:%M"),
        "active": active,
        "notice": text.named(view["notice"]) if view.get("notice") else "",
        "form_url": f"/t/{token}/form" if form else None,
        "qr_url": f"/api/v1/visitor/{token}/qr.svg",  # a ticket from home: held to a kiosk
        "delay_places": view["delay_places"],
        "config": {
            "token": token,
            "lang": text.lang,
            "messages": text.messages,
            "timezone": office.timezone,
            "ws": f"/ws/v1/ticket:{token}",
            "version": view["version"],
            "ticket": ticket,
            "soon_ahead": office.push_ahead,  # as Web Push's "almost"
            "delay_places": view["delay_places"],
        },
    }


async def ticket_page(request: Request) -> HTMLResponse:
    token = request.path_params["token"]
    system = await ticket_system(request, token, by_token=True)
    snap = await asyncio.to_thread(
        read_snapshot, system.engines, system.ctx, system.clock(), None, (token,)
    )
    view = ticket_view(snap, token)
    if view is None:
        lang, _ = choose(request)
        text = Text(lang)
        return _render(
            request,
            "ticket_missing.html",
            text,
            404,
            title=text("not_found_title"),
            body_class="missing",
        )
    lang, _ = choose(request, default=view["ticket"]["lang"])
    text = Text(lang)
    context = ticket_context(system.office, view, token, text, snap.now)
    return _render(
        request,
        "ticket.html",
        text,
        title=f"{view['ticket']['number']} — {text('title_ticket')}",
        office=system.office,
        body_class="ticket-page",
        script="ticket.js",
        **context,
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/", public_page),
        Route("/forecast", forecast_page),
        Route("/t/{token}", ticket_page),
    ]  # their scripts and styles are under STATIC_URL, mounted with the counter app's
