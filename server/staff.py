"""Staff accounts managed from the admin console (issue 15, item 5): add, set role, reset
password, limit a clerk to counters or areas, disable and enable. Each change is one writer
transaction with its audit row (who, what, before → after: never a password); a change of
password or role, or a disable, ends every token and session the user had (its
``sessions_after`` moves, and Standing's cache in this process is forgotten). An
installation always keeps one enabled admin."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from datetime import datetime
from typing import Any

from server.accounts import MIN_PASSWORD_CHARS, Role, hash_password
from server.domain.errors import InvalidRequest, LastAdmin, NameTaken, NotFound
from server.domain.office import Office
from server.store import accounts as accounts_rows
from server.store import admin_audit
from server.store import staff as rows
from server.store.unit_of_work import Tx, Writer

USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,80}")
MAX_PASSWORD_CHARS = 200
UNCHANGED: Any = object()  # a field a change leaves as it is


def check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidRequest(
            "ユーザー名は半角の英数字と . _ @ - で、80文字までです。", field="username"
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidRequest(
            f"パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください。", field="password"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidRequest(f"パスワードは{MAX_PASSWORD_CHARS}文字までです。", field="password")


def check_limits(offices: list[Office], counters: Any, areas: Any) -> None:
    """Counters and areas a clerk may be limited to must be an office's (of any office of
    the installation: the limits apply in each office she works in)."""
    known_counters = list(dict.fromkeys(c for o in offices for c in o.counters))
    known_areas = list(dict.fromkeys(a for o in offices for a in o.areas))
    for field, values, known in (
        ("counters", counters, known_counters),
        ("areas", areas, known_areas),
    ):
        if values is UNCHANGED or values is None:
            continue
        unknown = [v for v in values if v not in known]
        if unknown:
            what = "窓口" if field == "counters" else "エリア"
            raise InvalidRequest(
                f"{what} {', '.join(unknown)} はこの庁舎にありません"
                f"（あるのは {', '.join(known)}）。",
                field=field,
            )


@dataclasses.dataclass(frozen=True)
class Change:
    """What an admin changes of an account; UNCHANGED fields stay as they are."""

    role: Any = UNCHANGED  # Role
    password: Any = UNCHANGED  # str
    counters: Any = UNCHANGED  # list[str] | None (None: any)
    areas: Any = UNCHANGED  # list[str] | None
    disabled: Any = UNCHANGED  # bool
    offices: Any = UNCHANGED  # dict[str, Role] | None (None: `role` in every office)

    @property
    def ends_sessions(self) -> bool:
        """A change of what the user may do (role, offices), of the password, or a disable
        ends every token and session: a screen opened before may show what no longer
        belongs to her."""
        return (
            self.role is not UNCHANGED
            or self.offices is not UNCHANGED
            or self.password is not UNCHANGED
            or self.disabled is True
        )


def _audit(tx: Tx, actor: str, action: str, target: str, before: Any, after: Any) -> None:
    admin_audit.write(
        tx.conn,
        office=None,  # accounts are the installation's, not one office's
        at=tx.now,
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
    )


def _shown(user: dict[str, Any] | None) -> dict[str, Any] | None:
    """An account as its audit row keeps it (no password, no sign-in time)."""
    if user is None:
        return None
    return {k: user[k] for k in ("role", "disabled", "counters", "areas", "offices")}


def _offices_text(offices: dict[str, Role] | None) -> dict[str, str] | None:
    """Roles per office as stored; an empty map is no limit (every office)."""
    return {o: str(r) for o, r in offices.items()} if offices else None


def check_offices(known: list[str], offices: Any) -> None:
    """The offices a user is staff of must be the installation's."""
    if offices is UNCHANGED or offices is None:
        return
    if not offices:
        raise InvalidRequest(
            "offices が空です。すべての庁舎で働くなら null、やめるなら停止してください。",
            field="offices",
        )
    unknown = [o for o in offices if o not in known]
    if unknown:
        raise InvalidRequest(
            f"庁舎 {', '.join(unknown)} はありません（あるのは {', '.join(known)}）。",
            field="offices",
        )


def _refuse_last_admin(tx: Tx, user: dict[str, Any], change: Change) -> None:
    # An admin of every office (no offices named) manages the accounts: the last one stays.
    is_enabled_admin = user["role"] == Role.ADMIN and not user["disabled"] and not user["offices"]
    stays = (
        (change.role is UNCHANGED or change.role is Role.ADMIN)
        and change.disabled is not True
        and (change.offices is UNCHANGED or not change.offices)
    )
    if is_enabled_admin and not stays and rows.enabled_admins(tx.conn) <= 1:
        raise LastAdmin(
            f"{user['username']} さんは有効な最後の管理者です。停止や権限の変更は、"
            "先に別の管理者を追加してから行ってください。",
            username=user["username"],
        )


def _nonempty(values: Any) -> Any:
    """An empty list of counters or areas is no limit."""
    return None if values is not UNCHANGED and not values else values


async def add(
    writer: Writer,
    actor: str,
    username: str,
    role: Role,
    password: str,
    now: datetime,
    offices: dict[str, Role] | None = None,
) -> dict[str, Any]:
    check_username(username)
    check_password(password)
    hashed = await asyncio.to_thread(hash_password, password)

    def put(tx: Tx) -> dict[str, Any]:
        if rows.user(tx.conn, username) is not None:
            raise NameTaken(f"職員 {username} はすでにいます。", field="username")
        accounts_rows.insert_user(tx.conn, username, hashed, str(role), tx.now, time.time())
        if offices:
            rows.change(tx.conn, username, offices=_offices_text(offices))
        added = rows.user(tx.conn, username)
        assert added is not None
        _audit(tx, actor, "staff.add", username, None, _shown(added))
        return added

    added = (await writer.run(None, put, now, actor)).result
    writer.account_changes += 1
    return added


async def change(
    writer: Writer, actor: str, username: str, what: Change, now: datetime
) -> dict[str, Any]:
    """Apply `what` to the account: 404 for none, 409 for the last admin."""
    what = dataclasses.replace(what, counters=_nonempty(what.counters), areas=_nonempty(what.areas))
    hashed = UNCHANGED
    if what.password is not UNCHANGED:
        check_password(what.password)
        hashed = await asyncio.to_thread(hash_password, what.password)

    def apply(tx: Tx) -> dict[str, Any]:
        before = rows.user(tx.conn, username)
        if before is None:
            raise NotFound(f"職員 {username} はいません。", kind="staff", id=username)
        _refuse_last_admin(tx, before, what)
        values: dict[str, Any] = {
            key: getattr(what, key)
            for key in ("counters", "areas", "disabled")
            if getattr(what, key) is not UNCHANGED
        }
        if what.role is not UNCHANGED:
            values["role"] = str(what.role)
        if what.offices is not UNCHANGED:
            values["offices"] = _offices_text(what.offices)
        if hashed is not UNCHANGED:
            values["password_hash"] = hashed
        if what.ends_sessions:
            values["sessions_after"] = time.time()
        rows.change(tx.conn, username, **values)
        after = rows.user(tx.conn, username)
        assert after is not None
        shown_after = _shown(after)
        if hashed is not UNCHANGED and shown_after is not None:
            shown_after["password_reset"] = True  # that it changed, never what it is
        _audit(tx, actor, _action(what), username, _shown(before), shown_after)
        return after

    changed = (await writer.run(None, apply, now, actor)).result
    writer.account_changes += 1  # this process's Standing forgets what it remembered
    return changed


def _action(what: Change) -> str:
    if what.disabled is True:
        return "staff.disable"
    if what.disabled is False:
        return "staff.enable"
    return "staff.change"


def listed(writer: Writer) -> list[dict[str, Any]]:
    with writer.engines.reader.connect() as conn:
        return rows.users(conn)


async def signed_in(writer: Writer, username: str, now: datetime) -> None:
    def mark(tx: Tx) -> None:
        rows.signed_in(tx.conn, username, tx.now)

    await writer.run(None, mark, now)
