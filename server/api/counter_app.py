"""The counter app (窓口端末) at /counter: the clerk's screen. Signed-in staff only; its live
data comes over the websocket ``counter:{counter}`` with the session cookie, its actions go
through the same HTTP API as every other client, with the session's CSRF token."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from printer.languages import BY_CODE
from server.domain.errors import NotFound
from server.web import STATIC_DIR, STATIC_URL, render

from .session import Session, page_headers, page_session, session_json
from .state import page_system, staff_offices, system_for

# The reception desk's place in the app's counter list and address. Counters are numbered
# (1番窓口, 2番窓口…); an office that named one "reception" would find it behind the desk.
RECEPTION = "reception"


async def counter_app(request: Request) -> Response:
    session = page_session(request)
    if not isinstance(session, Session):
        return session
    office = system_for(request, session.office).office
    config = {
        "office": {"id": office.id, "names": office.names, "timezone": office.timezone},
        "counters": [
            {
                "id": c.id,
                "area": c.area,
                "services": list(c.services),
                # 交付窓口: the services whose documents are handed over at this counter.
                "pickup": [s.id for s in office.services.values() if s.pickup_counter == c.id],
            }
            for c in office.counters.values()
        ],
        "kiosks": [
            {"id": k.id, "floors": sorted({office.areas[a].floor for a in k.areas})}
            for k in office.kiosks.values()
        ],
        "services": {
            s.id: {"names": s.names, "prefix": s.prefix, "area": s.area}
            for s in office.services.values()
        },
        "areas": {a.id: {"names": a.names, "floor": a.floor} for a in office.areas.values()},
        "languages": {lang.code: lang.staff_name for lang in BY_CODE.values()},
        "session": session_json(session),
        "counter": request.query_params.get("counter"),
        # The other offices this staff member works in, for the header's switch.
        "offices": staff_offices(request, session.staff),
    }
    return HTMLResponse(
        render("counter.html", config, username=session.staff.username, csrf=session.csrf),
        headers=page_headers(),
    )


async def counter_of(request: Request) -> Response:
    """/counter/3: the app with counter 3 chosen (and remembered on this PC);
    /counter/reception: the reception desk (受付・案内), which issues tickets."""
    name = request.path_params["counter"]
    system = page_system(request)
    if name != RECEPTION and name not in system.office.counters:
        raise NotFound(f"{name}番窓口はありません。", kind="counter", id=name)
    office = request.query_params.get("office")
    where = f"&office={quote(office)}" if office else ""
    return RedirectResponse(f"/counter?counter={quote(name)}{where}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/counter", counter_app),
        Route("/counter/{counter}", counter_of),
        Mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="web-static"),
    ]
