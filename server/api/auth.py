"""Who is asking: signed staff tokens (Bearer), browser sessions (cookie + CSRF header, see
``server.api.session``) and device tokens."""

from __future__ import annotations

import dataclasses

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import HTTPConnection

from server.accounts import Role

from .errors import ApiError

TOKEN_MAX_AGE_S = 12 * 3600  # one working day


@dataclasses.dataclass(frozen=True)
class Staff:
    username: str
    role: Role


class Tokens:
    def __init__(self, key: str) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="staff-token")

    def issue(self, username: str, role: Role) -> str:
        return self._serializer.dumps({"u": username, "r": str(role)})

    def verify(self, token: str) -> Staff | None:
        try:
            data = self._serializer.loads(token, max_age=TOKEN_MAX_AGE_S)
        except (BadSignature, SignatureExpired):
            return None
        return Staff(data["u"], Role(data["r"]))


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token") if conn.scope["type"] == "websocket" else None


def _session_staff(conn: HTTPConnection) -> Staff | None:
    sessions = getattr(conn.app.state, "sessions", None)
    return None if sessions is None else sessions.staff_of(conn)  # type: ignore[no-any-return]


def staff_of(conn: HTTPConnection, tokens: Tokens) -> Staff | None:
    """The staff member behind a Bearer token (or ``?token=`` on a websocket), else behind
    the session cookie; None when neither is valid."""
    token = bearer(conn)
    if token is not None:
        return tokens.verify(token)
    return _session_staff(conn)


def require_staff(conn: HTTPConnection, tokens: Tokens, role: Role = Role.CLERK) -> Staff:
    token = bearer(conn)
    if token is None:
        staff = _session_staff(conn)  # a cookie-borne state change needs the CSRF header
        if staff is None:
            raise ApiError(401, "unauthorized", "職員のサインインが必要です。")
    else:
        staff = tokens.verify(token)
    if staff is None:
        raise ApiError(
            401, "unauthorized", "サインインの有効期限が切れたか、トークンが正しくありません。"
        )
    if staff.role.rank < role.rank:
        raise ApiError(403, "forbidden", f"この操作には {role} 以上の権限が必要です。")
    return staff
