"""The admin console (管理画面) at /admin: for supervisors and admins, with the counter
app's session, CSRF and sign-in throttle. One shell (header, the sections' tabs, the
signed-in user) around each section's own fragment and ES module:
templates/admin/<section>.html and static/admin/<section>.js."""

from __future__ import annotations

import dataclasses
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from printer.languages import BY_CODE
from server.accounts import MIN_PASSWORD_CHARS, Role
from server.api.session import Session, page_headers, page_session, session_json
from server.api.state import several_offices, staff_offices, system_for
from server.permissions import LOWEST_ROLE, Action, actions_of, may

from . import HERE, render_text


@dataclasses.dataclass(frozen=True)
class Section:
    path: str  # under /admin
    title: str
    action: Action  # what the signed-in user must be allowed to see it


SECTIONS: dict[str, Section] = {
    "floor": Section("", "フロア", Action.VIEW_FLOOR),
    "reports": Section("/reports", "集計", Action.VIEW_REPORTS),
    "settings": Section("/settings", "設定", Action.EDIT_SETTINGS),
    "staff": Section("/staff", "職員", Action.MANAGE_STAFF),
    "devices": Section("/devices", "機器", Action.MANAGE_DEVICES),
    "audit": Section("/audit", "操作記録", Action.VIEW_AUDIT),
}

_FORBIDDEN = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>権限がありません — 管理画面</title>
<link rel="stylesheet" href="/static/web/web.css"></head>
<body class="signin"><main class="card"><h1>この画面を使う権限がありません</h1>
<p>{what}は{role}の画面です。{user} さん（{has}）はサインインしていますが、この画面は使えません。</p>
<p>窓口の仕事は <a href="/counter">窓口端末</a> で行えます。権限が必要な場合は係長または管理者に連絡してください。</p>
<form method="post" action="/signout"><input type="hidden" name="csrf" value="{csrf}">
<button type="submit" class="primary">別の職員でサインインする</button></form>
</main></body></html>"""

ROLE_NAMES = {Role.CLERK: "窓口職員", Role.SUPERVISOR: "係長（監督者）", Role.ADMIN: "管理者"}


def _forbidden(session: Session, section: Section) -> Response:
    page = _FORBIDDEN.format(
        what=html.escape(f"管理画面の「{section.title}」"),
        role=html.escape(ROLE_NAMES[LOWEST_ROLE[section.action]] + "以上"),
        user=html.escape(session.staff.username),
        has=html.escape(ROLE_NAMES[session.staff.role]),
        csrf=html.escape(session.csrf),
    )
    return HTMLResponse(page, status_code=403, headers=page_headers())


def section_session(request: Request, name: str) -> Session | Response:
    """The session of a user who may see the section `name` (its pages too), or the answer
    to send instead: the sign-in page (and back after it), or the 403 page that says why."""
    section = SECTIONS[name]
    session = page_session(request, Role.CLERK)
    if not isinstance(session, Session):
        return session
    if not may(session.staff.role, section.action):
        return _forbidden(session, section)
    return session


def _page(request: Request, name: str) -> Response:
    section = SECTIONS[name]
    session = section_session(request, name)
    if not isinstance(session, Session):
        return session
    office = system_for(request, session.office).office
    systems = several_offices(request)
    # Several offices: each tab's address names this one (the first office needs none).
    suffix = f"?office={office.id}" if len(systems) > 1 else ""
    role = session.staff.role
    config = {
        "office": {"id": office.id, "names": office.names, "timezone": office.timezone},
        "section": name,
        "session": session_json(session),
        "may": actions_of(role),
        "languages": [{"code": lang.code, "name": lang.staff_name} for lang in BY_CODE.values()],
        # The office's areas and counters, by id (the staff tab limits a clerk to some).
        "areas": [{"id": a.id, "name": a.names.get("ja", a.id)} for a in office.areas.values()],
        "counters": [{"id": c.id, "area": c.area} for c in office.counters.values()],
        "min_password_chars": MIN_PASSWORD_CHARS,
        # The other offices this staff member works in, for the header's switch; every
        # office of the installation, for the staff tab's roles per office.
        "offices": staff_offices(request, session.staff),
        "installation_offices": [
            {"id": s.office.id, "name": s.office.names.get("ja", s.office.id)} for s in systems
        ]
        if len(systems) > 1
        else [],
    }
    tabs = "".join(
        f'<a href="/admin{s.path}{suffix}"{" aria-current=page" if key == name else ""}>'
        f"{html.escape(s.title)}</a>"
        for key, s in SECTIONS.items()
        if may(role, s.action)
    )
    fragment = (HERE / "templates" / "admin" / f"{name}.html").read_text(encoding="utf-8")
    shell = (HERE / "templates" / "admin" / "shell.html").read_text(encoding="utf-8")
    page = render_shell(shell, fragment, tabs, name)
    return HTMLResponse(
        render_text(
            page,
            config,
            username=session.staff.username,
            csrf=session.csrf,
            title=section.title,
            role=ROLE_NAMES[role],
        ),
        headers=page_headers(),
    )


def render_shell(shell: str, fragment: str, tabs: str, name: str) -> str:
    # The shell and the fragments are ours (not user data): joined before $-substitution.
    return (
        shell.replace("__TABS__", tabs).replace("__MAIN__", fragment).replace("__SECTION__", name)
    )


def _route(name: str) -> Route:
    async def endpoint(request: Request) -> Response:
        return _page(request, name)

    return Route(f"/admin{SECTIONS[name].path}", endpoint, name=f"admin-{name}")


def routes() -> list[BaseRoute]:
    return [_route(name) for name in SECTIONS]
