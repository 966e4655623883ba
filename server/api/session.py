"""Staff sign-in for browsers: signed session cookies, CSRF tokens, sign-out, idle timeout.

The cookie is signed with the same key as the Bearer tokens (another salt) and holds the
user, the role, the session's id and CSRF token and when the session began. It also stands
on the server (accounts.Standing, asked on every request): signing out lists its id as
revoked, and a password or role change or the user's removal ends it. It is HttpOnly and SameSite=Strict. A session ends when it is idle for
``IDLE_TIMEOUT_S`` (every request re-signs the cookie at most once a minute, so the signature's
age is the idle time) or ``MAX_SESSION_S`` after sign-in, whichever comes first.

CSRF: a state-changing request that authenticates with the cookie must carry the session's
token in the ``X-CSRF-Token`` header (pages get it embedded, or from ``GET
/api/v1/auth/session``). Bearer-token clients send no cookie and are not concerned. The
sign-in form itself is protected by a double-submit token (a cookie and a hidden field).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.accounts import Role, Standing
from server.web import render

from .auth import Staff, sign_in
from .errors import ApiError
from .responses import JSONResponse
from .state import sessions_of, staff_page_system

SESSION_COOKIE = "madoguchi_session"
SIGNIN_COOKIE = "madoguchi_signin"
CSRF_HEADER = "x-csrf-token"
IDLE_TIMEOUT_S = 30 * 60
MAX_SESSION_S = 12 * 3600  # one working day, like the Bearer tokens
REFRESH_AFTER_S = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; form-action 'self'"
)


@dataclasses.dataclass(frozen=True)
class Session:
    staff: Staff
    csrf: str
    started: float  # unix time of sign-in
    signed_age_s: float  # how long since the cookie was last signed
    id: str = ""  # what a sign-out lists as revoked
    # The office a staff page is for (page_session): `staff.role` is the role there.
    office: str = ""


class Sessions:
    def __init__(self, key: str, standing: Standing, secure: bool = False) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="staff-session")
        self.standing = standing
        self.secure = secure

    def issue(
        self,
        staff: Staff,
        csrf: str | None = None,
        started: float | None = None,
        session_id: str | None = None,
    ) -> str:
        return self._serializer.dumps(
            {
                "u": staff.username,
                "r": str(staff.role),
                "c": csrf or secrets.token_urlsafe(24),
                "s": time.time() if started is None else started,
                "j": session_id or secrets.token_urlsafe(12),
            }
        )

    def read(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            data, signed = self._serializer.loads(
                value, max_age=IDLE_TIMEOUT_S, return_timestamp=True
            )
            staff = Staff(str(data["u"]), Role(data["r"]))
            started, session_id = float(data["s"]), str(data["j"])
        except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
            return None
        if time.time() - started > MAX_SESSION_S:
            return None
        if not self.standing.stands(staff.username, staff.role, started, session_id):
            return None
        staff = dataclasses.replace(staff, offices=self.standing.offices_of(staff.username))
        age = time.time() - signed.timestamp()
        return Session(staff, str(data["c"]), started, age, session_id)

    def stands(self, value: str | None) -> bool:
        """Whether a session cookie still stands on the server (not signed out, its user
        unchanged), whatever its idle time: for a websocket, which keeps the cookie it
        connected with while the pages' requests renew theirs."""
        if not value:
            return False
        try:
            data = self._serializer.loads(value, max_age=MAX_SESSION_S)
            staff = Staff(str(data["u"]), Role(data["r"]))
            started, session_id = float(data["s"]), str(data["j"])
        except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
            return False
        if time.time() - started > MAX_SESSION_S:  # re-signed, but the session is over
            return False
        return self.standing.stands(staff.username, staff.role, started, session_id)

    def sign_out(self, session: Session) -> None:
        """End the session now, in every process."""
        self.standing.sign_out(session.id, session.started + MAX_SESSION_S)

    def of(self, conn: HTTPConnection) -> Session | None:
        return self.read(conn.cookies.get(SESSION_COOKIE))

    def staff_of(self, conn: HTTPConnection) -> Staff | None:
        """The signed-in staff member of a cookie-authenticated request, or None. A
        state-changing HTTP request without the session's CSRF token is refused (403);
        a websocket from another site's page is refused (None)."""
        session = self.of(conn)
        if session is None:
            return None
        if conn.scope["type"] == "websocket":
            return session.staff if same_origin(conn) else None
        if conn.scope.get("method", "GET") not in SAFE_METHODS:
            sent = conn.headers.get(CSRF_HEADER, "")
            if not sent or not hmac.compare_digest(sent, session.csrf):
                raise ApiError(
                    403,
                    "csrf_failed",
                    "画面の確認用トークン（CSRF）がないか、正しくありません。画面を読み込み直してください。",
                )
        return session.staff

    def set_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=IDLE_TIMEOUT_S,
            httponly=True,
            samesite="strict",
            secure=self.secure,
            path="/",
        )


def same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser, or a same-origin request that sends none
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


class SessionRefresh:
    """Pure ASGI middleware: re-sign a live session's cookie (at most once a minute), so
    that it ends only after ``IDLE_TIMEOUT_S`` without a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(k == b"cookie" for k, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        sessions: Sessions | None = getattr(scope["app"].state, "sessions", None)
        session = sessions.of(HTTPConnection(scope)) if sessions else None
        if sessions is None or session is None or session.signed_age_s < REFRESH_AFTER_S:
            await self.app(scope, receive, send)
            return
        fresh = sessions.issue(session.staff, session.csrf, session.started, session.id)

        async def send_refreshed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(
                    k.lower() == b"set-cookie" and v.startswith(SESSION_COOKIE.encode() + b"=")
                    for k, v in headers
                ):
                    probe = Response()
                    sessions.set_cookie(probe, fresh)
                    headers += [(k, v) for k, v in probe.raw_headers if k == b"set-cookie"]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_refreshed)


def safe_next(value: str | None, default: str = "/counter") -> str:
    """Only a path on this site: never an address elsewhere (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def _signin_page(next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    page = render(
        "signin.html",
        next=next_path,
        csrf=token,
        error=error,
        error_hidden="" if error else "hidden",
    )
    response = HTMLResponse(page, status_code=status, headers=page_headers())
    response.set_cookie(
        SIGNIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/signin"
    )
    return response


def page_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": PAGE_CSP,
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
    }


async def _posted(request: Request) -> dict[str, str]:
    """A posted form's fields (URL-encoded), the first value of each."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items()}


async def signin_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if sessions_of(request).of(request) is not None and "again" not in request.query_params:
        return RedirectResponse(next_path, status_code=303)
    return _signin_page(next_path)


async def signin(request: Request) -> Response:
    form = await _posted(request)
    next_path = safe_next(form.get("next"))
    sent, expected = form.get("csrf", ""), request.cookies.get(SIGNIN_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        return _signin_page(
            next_path, "画面の有効期限が切れました。もう一度サインインしてください。", 403
        )
    username, password = form.get("username", "").strip(), form.get("password", "")
    try:
        staff = await sign_in(request, username, password)
    except ApiError as refused:  # the API's words, on the page
        page = _signin_page(next_path, refused.message, refused.status)
        if "retry_after" in refused.details:
            page.headers["Retry-After"] = str(refused.details["retry_after"])
        return page
    sessions = sessions_of(request)
    response = RedirectResponse(next_path, status_code=303)
    sessions.set_cookie(response, sessions.issue(staff))
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


async def signout(request: Request) -> Response:
    """Needs the session's CSRF token (form field or header): another site cannot sign a
    clerk out."""
    sessions = sessions_of(request)
    session = sessions.of(request)
    if session is not None:
        form = await _posted(request)
        sent = request.headers.get(CSRF_HEADER) or form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.csrf):
            raise ApiError(403, "csrf_failed", "画面を読み込み直してからサインアウトしてください。")
        await asyncio.to_thread(sessions.sign_out, session)
    response = RedirectResponse("/signin?again=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def session_info(request: Request) -> Response:
    session = sessions_of(request).of(request)
    if session is None:
        raise ApiError(401, "unauthorized", "職員のサインインが必要です。")
    return JSONResponse(session_json(session), headers={"Cache-Control": "no-store"})


def session_json(session: Session) -> dict[str, Any]:
    return {
        "username": session.staff.username,
        "role": str(session.staff.role),
        "csrf": session.csrf,
        "idle_timeout_s": IDLE_TIMEOUT_S,
        "expires_at": int(session.started + MAX_SESSION_S),
    }


def page_session(request: Request, role: Role = Role.CLERK) -> Session | Response:
    """For a staff page: the session, or the answer to send instead (the sign-in page, or
    403 for a role too low)."""
    session = sessions_of(request).of(request)
    if session is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # The whole path and query in one parameter: its own & and = are escaped.
        return RedirectResponse(f"/signin?next={quote(path, safe='/')}", status_code=303)
    # The office the page is for: `?office=`, else the first the staff member works in.
    office = staff_page_system(request, session.staff).office.id
    there = session.staff.in_office(office)
    if there is None:
        return HTMLResponse(f"庁舎 {office} の職員ではありません。", status_code=403)
    session = dataclasses.replace(session, staff=there, office=office)
    if session.staff.role.rank < role.rank:
        return HTMLResponse("この画面を使う権限がありません。", status_code=403)
    return session


def routes() -> list[BaseRoute]:
    return [
        Route("/signin", signin_form, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/api/v1/auth/session", session_info),
    ]
