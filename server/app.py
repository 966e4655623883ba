"""create_app(settings): routes, error handlers and the lifespan. Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from server import agent_link, voice
from server.api import counter_app, openapi, pages, session
from server.api import kiosk as kiosk_pages
from server.api import routes as api_routes
from server.api.auth import Tokens
from server.api.errors import HANDLERS
from server.bootstrap import System, build_system, signing_key, utc_now
from server.live import endpoints
from server.settings import Settings
from server.web import visitor_pages


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    settings = settings or Settings.from_env()
    system = build_system(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        hub = system.attach_hub(loop)
        hub.printers = system.printing.kiosk_printer
        system.printing.on_change = lambda kiosk: loop.call_soon_threadsafe(
            hub.printer_changed, kiosk
        )
        system.writer.start()
        system.printing.start()
        try:
            yield
        finally:
            await system.printing.stop()
            await hub.stop()
            app.state.voice.close()
            system.writer.stop()
            system.engines.dispose()

    route_list: list[BaseRoute] = [
        *session.routes(),
        *counter_app.routes(),
        *api_routes.routes(),
        *openapi.routes(),
        *endpoints.routes(),
        *agent_link.routes(),
        *kiosk_pages.routes(),
        *voice.routes(),
        *visitor_pages.routes(),
        *pages.routes(),
    ]
    app = Starlette(
        routes=route_list,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
        middleware=[Middleware(session.SessionRefresh)],
    )
    app.state.system = system
    key = signing_key(system)
    app.state.tokens = Tokens(key)
    app.state.sessions = session.Sessions(key, secure=settings.is_production)
    app.state.voice = voice.Voice()
    return app


def system_of(app: Starlette) -> System:
    system: System = app.state.system
    return system
