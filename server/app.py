"""create_app(settings): routes, error handlers and the lifespan. Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from server import agent_link, voice
from server.api import counter_app, form_routes, openapi, pages, session
from server.api import kiosk as kiosk_pages
from server.api import routes as api_routes
from server.api.auth import SignInThrottle, Tokens
from server.api.errors import HANDLERS
from server.api.fast_path import IssuingFastPath
from server.bootstrap import System, build_system, signing_key, utc_now
from server.forms.crypto import Cipher
from server.forms.entries import Entries, data_key
from server.live import endpoints
from server.live.direct import DirectWrites
from server.office_file import load_forms
from server.settings import Settings
from server.web import visitor_pages

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    settings = settings or Settings.from_env()
    system = build_system(settings, clock)
    try:
        desk = _form_desk(system)
    except Exception:
        system.engines.dispose()
        raise

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
        purging = asyncio.create_task(_purge_loop(system, desk), name="form-purge")
        try:
            yield
        finally:
            purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purging
            await system.printing.stop()
            await hub.stop()
            if system.relay is not None:
                await asyncio.to_thread(system.relay.stop)
            app.state.voice.close()
            system.writer.stop()
            system.engines.dispose()

    route_list: list[BaseRoute] = [
        # First: Starlette tries routes in order, and the kiosks' issuing is the hot path.
        *api_routes.routes(),
        *session.routes(),
        *counter_app.routes(),
        *form_routes.routes(),
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
        middleware=[
            Middleware(IssuingFastPath),
            Middleware(DirectWrites),
            Middleware(session.SessionRefresh),
        ],
    )
    app.state.system = system
    key = signing_key(system)
    app.state.tokens = Tokens(key)
    app.state.signin_throttle = SignInThrottle()
    app.state.sessions = session.Sessions(key, secure=settings.is_production)
    app.state.voice = voice.Voice()
    app.state.forms = desk
    return app


def _form_desk(system: System) -> form_routes.FormDesk:
    """The pre-entry forms and their encrypted store. Production refuses to start without
    MADOGUCHI_DATA_KEY (DataKeyError)."""
    settings = system.settings
    key = data_key(system.engines, settings.data_key, settings.is_production)
    entries = Entries(system.engines, Cipher(key), system.office.id)
    return form_routes.FormDesk(load_forms(settings.office_file), entries)


async def _purge_loop(system: System, desk: form_routes.FormDesk) -> None:
    """Erase form entries past their retention (the end of the business day)."""
    while True:
        try:
            await asyncio.to_thread(desk.entries.purge, system.clock())
        except Exception as e:  # the next round tries again; the reason, never the data
            log.warning("form purge failed: %s", type(e).__name__)
        await asyncio.sleep(system.settings.purge_interval_s)


def system_of(app: Starlette) -> System:
    system: System = app.state.system
    return system
