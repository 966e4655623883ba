"""`madoguchi simulate --live URL`: drive a running demo gently through its HTTP API, so that
the kiosk, the displays, the public page and the ticket pages move: visitors arrive at the
simulator's daily rates (sped up), counters call, serve and finish, a few visitors do not
come. Everything goes through the same API a kiosk and a clerk use (stdlib HTTP only)."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import time
import urllib.error
import urllib.request
from typing import Any

from server.simulation.profile import NORMAL

DAY_MIN = 8 * 60  # the simulator's day: 08:30 to 16:30
NO_SHOW = 0.05
TICK_S = 1.0


class Api:
    def __init__(self, base: str, office: str) -> None:
        self.base = base.rstrip("/")
        self.office = office
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as e:
            if e.code in (204, 409):  # nobody waiting; a state that moved on meanwhile
                return None
            raise
        return json.loads(raw) if raw else None

    def sign_in(self, username: str, password: str) -> None:
        answer = self.call(
            "POST", "/api/v1/auth/token", {"username": username, "password": password}
        )
        self.token = answer["token"]


@dataclasses.dataclass
class Desk:
    counter: str
    ticket: dict[str, Any] | None = None
    until: float = 0.0


def run(
    base: str,
    user: tuple[str, str],
    speed: float = 30.0,
    counters: tuple[str, ...] = ("1", "4", "7", "8", "9", "21", "23"),
    seed: int = 1,
    duration_s: float | None = None,
) -> int:
    """`speed`: simulated minutes per real minute. Stops after `duration_s` (None: never)."""
    rng = random.Random(seed)
    api = Api(base, "nakano")
    api.sign_in(*user)
    office = api.call("GET", "/healthz")["office"]
    api.office = office
    root = f"/api/v1/offices/{office}"
    desks = [Desk(c) for c in counters]
    for desk in desks:
        api.call("POST", f"{root}/counters/{desk.counter}/open")
    # Per real second: daily arrivals / day length, sped up.
    rates = {s: n / DAY_MIN * speed / 60 * TICK_S for s, n in NORMAL.arrivals.items()}
    started = time.monotonic()
    issued = 0
    pickups: list[tuple[float, str, dict[str, Any]]] = []  # (when, next action, ticket)
    while duration_s is None or time.monotonic() - started < duration_s:
        now = time.monotonic()
        for service, rate in rates.items():
            for _ in range(_poisson(rng, rate)):
                lang = rng.choice(["ja", "ja", "en", "zh"])
                api.call("POST", f"{root}/tickets", {"service": service, "lang": lang})
                issued += 1
        for desk in desks:
            prepared = _work(api, root, desk, now, speed, rng)
            if prepared is not None:
                # The certificate is made in the back office, then called to the pickup
                # counter, then handed over.
                pickups.append((now + rng.uniform(6, 14) * 60 / speed, "ready", prepared))
        for item in [p for p in pickups if p[0] <= now]:
            pickups.remove(item)
            _, action, ticket = item
            api.call("POST", f"/api/v1/tickets/{ticket['id']}/{action}", {})
            if action == "ready":
                pickups.append((now + rng.uniform(1, 5) * 60 / speed, "hand-over", ticket))
        time.sleep(TICK_S)
    return issued


def _work(
    api: Api, root: str, desk: Desk, now: float, speed: float, rng: random.Random
) -> dict[str, Any] | None:
    """One counter's next step; the ticket whose request was taken for a pickup, if any."""
    ticket = desk.ticket
    prepared = None
    if ticket is not None and now < desk.until:
        return None
    if ticket is not None:
        if ticket["status"] == "called":
            if rng.random() < NO_SHOW:
                api.call("POST", f"/api/v1/tickets/{ticket['id']}/no-show")
            else:
                api.call("POST", f"/api/v1/tickets/{ticket['id']}/start")
                times = NORMAL.service_times.get(ticket["service"])
                minutes = rng.lognormvariate(math.log(times.mean_min if times else 10), 0.4)
                desk.ticket = {**ticket, "status": "serving"}
                desk.until = now + minutes * 60 / speed
                return None
        elif ticket["status"] == "serving":
            done = api.call("POST", f"/api/v1/tickets/{ticket['id']}/finish")
            if done and done.get("status") == "preparing":
                prepared = done
        desk.ticket = None
    called = api.call("POST", f"{root}/counters/{desk.counter}/call-next")
    if called:
        desk.ticket = called
        desk.until = now + rng.uniform(0.5, 1.5) * 60 / speed  # the walk to the counter
    return prepared


def _poisson(rng: random.Random, mean: float) -> int:
    count, edge = 0, math.exp(-mean)
    product = rng.random()
    while product > edge:
        count += 1
        product *= rng.random()
    return count
