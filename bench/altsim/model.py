"""One office day, event by event: arrivals, lines, counters, breaks, an outage, departures.

Written from OFFICE.md and the log format only, on purpose without reading the project's own
simulator, so that the two disagree where an office could.

- Arrivals per service are a non-homogeneous Poisson process (thinning) from 08:15, before the
  counters open, to 16:30: a crowd at the door, a morning peak about 09:45, a lunch dip
  12:00-13:00 and a smaller afternoon peak about 14:00. The day's load moves the volume
  (Mondays busier; a lognormal day-to-day spread); each service tilts the shape its own way.
- Service time is lognormal (mean from OFFICE.md, sigma 0.65-0.9 by service) and 3% of
  visits take 3-5 times as long (a missing document, a complicated case).
- Each counter calls from its services in its order of preference, earliest place first; a
  transferred visitor keeps the place of the first issue of the number in the new line.
- Counters go on breaks when they finish the visitor in hand: a staggered lunch rota (no two
  counters of one group at once where the group allows it) and short breaks. Some days one or
  two counters open only at noon; some days half the counters cannot call for 40 minutes.
- A visitor's patience is lognormal; one whose patience runs out before the call leaves.
  Some tell the system (cancel on the phone): outcome `left`, no call, no end time. The rest
  just go, and are found out when the number is called: a no-show, like those who stepped out.
  A no-show is called twice; `called_at` is the last call and `finished_at` is the end of the
  hold on days whose system records it, blank on the others.
- Counters keep serving after 17:00 until every ticket issued by 16:30 is done (19:00 at most).
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

from . import office

TZ = timezone(timedelta(hours=9), "JST")
FIRST_DAY = date(2025, 6, 2)  # a Monday; June has no national holiday in Japan
WEEKDAY_LOAD = (1.15, 1.0, 0.95, 0.95, 1.05)  # Monday .. Friday
OUTAGE_MIN = 40.0
OUTAGE_DAYS = 0.3  # share of days with an outage
NOON_DAYS = 0.25  # share of days where a counter opens at noon
NOON_CANDIDATES = ("3", "6", "10", "24")
STEP_OUT = 0.025  # visitors not there when called, whatever their patience
CANCELS = 0.45  # of those who give up, the share who tell the system
PATIENCE_SIGMA = 0.7
# The shape of arrivals over the day: (minutes after midnight, relative rate).
SHAPE: tuple[tuple[float, float], ...] = (
    (8 * 60 + 15, 2.4),
    (8 * 60 + 30, 1.7),
    (9 * 60, 1.25),
    (9 * 60 + 45, 1.5),
    (10 * 60 + 30, 1.35),
    (11 * 60 + 30, 1.0),
    (12 * 60, 0.6),
    (12 * 60 + 45, 0.5),
    (13 * 60 + 15, 0.85),
    (14 * 60, 1.1),
    (14 * 60 + 45, 1.0),
    (15 * 60 + 30, 0.75),
    (16 * 60 + 30, 0.45),
)


@dataclasses.dataclass(frozen=True)
class ServiceLaw:
    """Lognormal with the given mean, and a share of outliers 3-5 times as long."""

    mean_min: float
    sigma: float
    outlier_share: float = 0.03
    outlier_low: float = 3.0
    outlier_high: float = 5.0
    floor_min: float = 0.5
    cap_min: float = 150.0  # nobody is kept at a counter longer than this

    @property
    def mu(self) -> float:
        return math.log(self.mean_min) - self.sigma**2 / 2

    @property
    def expected_min(self) -> float:
        """The mean of `sample`, outliers, floor and cap included (exact for the lognormal,
        the outliers' uniform stretch integrated by the midpoint rule)."""
        n = 200
        body = self._clipped_mean(1.0)
        tail = sum(
            self._clipped_mean(
                self.outlier_low + (self.outlier_high - self.outlier_low) * (i + 0.5) / n
            )
            for i in range(n)
        )
        return (1 - self.outlier_share) * body + self.outlier_share * tail / n

    def _clipped_mean(self, k: float) -> float:
        """E[min(max(kX, floor), cap)] for X lognormal(mu, sigma)."""
        mu, s = self.mu + math.log(k), self.sigma

        def cdf(x: float) -> float:
            return 0.5 * (1 + math.erf((math.log(x) - mu) / (s * math.sqrt(2))))

        def partial(x: float) -> float:  # E[kX; kX < x]
            z = (math.log(x) - mu - s * s) / (s * math.sqrt(2))
            return math.exp(mu + s * s / 2) * 0.5 * (1 + math.erf(z))

        lo, hi = self.floor_min, self.cap_min
        return lo * cdf(lo) + partial(hi) - partial(lo) + hi * (1 - cdf(hi))

    def sample(self, rng: random.Random) -> float:
        x = rng.lognormvariate(self.mu, self.sigma)
        if rng.random() < self.outlier_share:
            x *= rng.uniform(self.outlier_low, self.outlier_high)
        return min(max(x, self.floor_min), self.cap_min)


def law(service: str) -> ServiceLaw:
    s = office.BY_ID[service]
    return ServiceLaw(s.mean_min, s.sigma)


@dataclasses.dataclass(frozen=True)
class Options:
    """What a caller may force; None leaves it to the day's draw."""

    load: float | None = None
    breaks: bool = True
    outage: bool | None = None
    noon_open: bool | None = None
    abandonment: bool = True
    no_shows: bool = True
    transfers: bool = True
    skew_s: float = 0.0  # the kiosk's clock ahead of the counters' by this much


@dataclasses.dataclass(frozen=True)
class Break:
    counter: str
    start_min: float  # when it is due; taken when the visitor in hand is done
    minutes: float
    kind: str  # lunch | short


@dataclasses.dataclass(frozen=True)
class Plan:
    day: date
    load: float
    breaks: tuple[Break, ...]
    outage: tuple[float, float] | None
    outage_counters: frozenset[str]
    opens: dict[str, float]  # counter -> minutes after midnight
    no_show_end_logged: bool


@dataclasses.dataclass(frozen=True)
class Record:
    """One row of the log."""

    ticket: str
    service: str
    issued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None
    counter: str | None
    outcome: str  # served | no_show | left


@dataclasses.dataclass(frozen=True)
class Day:
    plan: Plan
    records: list[Record]


def simulate(seed: int, days: int = 1, options: Options | None = None) -> list[Day]:
    """`days` weekdays from the seed's first day (FIRST_DAY plus seed mod 5 days, so the
    seeds spread over the week); each day has its own stream drawn from the seed."""
    out = []
    d = FIRST_DAY + timedelta(days=seed % 5)
    for index in range(days):
        while d.weekday() >= 5:
            d += timedelta(days=1)
        rng = random.Random(f"altsim:{seed}:{index}")
        out.append(simulate_day(rng, d, options or Options()))
        d += timedelta(days=1)
    return out


def records(seed: int, days: int = 1, options: Options | None = None) -> list[Record]:
    return [r for day in simulate(seed, days, options) for r in day.records]


# -- the day's plan ---------------------------------------------------------------------------


def plan_day(rng: random.Random, day: date, options: Options) -> Plan:
    load = options.load
    if load is None:
        load = WEEKDAY_LOAD[day.weekday()] * rng.lognormvariate(0.0, 0.12)
    opens = {c: float(office.OPENS) + rng.uniform(0.0, 3.0) for c in office.COUNTERS}
    noon = rng.random() < NOON_DAYS
    if options.noon_open is not None:
        noon = options.noon_open
    if noon:
        for c in rng.sample(NOON_CANDIDATES, rng.choice((1, 2))):
            opens[c] = 12 * 60 + rng.uniform(0.0, 5.0)
    breaks = _rota(rng, opens) if options.breaks else ()
    has_outage = rng.random() < OUTAGE_DAYS
    if options.outage is not None:
        has_outage = options.outage
    outage, down = None, frozenset[str]()
    if has_outage:
        start = rng.uniform(9 * 60 + 30, 15 * 60)
        outage = (start, start + OUTAGE_MIN)
        ids = sorted(office.COUNTERS, key=int)
        down = frozenset(rng.sample(ids, len(ids) // 2))
    return Plan(day, load, breaks, outage, down, opens, rng.random() < 0.5)


def _rota(rng: random.Random, opens: dict[str, float]) -> tuple[Break, ...]:
    groups: dict[str, list[str]] = {}
    for c, services in office.COUNTERS.items():
        groups.setdefault(services[0], []).append(c)
    slots = [11 * 60 + 30, 12 * 60 + 15, 13 * 60, 13 * 60 + 45]
    out = []
    for members in groups.values():
        first = rng.randrange(len(slots))
        for i, c in enumerate(rng.sample(members, len(members))):
            if opens[c] >= 12 * 60:
                continue  # a counter opened at noon has no lunch
            if len(members) == 1:
                start = rng.uniform(11 * 60 + 30, 13 * 60)
            else:
                start = slots[(first + i) % len(slots)] + rng.uniform(-5.0, 5.0)
            out.append(Break(c, start, rng.choice((45.0, 60.0)), "lunch"))
    for c in office.COUNTERS:
        if opens[c] < 12 * 60 and rng.random() < 0.6:
            out.append(Break(c, rng.uniform(10 * 60, 11 * 60), rng.uniform(10.0, 15.0), "short"))
        if rng.random() < 0.6:
            out.append(
                Break(c, rng.uniform(14 * 60 + 30, 15 * 60 + 45), rng.uniform(10.0, 15.0), "short")
            )
    return tuple(sorted(out, key=lambda b: (b.start_min, int(b.counter))))


# -- arrivals ---------------------------------------------------------------------------------


def _shape(t: float, tilt: float) -> float:
    noon = 12 * 60
    for (t0, y0), (t1, y1) in zip(SHAPE, SHAPE[1:], strict=False):
        if t0 <= t <= t1:
            y = y0 + (y1 - y0) * (t - t0) / (t1 - t0)
            return y * max(0.2, 1 + tilt * (noon - t) / 240)
    return 0.0


def _mean_shape(tilt: float) -> float:
    a, b = SHAPE[0][0], SHAPE[-1][0]
    n = 500
    return sum(_shape(a + (b - a) * (i + 0.5) / n, tilt) for i in range(n)) / n


def arrivals(rng: random.Random, expected: float, tilt: float) -> Iterator[float]:
    """Times (minutes after midnight) of a Poisson process of `expected` arrivals in all,
    with the day's shape, by thinning."""
    a, b = SHAPE[0][0], SHAPE[-1][0]
    top = 1.05 * max(_shape(a + (b - a) * i / 500, tilt) for i in range(501))
    rate = expected / ((b - a) * _mean_shape(tilt)) * top  # per minute, at the top
    t = float(a)
    while True:
        t += rng.expovariate(rate)
        if t > b:
            return
        if rng.random() * top < _shape(t, tilt):
            yield t


# -- the day ----------------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Visit:
    ticket: str
    service: str
    issued: float
    place: float  # place in line: the first issue of the number
    gives_up: float  # minutes after midnight
    away: bool = False  # will not answer a call
    gone: bool = False  # out of the line (called, or told the system they left)
    called: float | None = None
    finished: float | None = None
    counter: str | None = None
    outcome: str = "left"
    first: bool = True


@dataclasses.dataclass(eq=False)
class _Counter:
    id: str
    services: tuple[str, ...]
    opens: float
    breaks: list[Break]
    idle: bool = True


class _Office:
    def __init__(self, rng: random.Random, plan: Plan, options: Options) -> None:
        self.rng, self.plan, self.options = rng, plan, options
        self.events: list[tuple[float, int, str, object]] = []
        self.seq = 0
        self.lines: dict[str, list[tuple[float, int, _Visit]]] = {s.id: [] for s in office.SERVICES}
        self.visits: list[_Visit] = []
        self.counters = {
            c: _Counter(c, services, plan.opens[c], [b for b in plan.breaks if b.counter == c])
            for c, services in office.COUNTERS.items()
        }
        self.numbers: dict[str, int] = {}

    def push(self, at: float, kind: str, what: object) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, what))

    def new_visit(self, service: str, at: float, ticket: str | None, place: float) -> _Visit:
        s = office.BY_ID[service]
        transfer = ticket is not None
        if ticket is None:
            n = self.numbers[service] = self.numbers.get(service, 0) + 1
            ticket = f"{s.prefix}{n:03d}"
        patience = self.rng.lognormvariate(math.log(s.patience_median_min), PATIENCE_SIGMA)
        if transfer:
            patience *= 1.5  # already in the building, halfway through
        v = _Visit(ticket, service, at, place, at + patience)
        v.away = self.options.no_shows and self.rng.random() < STEP_OUT
        return v

    def run(self) -> list[_Visit]:
        for s in office.SERVICES:
            tilt = self.rng.uniform(-0.2, 0.2)
            for t in arrivals(self.rng, s.daily * self.plan.load, tilt):
                self.push(t, "arrive", self.new_visit(s.id, t, None, t))
        for c in self.counters.values():
            self.push(c.opens, "wake", c)
            for b in c.breaks:
                self.push(b.start_min, "wake", c)
        if self.plan.outage:
            for cid in sorted(self.plan.outage_counters, key=int):  # not set order: seeds
                self.push(self.plan.outage[1], "wake", self.counters[cid])
        while self.events:
            at, _, kind, what = heapq.heappop(self.events)
            if at > office.HARD_STOP:
                break
            if kind == "arrive":
                assert isinstance(what, _Visit)
                self.arrive(what, at)
            elif kind == "give_up":
                assert isinstance(what, _Visit)
                self.give_up(what)
            else:
                assert isinstance(what, _Counter)
                if kind == "free" or what.idle:
                    self.next(what, at)
        return sorted(self.visits, key=lambda v: (v.issued, v.ticket))

    def arrive(self, v: _Visit, at: float) -> None:
        self.visits.append(v)
        self.seq += 1
        bisect.insort(self.lines[v.service], (v.place, self.seq, v))
        if self.options.abandonment:
            self.push(v.gives_up, "give_up", v)
        for c in self.counters.values():
            if c.idle and v.service in c.services:
                self.next(c, at)

    def give_up(self, v: _Visit) -> None:
        if v.gone:
            return
        if self.rng.random() < CANCELS:
            v.gone = True  # outcome stays `left`, with no times
        else:
            v.away = True

    def next(self, c: _Counter, at: float) -> None:
        c.idle = True
        if at < c.opens:
            return
        due = [b for b in c.breaks if b.start_min <= at]
        if due and at < office.CLOSES:
            c.breaks.remove(due[0])
            self.busy(c, at + due[0].minutes)
            return
        outage = self.plan.outage
        if outage and c.id in self.plan.outage_counters and outage[0] <= at < outage[1]:
            return
        for service in c.services:
            line = self.lines[service]
            while line and line[0][2].gone:
                line.pop(0)
            if line:
                self.call(c, line.pop(0)[2], at)
                return

    def busy(self, c: _Counter, until: float) -> None:
        c.idle = False
        self.push(until, "free", c)

    def call(self, c: _Counter, v: _Visit, at: float) -> None:
        rng = self.rng
        v.gone, v.counter = True, c.id
        if v.away:
            again = at + rng.uniform(0.7, 1.5)
            end = again + rng.uniform(1.0, 2.0)
            v.called, v.outcome = again, "no_show"
            v.finished = end if self.plan.no_show_end_logged else None
            self.busy(c, end)
            return
        v.called, v.outcome = at, "served"
        v.finished = at + rng.uniform(0.3, 1.5) + law(v.service).sample(rng)
        self.busy(c, v.finished + rng.uniform(0.1, 0.5))
        if not self.options.transfers:
            return
        draw = rng.random()
        for target, share in office.TRANSFERS.get(v.service, ()):
            if draw < share:
                joins = v.finished + rng.uniform(0.5, 4.0)
                w = self.new_visit(target, joins, v.ticket, v.place)
                w.first = False
                self.push(joins, "arrive", w)
                return
            draw -= share


def simulate_day(rng: random.Random, day: date, options: Options) -> Day:
    plan = plan_day(rng, day, options)
    visits = _Office(rng, plan, options).run()
    base = datetime(day.year, day.month, day.day, tzinfo=TZ)

    def at(minutes: float | None, skew_s: float = 0.0) -> datetime | None:
        if minutes is None:
            return None
        return base + timedelta(seconds=round(minutes * 60 + skew_s))

    rows = []
    for v in visits:
        if v.outcome == "left":
            v.called = v.finished = None
            v.counter = None
        issued = at(v.issued, options.skew_s if v.first else 0.0)
        assert issued is not None
        rows.append(
            Record(v.ticket, v.service, issued, at(v.called), at(v.finished), v.counter, v.outcome)
        )
    return Day(plan, rows)
