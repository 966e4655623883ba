"""Supervisors' and admins' commands: a new revision of the office's settings (the notice,
a service's issuing, cap and cut-off, the whole settings), and calling a given ticket to a
given counter. Each runs on the writer inside the office's lock, like every command
(server/commands.py), and writes its audit row (who, what, before -> after) in the same
transaction: a refused change alters nothing, not even the log."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import datetime, time
from typing import Any, TypedDict

from printer.address import parse_uri
from server import office_settings
from server.agent_link import AGENT_URI
from server.commands import TicketInfo, counter_of, describe, refuse_if_held
from server.context import Context
from server.domain import calendar, lifecycle
from server.domain.errors import (
    CounterNotOpen,
    EditConflict,
    InvalidRequest,
    InvalidTransition,
    NotFound,
)
from server.domain.events import Event, EventType
from server.domain.office import CounterState, Office, Service
from server.domain.ticket import Action, Status
from server.office_file import KeyProblem, office_from_document
from server.store import admin_audit, offices, tickets
from server.store import office_settings as settings_rows
from server.store.unit_of_work import Tx

Document = dict[str, Any]


class SettingsChange(TypedDict):
    revision: int
    before: Any
    after: Any


def service_settings(service: Service) -> dict[str, Any]:
    """What a supervisor sets on a line, as the API and the audit log show it."""
    return {
        "issuing": "stopped" if service.issuing_stopped else "open",
        "daily_cap": service.daily_cap,
        "cutoff": f"{service.cutoff:%H:%M}",
    }


def notice_settings(office: Office) -> dict[str, Any]:
    until = office.notice_until
    return {"text": dict(office.notice), "until": until.isoformat() if until else None}


@dataclasses.dataclass(frozen=True)
class ChangeSettings:
    """Put a new revision of the office's settings in force: `edit` turns the document in
    force into the new one; `shown` is what the audit log (and a 409) shows of the part
    changed. With `expected_revision` (the client's If-Match) a change made on settings
    someone else changed since is refused (409 edit_conflict, with the current value)."""

    action: str
    target: str | None
    edit: Callable[[Document], Document]
    shown: Callable[[Office], Any]
    expected_revision: int | None = None

    def __call__(self, ctx: Context, tx: Tx) -> SettingsChange:
        current = ctx.office
        if self.expected_revision is not None and self.expected_revision != current.revision:
            raise EditConflict(
                "ほかの職員が先に設定を変更しました。現在の値を確かめてから、もう一度操作してください。",
                current=self.shown(current),
                revision=current.revision,
            )
        document = settings_rows.document(tx.conn, current.id, current.revision)
        if document is None:
            raise InvalidRequest("この庁舎の設定はデータベースにありません。", field="office")
        changed = self.edit(copy.deepcopy(document))
        try:
            office = office_from_document(changed)
        except KeyProblem as e:
            raise InvalidRequest(f"{e.key}: {e.problem}", field=e.key) from None
        except (TypeError, ValueError, AttributeError) as e:  # a shape the file never has
            raise InvalidRequest(f"設定の形が正しくありません: {e}", field="document") from None
        if office.id != current.id:
            raise InvalidRequest("office.id は変えられません。", field="office.id")
        refuse_unsafe_change(ctx, tx, current, office)
        _refuse_another_office_s_device(tx, office)
        office = office_settings.store_document(ctx, tx, changed, tx.now)
        offices.ensure_office(tx.conn, office.id, list(office.counters))
        tx.append(
            Event(
                EventType.SETTINGS_CHANGED,
                data={"revision": office.revision, "action": self.action, "target": self.target},
            )
        )
        before, after = self.shown(current), self.shown(office)
        if self.action == "settings":  # the whole settings: the audit shows what moved
            before, after = changed_paths(document, changed)
        admin_audit.write(
            tx.conn,
            office=office.id,
            at=tx.now,
            actor=tx.actor or "system",
            action=self.action,
            target=self.target,
            before=before,
            after=after,
        )
        return SettingsChange(revision=office.revision, before=before, after=after)


def refuse_unsafe_change(ctx: Context, tx: Tx, current: Office, new: Office) -> None:
    """What a document may say but the office cannot do today: a cap below today's count,
    a service gone with visitors in its line, a counter gone while open or holding one."""
    day = calendar.business_day(current, tx.now)
    for i, service in enumerate(new.services.values()):
        if service.daily_cap is not None:
            issued = tickets.issued_count(tx.conn, current.id, service.id, day)
            if service.daily_cap < issued:
                raise InvalidRequest(
                    f"「{service.names['ja']}」は本日すでに {issued} 枚発券しています。"
                    f"上限をそれより少なくはできません。",
                    field=f"services[{i}].daily_cap",
                    issued=issued,
                )
    for service_id in current.services.keys() - new.services.keys():
        if tickets.waiting_line(tx.conn, current.id, service_id, day):
            raise InvalidRequest(
                f"業務 {service_id} にはお待ちの方がいます。削除する前に発券を停止し、"
                "列が空になってからにしてください。",
                field="services",
                service=service_id,
            )
    for i, kiosk in enumerate(new.kiosks.values()):
        if kiosk.printer and not kiosk.printer.startswith(AGENT_URI):
            try:
                parse_uri(kiosk.printer)
            except ValueError as e:
                raise InvalidRequest(str(e), field=f"kiosks[{i}].printer") from None
    states = offices.counter_states(tx.conn, current.id)
    for counter_id in current.counters.keys() - new.counters.keys():
        if states.get(counter_id, CounterState.CLOSED) is not CounterState.CLOSED:
            raise InvalidRequest(
                f"{counter_id}番窓口は開設中です。閉鎖してから削除してください。",
                field="counters",
                counter=counter_id,
            )


def _index(document: Document, key: str, ident: str) -> int:
    for i, item in enumerate(document.get(key, [])):
        if isinstance(item, dict) and item.get("id") == ident:
            return i
    raise NotFound(f"{ident!r} はありません。", kind=key.rstrip("s"), id=ident)


def set_notice(
    text: dict[str, str], until: datetime | None, expected_revision: int | None
) -> ChangeSettings:
    def edit(document: Document) -> Document:
        head = document.setdefault("office", {})
        head.pop("notice", None)
        head.pop("notice_until", None)
        if text:
            head["notice"] = dict(text)
            if until is not None:
                head["notice_until"] = until.isoformat()
        return document

    return ChangeSettings("notice", None, edit, notice_settings, expected_revision)


def set_service(
    service: str, changes: dict[str, Any], expected_revision: int | None
) -> ChangeSettings:
    """`changes`: any of issuing ("open" | "stopped"), daily_cap (a number, or None for no
    cap) and cutoff (a time), as the API's body has them, already checked for type."""

    def edit(document: Document) -> Document:
        item = document["services"][_index(document, "services", service)]
        if "issuing" in changes:
            item.pop("issuing", None)
            if changes["issuing"] == "stopped":
                item["issuing"] = "stopped"
        if "daily_cap" in changes:
            item.pop("daily_cap", None)
            if changes["daily_cap"] is not None:
                item["daily_cap"] = changes["daily_cap"]
        if "cutoff" in changes:
            cutoff: time = changes["cutoff"]
            closes = _time(document.get("office", {}).get("closes", "17:00"))
            if cutoff > closes:
                raise InvalidRequest(
                    f"受付終了 {cutoff:%H:%M} が閉庁 {closes:%H:%M} より後です。",
                    field="cutoff",
                )
            item["cutoff"] = f"{cutoff:%H:%M}"
        return document

    def shown(office: Office) -> Any:
        found = office.services.get(service)
        return service_settings(found) if found else None

    return ChangeSettings("service", service, edit, shown, expected_revision)


def _refuse_another_office_s_device(tx: Tx, office: Office) -> None:
    """A kiosk's or display's name is its own in the installation (its token and screen
    address name it alone): one another office lists is refused, or that office's admin
    could take the device over by rotating its token."""
    mine = set(office.kiosks) | set(office.displays)
    for other in offices.office_ids(tx.conn):
        if other == office.id or not mine:
            continue
        revision = settings_rows.revision_in_force(tx.conn, other)
        document = settings_rows.document(tx.conn, other, revision) if revision else None
        if document is None:
            continue
        theirs = {str(d.get("id")) for key in ("kiosks", "displays") for d in document.get(key, [])}
        taken = sorted(mine & theirs)
        if taken:
            raise InvalidRequest(
                f"機器名 {', '.join(taken)} は庁舎 {other} が使っています。"
                "機器名は設置全体で一つずつにしてください。",
                field="kiosks",
            )


def replace_settings(document: Document, expected_revision: int | None) -> ChangeSettings:
    """The whole settings (the console's settings screen, `madoguchi office import`)."""

    def edit(_current: Document) -> Document:
        return copy.deepcopy(document)

    return ChangeSettings("settings", None, edit, _revision_only, expected_revision)


def changed_paths(old: Any, new: Any, path: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """The leaves that differ between two documents, by path (services[2].prefix): the
    values before, and after (a leaf gone has no value after, a new one none before)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            b, a = changed_paths(old.get(key), new.get(key), sub)
            before.update(b)
            after.update(a)
    elif isinstance(old, list) and isinstance(new, list) and _by_id(old) and _by_id(new):
        olds, news = _by_id(old), _by_id(new)
        for ident in list(olds) + [i for i in news if i not in olds]:
            b, a = changed_paths(olds.get(ident), news.get(ident), f"{path}[{ident}]")
            before.update(b)
            after.update(a)
    elif old != new:
        if old is not None:
            before[path] = old
        if new is not None:
            after[path] = new
    return before, after


def _by_id(items: list[Any]) -> dict[str, Any]:
    """A list of tables each with an id, by id (empty when it is not one)."""
    if not all(isinstance(i, dict) and "id" in i for i in items):
        return {}
    return {str(i["id"]): i for i in items}


def _revision_only(office: Office) -> Any:
    return {"revision": office.revision}


def _time(value: Any) -> time:
    """A time of the stored document (validated when stored: "8:30" or "08:30")."""
    hours, minutes = (int(x) for x in str(value).split(":"))
    return time(hours, minutes)


@dataclasses.dataclass(frozen=True)
class CallToCounter:
    """A supervisor calls a given waiting ticket to a given counter: a visitor
    who needs a particular clerk. The counter must be open and free."""

    ticket_id: str
    counter: str

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo:
        office = ctx.office
        counter = counter_of(office, self.counter)
        ticket = tickets.get_ticket(tx.conn, self.ticket_id)
        if ticket is None or ticket.office != office.id:
            raise NotFound(f"受付票 {self.ticket_id!r} はありません。", kind="ticket")
        if ticket.status is not Status.WAITING:
            raise InvalidTransition(
                f"{ticket.number} は「{ticket.status}」です。お待ちの番号だけを呼び出せます。",
                status=str(ticket.status),
                action="call",
            )
        state = offices.counter_states(tx.conn, office.id).get(counter.id, CounterState.CLOSED)
        if state is not CounterState.OPEN:
            raise CounterNotOpen(
                f"{counter.id}番窓口は開設されていません。開設してから呼び出してください。",
                state=str(state),
            )
        refuse_if_held(ctx, tx, counter, "呼び出してください")
        after, event = lifecycle.apply(
            ticket, Action.CALL, tx.now, office.services[ticket.service], counter=counter.id
        )
        tickets.update_ticket(tx.conn, after)
        tx.append(event)
        admin_audit.write(
            tx.conn,
            office=office.id,
            at=tx.now,
            actor=tx.actor or "system",
            action="call_to_counter",
            target=ticket.number,
            before={"status": str(ticket.status), "counter": ticket.counter},
            after={"status": str(after.status), "counter": counter.id},
        )
        return describe(ctx, tx, after)
