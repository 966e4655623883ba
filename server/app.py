"""create_app(settings): routes, error handlers and the lifespan. Wiring only."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from server import agent_link, voice
from server.accounts import Standing
from server.api import (
    admin_routes,
    appointment_routes,
    counter_app,
    debug,
    device_routes,
    form_routes,
    openapi,
    pages,
    push_routes,
    reports,
    session,
    staff_routes,
    visitor_routes,
)
from server.api import kiosk as kiosk_pages
from server.api import routes as api_routes
from server.api.auth import SignInThrottle, Tokens
from server.api.errors import HANDLERS
from server.api.fast_path import IssuingFastPath
from server.api.limits import BodyLimit, booking_limiter, issue_limiter
from server.api.public_path import PublicFastPath
from server.bootstrap import System, build_installation, signing_key, utc_now
from server.live import endpoints
from server.live.direct import DirectWrites
from server.live.hub import Hub
from server.live.public import LatestPublic
from server.settings import Settings
from server.store.query_count import QueryCount
from server.web import (
    admin_pages,
    book_pages,
    form_pages,
    report_pages,
    service_worker,
    visitor_pages,
)


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    settings = settings or Settings.from_env()
    installation = build_installation(settings, clock)
    system = installation.default  # the first office named: pages that name none show it

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await installation.start()
        try:
            yield
        finally:
            await installation.stop()

    route_list: list[BaseRoute] = [
        # First: Starlette tries routes in order, and the kiosks' issuing is the hot path.
        *api_routes.routes(),
        *push_routes.routes(),
        *appointment_routes.routes(),
        *session.routes(),
        *counter_app.routes(),
        *form_routes.routes(),
        *admin_routes.routes(),
        *staff_routes.routes(),
        *device_routes.routes(),
        *reports.routes(),
        *openapi.routes(),
        *endpoints.routes(),
        *agent_link.routes(),
        *kiosk_pages.routes(),
        *voice.routes(),
        *visitor_pages.routes(),
        *visitor_routes.routes(),
        *service_worker.routes(),
        *book_pages.routes(),
        *form_pages.routes(),
        *pages.routes(),
        *admin_pages.routes(),
        *report_pages.routes(),
    ]
    if settings.count_queries and not settings.is_production:
        route_list[:0] = debug.routes(QueryCount(system.engines).attach())
    app = Starlette(
        routes=route_list,
        exception_handlers=HANDLERS,
        lifespan=lifespan,
        middleware=[
            # The phones' websockets: fewer layers kept per connection.
            Middleware(endpoints.LiveFastPath),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(IssuingFastPath),
            Middleware(PublicFastPath, offices=list(installation.offices)),
            Middleware(DirectWrites),
            Middleware(session.SessionRefresh),
        ],
    )
    app.state.system = system
    # The public answers from memory per version (live/public.py): the hub is made at start.
    app.state.public = {
        office: LatestPublic(s.engines, s.ctx, s.clock, _hub_of(s))
        for office, s in installation.offices.items()
    }
    key = signing_key(system)
    standing = Standing(system.engines, system.writer)  # sessions and tokens end on the server
    app.state.tokens = Tokens(key, standing)
    app.state.signin_throttle = SignInThrottle(system.engines, system.writer, system.clock)
    # The kiosks' daily code (api/arrival.py) and the bookings' hashed addresses (limits).
    app.state.arrival_secret = key.encode()
    app.state.issue_limiter = issue_limiter(settings.issue_per_minute, settings.issue_per_day)
    app.state.booking_limiter = booking_limiter(settings.book_per_hour, settings.book_per_day)
    app.state.sessions = session.Sessions(key, standing, secure=settings.is_production)
    return app


def _hub_of(system: System) -> Callable[[], Hub | None]:
    """The office's hub, made when the app starts."""
    return lambda: system.hub
