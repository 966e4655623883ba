"""Waiting counts per service and day, kept by the writer so that a new ticket's place in
line costs nothing.

Counting the line with SQL for every ticket grew with the queue (a fifth of the writer's
time at a few thousand waiting). The counts live on the writer's connection and are
valid at one office version: the version is read under the office lock at the start of
every transaction, so a change made by another process is noticed and the counts are read
again; a rolled-back command drops them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection

from .raw import raw

_KEY = "madoguchi.lines"


class Lines:
    def __init__(self) -> None:
        self.version: dict[str, int] = {}
        self.counts: dict[str, Counter[tuple[str, Any]]] = {}
        self.last_inserted: str | None = None

    def check(self, office: str, version: int) -> None:
        if self.version.get(office) != version:
            self.drop(office)

    def stamp(self, office: str, version: int) -> None:
        if office in self.counts:
            self.version[office] = version

    def drop(self, office: str) -> None:
        self.version.pop(office, None)
        self.counts.pop(office, None)
        self.last_inserted = None

    def change(self, office: str, key: tuple[str, Any], delta: int) -> None:
        counts = self.counts.get(office)
        if counts is not None:
            counts[key] += delta

    def count(self, conn: Connection, office: str, key: tuple[str, Any]) -> int:
        counts = self.counts.get(office)
        if counts is None:
            cursor = raw(conn).execute(
                "SELECT service, day, count(*) FROM ticket"
                " WHERE office = :office AND status = 'waiting' GROUP BY service, day",
                {"office": office},
            )
            counts = self.counts[office] = Counter(
                {(r[0], r[1]): int(r[2]) for r in cursor.fetchall()}
            )
            cursor.close()
        return counts[key]


def lines(conn: Connection) -> Lines:
    found = conn.info.get(_KEY)
    if found is None:
        found = conn.info[_KEY] = Lines()
    return found
