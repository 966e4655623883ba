"""Kiosks' and displays' device tokens as the admin console manages them (issue 15, item
6): which of the office's devices are paired and since when, pair one (a token made and
shown once, in its pairing address), rotate (a new token: the old one is refused at once)
and revoke (no token: the device shows its pairing screen). Each change is one writer
transaction with its audit row, which never holds a token."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from server.domain.errors import InvalidTransition, NotFound
from server.domain.office import Office
from server.store import accounts as account_rows
from server.store import admin_audit
from server.store import staff as rows
from server.store.unit_of_work import Tx, Writer

Kind = Literal["kiosk", "display"]
TOKEN_BYTES = 24  # as `madoguchi device token` makes them


def kind_of(office: Office, device: str) -> Kind:
    if device in office.kiosks:
        return "kiosk"
    if device in office.displays:
        return "display"
    raise NotFound(f"機器 {device!r} はこの庁舎にありません。", kind="device", id=device)


def listed(writer: Writer, office: Office) -> list[dict[str, Any]]:
    """The office's kiosks, then its displays: whether each has a token, and since when."""
    names = [*office.kiosks, *office.displays]
    with writer.engines.reader.connect() as conn:
        paired = rows.devices(conn, names)
    devices: list[dict[str, Any]] = []
    for kind, found in (("kiosk", office.kiosks), ("display", office.displays)):
        for device_id, device in found.items():
            devices.append(
                {
                    "id": device_id,
                    "kind": kind,
                    "areas": list(device.areas),
                    "paired": device_id in paired,
                    "paired_at": paired.get(device_id),
                }
            )
    return devices


def pairing_address(base_url: str, kind: Kind, device: str, token: str) -> str:
    """Where the device's browser is opened once: the token rides in the fragment, which
    is never sent to the server (the page keeps it and removes it from the address)."""
    return f"{base_url.rstrip('/')}/{kind}/{device}#token={token}"


def _state(tx: Tx, device: str) -> dict[str, Any]:
    paired = rows.devices(tx.conn, [device])
    return {"paired": device in paired, "paired_at": paired.get(device)}


def _audit(tx: Tx, office: str, actor: str, action: str, device: str, before: Any) -> None:
    admin_audit.write(
        tx.conn,
        office=office,
        at=tx.now,
        actor=actor,
        action=action,
        target=device,
        before=before,
        after=_state(tx, device),
    )


async def issue(
    writer: Writer, office: Office, actor: str, device: str, now: datetime, *, rotate: bool
) -> str:
    """A new token for the device: `rotate` False (pairing) refuses one that has a token
    already (409: rotate it instead). Answers the token, to be shown once."""
    kind_of(office, device)
    token = secrets.token_urlsafe(TOKEN_BYTES)

    def put(tx: Tx) -> None:
        before = _state(tx, device)
        if before["paired"] and not rotate:
            raise InvalidTransition(
                f"{device} はペアリング済みです。新しいトークンにするには「更新」を使ってください。",
                status="paired",
                action="pair",
            )
        account_rows.put_device(tx.conn, device, token, tx.now)
        _audit(tx, office.id, actor, "device.rotate" if rotate else "device.pair", device, before)

    await writer.run(None, put, now, actor)
    return token


async def revoke(writer: Writer, office: Office, actor: str, device: str, now: datetime) -> bool:
    """The device's token ends (False: it had none)."""
    kind_of(office, device)

    def drop(tx: Tx) -> bool:
        before = _state(tx, device)
        dropped = rows.drop_device(tx.conn, device)
        if dropped:
            _audit(tx, office.id, actor, "device.revoke", device, before)
        return dropped

    return (await writer.run(None, drop, now, actor)).result
