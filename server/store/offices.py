"""An office's row (its version, which is also its lock: unit_of_work.lock_office) and
its counters' rows, in plain SQL."""

from __future__ import annotations

from sqlalchemy import Connection

from server.domain.office import CounterState

from .raw import raw


def ensure_office(conn: Connection, office: str, counters: list[str]) -> None:
    """The office's row and one row per counter (closed), where missing."""
    r = raw(conn)
    if r.one("SELECT id FROM office WHERE id = :id", {"id": office}) is None:
        r.run("INSERT INTO office (id, seq, settings_revision) VALUES (:id, 0, 0)", {"id": office})
    cursor = r.execute("SELECT id FROM counter WHERE office = :office", {"office": office})
    known = {row[0] for row in cursor.fetchall()}
    cursor.close()
    for counter in counters:
        if counter not in known:
            r.run(
                "INSERT INTO counter (office, id, state) VALUES (:office, :id, 'closed')",
                {"office": office, "id": counter},
            )


def office_ids(conn: Connection) -> list[str]:
    """Every office the database holds, by id."""
    return [str(r[0]) for r in raw(conn).execute("SELECT id FROM office ORDER BY id")]


def office_version(conn: Connection, office: str) -> int | None:
    row = raw(conn).one("SELECT seq FROM office WHERE id = :id", {"id": office})
    return None if row is None else int(row[0])


def office_head(conn: Connection, office: str) -> tuple[int, int]:
    """(version, settings revision in force) of an office; (0, 0) before its row exists."""
    row = raw(conn).one("SELECT seq, settings_revision FROM office WHERE id = :id", {"id": office})
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def counter_states(conn: Connection, office: str) -> dict[str, CounterState]:
    cursor = raw(conn).execute(
        "SELECT id, state FROM counter WHERE office = :office", {"office": office}
    )
    states = {r[0]: CounterState(r[1]) for r in cursor.fetchall()}
    cursor.close()
    return states


def counter_holders(conn: Connection, office: str) -> dict[str, str]:
    """The clerk who holds each counter that is not closed (open or paused), by counter."""
    cursor = raw(conn).execute(
        "SELECT id, clerk FROM counter WHERE office = :office AND state <> 'closed'"
        " AND clerk IS NOT NULL",
        {"office": office},
    )
    holders = {r[0]: r[1] for r in cursor.fetchall()}
    cursor.close()
    return holders


def set_counter_state(
    conn: Connection, office: str, counter: str, state: CounterState, clerk: str | None
) -> None:
    raw(conn).run(
        "UPDATE counter SET state = :state, clerk = :clerk WHERE office = :office AND id = :id",
        {"office": office, "id": counter, "state": str(state), "clerk": clerk},
    )


def counter_clerk(conn: Connection, office: str, counter: str) -> str | None:
    row = raw(conn).one(
        "SELECT clerk FROM counter WHERE office = :office AND id = :id",
        {"office": office, "id": counter},
    )
    return None if row is None else row[0]
