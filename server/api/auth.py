"""Who is asking: signed staff tokens (Bearer) and device tokens."""

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


def require_staff(conn: HTTPConnection, tokens: Tokens, role: Role = Role.CLERK) -> Staff:
    token = bearer(conn)
    if token is None:
        raise ApiError(401, "unauthorized", "職員のサインインが必要です。")
    staff = tokens.verify(token)
    if staff is None:
        raise ApiError(
            401, "unauthorized", "サインインの有効期限が切れたか、トークンが正しくありません。"
        )
    if staff.role.rank < role.rank:
        raise ApiError(403, "forbidden", f"この操作には {role} 以上の権限が必要です。")
    return staff
