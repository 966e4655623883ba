"""A seeded discrete-event simulation of an office day, driving the real domain.

Tickets are issued through the issuing rule (domain/issuing.py) and numbered per service and day;
counters call with `call_policy.pick_next`; every change goes through `lifecycle.apply`,
whose events make the day's log. When a ticket is issued, the estimator (and the baselines)
are asked for its wait, seeing only the tickets and events of that moment, as the kiosk
would; the answer is kept with the ticket for scoring.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import heapq
import itertools
import math
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.domain import appointment, call_policy, issuing, lifecycle
from server.domain.estimate import Estimate, estimate
from server.domain.events import Event, EventType
from server.domain.office import CounterState, Office
from server.domain.queue_state import HOLD_WINDOW_MIN, LogEvent, QueueState, build_state
from server.domain.ticket import ACTIVE, Action, Status, Ticket

from . import baselines
from .evaluation import Scored
from .profile import ARRIVAL_SHAPE, FIRST_ARRIVAL, DayProfile


@dataclasses.dataclass
class Visit:
    """One ticket's stay in one service's line: a row of the day's log."""

    ticket: str  # the number, "A-023"
    service: str
    issued_at: datetime  # issued, or transferred into this service
    called_at: datetime | None = None  # the call that was answered (or the last unanswered)
    finished_at: datetime | None = None  # the counter let go: finished or transferred
    counter: str | None = None
    outcome: str = "waiting"  # served, no_show, left


@dataclasses.dataclass(frozen=True)
class Prediction:
    """What the kiosk would have said when a ticket was issued."""

    ticket: str  # the number
    service: str
    issued_at: datetime
    ahead: int
    estimates: dict[str, Estimate]  # evaluation.ESTIMATORS


@dataclasses.dataclass
class DayResult:
    profile: DayProfile
    seed: int
    visits: list[Visit]
    predictions: list[Prediction]
    events: list[LogEvent]


@dataclasses.dataclass
class _Desk:
    state: CounterState = CounterState.CLOSED
    holding: str | None = None  # ticket id
    pause_pending: bool = False


def predict(state: QueueState, service: str, ahead: int, prior_min: float) -> dict[str, Estimate]:
    return {
        "estimator": estimate(state, service, ahead),
        "queue_length": baselines.queue_length(state, service, ahead, prior_min),
        "head_of_line": baselines.head_of_line(state, service),
        "last_to_enter_service": baselines.last_to_enter_service(state, service),
    }


class Simulation:
    def __init__(self, office: Office, profile: DayProfile, seed: int) -> None:
        self.office = office
        self.profile = profile
        self.seed = seed
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(office.timezone)
        self.tickets: dict[str, Ticket] = {}
        self.desks = {c: _Desk() for c in office.counters}
        self.events: list[LogEvent] = []
        self.visits: dict[str, list[Visit]] = {}
        self.predictions: list[Prediction] = []
        self.numbers: dict[str, int] = {}
        self.will_come: set[str] = set()  # returned no-shows: they answer their next call
        self._queue: list[tuple[datetime, int, Callable[[datetime], object]]] = []
        self._order = itertools.count()
        self.booked: list[tuple[str, datetime]] = []  # (service, slot) not yet checked in

    # -- the clock -------------------------------------------------------------------------
    def at(self, when: datetime, action: Callable[[datetime], object]) -> None:
        heapq.heappush(self._queue, (when, next(self._order), action))

    def local(self, t: time) -> datetime:
        return datetime.combine(self.profile.day, t, self.tz)

    def later(self, now: datetime, bounds: tuple[float, float]) -> datetime:
        return now + timedelta(minutes=self.rng.uniform(*bounds))

    def run(self) -> DayResult:
        for counter in self.office.counters:
            self.at(self.local(FIRST_ARRIVAL), functools.partial(self.open, counter_id=counter))
        for counter, start, end in self.profile.lunch:
            self.at(self.local(start), functools.partial(self.pause, counter_id=counter))
            self.at(self.local(end), functools.partial(self.open, counter_id=counter))
        self.schedule_arrivals()
        self.schedule_bookings()
        while self._queue:
            now, _, action = heapq.heappop(self._queue)
            action(now)
        rows = sorted(
            (v for vs in self.visits.values() for v in vs), key=lambda v: (v.issued_at, v.ticket)
        )
        return DayResult(self.profile, self.seed, rows, self.predictions, self.events)

    def schedule_arrivals(self) -> None:
        """A Poisson process per service, its rate constant within each half hour."""
        start = self.local(FIRST_ARRIVAL)
        total = sum(ARRIVAL_SHAPE)
        for service in sorted(self.profile.arrivals):
            daily = self.profile.arrivals[service]
            for slot, weight in enumerate(ARRIVAL_SHAPE):
                per_min = daily * weight / total / 30.0
                t = self.rng.expovariate(per_min)
                while t < 30.0:
                    when = start + timedelta(minutes=slot * 30 + t)
                    self.at(when, functools.partial(self.issue, service_id=service))
                    t += self.rng.expovariate(per_min)

    def schedule_bookings(self) -> None:
        """The day's bookings, in random places of each service's slots; each visitor
        checks in around the slot's start (profile.check_in_min)."""
        for service_id in sorted(self.profile.bookings):
            service = self.office.services[service_id]
            if service.appointments is None:
                continue
            starts = appointment.slot_starts(
                self.office, service, self.profile.day, lambda _: False
            )
            places = [s for s in starts for _ in range(service.appointments.capacity)]
            wanted = min(round(self.profile.bookings[service_id]), len(places))
            for start in sorted(self.rng.sample(places, wanted)):
                self.booked.append((service_id, start))
                when = self.later(start, self.profile.check_in_min)
                self.at(when, functools.partial(self.check_in, service_id=service_id, start=start))

    # -- the log ---------------------------------------------------------------------------
    def record(self, now: datetime, event: Event) -> None:
        self.events.append(
            LogEvent(
                str(event.type), now, event.ticket, event.service, dict(event.data), event.counter
            )
        )

    def act(self, now: datetime, ticket_id: str, action: Action, **kw: Any) -> Ticket:
        ticket = self.tickets[ticket_id]
        after, event = lifecycle.apply(
            ticket, action, now, self.office.services[ticket.service], **kw
        )
        self.tickets[ticket_id] = after
        self.record(now, event)
        return after

    def state_now(self, now: datetime) -> QueueState:
        """What the server's snapshot would hold: active tickets, the last hours' log."""
        since = now - timedelta(minutes=HOLD_WINDOW_MIN)
        first = bisect.bisect_left([e.at for e in self.events], since)
        state = build_state(
            now,
            self.office.counters.values(),
            {c for c, d in self.desks.items() if d.state is CounterState.OPEN},
            [t for t in self.tickets.values() if t.status in ACTIVE],
            {s.id: s.mean_service_min for s in self.office.services.values()},
            self.events[first:],
            {t.id: t.issued_at for t in self.tickets.values()},
            {c for c, d in self.desks.items() if d.state is CounterState.PAUSED},
        )
        booked = appointment.expected(self.office, self.booked, now)
        return dataclasses.replace(state, booked=booked) if booked else state

    # -- visitors --------------------------------------------------------------------------
    def issue(self, now: datetime, service_id: str) -> None:
        service = self.office.services[service_id]
        issued = self.numbers.get(service_id, 0)
        if issuing.refusal(self.office, service, now, issued, lambda _: False) is not None:
            return  # after the cut-off: the visitor is turned away
        self.numbers[service_id] = issued + 1
        ticket = Ticket(
            id=f"t{len(self.tickets) + 1:05d}",
            office=self.office.id,
            service=service_id,
            prefix=service.prefix,
            seq=issued + 1,
            day=self.profile.day,
            token=f"sim{len(self.tickets) + 1}",
            lang="ja",
            priority=self.rng.random() < self.profile.priority,
            channel="kiosk",
            status=Status.WAITING,
            issued_at=now,
            queued_at=now,
        )
        self.tickets[ticket.id] = ticket
        self.record(
            now,
            Event(
                EventType.ISSUED,
                ticket=ticket.id,
                number=ticket.number,
                service=service_id,
                data={"priority": ticket.priority},
            ),
        )
        self.visits[ticket.id] = [Visit(ticket.number, service_id, now)]
        ahead = call_policy.position(ticket, self.tickets.values()) or 0
        self.predictions.append(
            Prediction(
                ticket.number,
                service_id,
                now,
                ahead,
                predict(self.state_now(now), service_id, ahead, service.mean_service_min),
            )
        )
        self.dispatch(now)

    def check_in(self, now: datetime, service_id: str, start: datetime) -> None:
        """A booking's visitor arrives: a ticket placed by call_policy.booking_place (no
        prediction is scored for it: its call waits for its slot, not for the line)."""
        self.booked.remove((service_id, start))
        service = self.office.services[service_id]
        grace = timedelta(minutes=service.appointments.grace_min if service.appointments else 0)
        booked, queued_at = call_policy.booking_place(start, grace, now)
        seq = self.numbers.get(service_id, 0) + 1
        self.numbers[service_id] = seq
        n = len(self.tickets) + 1
        ticket = Ticket(
            id=f"t{n:05d}",
            office=self.office.id,
            service=service_id,
            prefix=service.prefix,
            seq=seq,
            day=self.profile.day,
            token=f"sim{n}",
            lang="ja",
            priority=False,
            channel="appointment",
            status=Status.WAITING,
            issued_at=now,
            queued_at=queued_at,
            booked=booked,
        )
        self.tickets[ticket.id] = ticket
        event = Event(
            EventType.ISSUED, ticket.id, ticket.number, service_id, data={"booked": booked}
        )
        self.record(now, event)
        self.visits[ticket.id] = [Visit(ticket.number, service_id, now)]
        if booked and queued_at > now:
            self.at(queued_at, self.dispatch)  # called from its slot's start
        self.dispatch(now)

    def dispatch(self, now: datetime) -> None:
        """Every idle open counter calls its next ticket (clerks in no fixed order)."""
        idle = [c for c, d in self.desks.items() if d.state is CounterState.OPEN and not d.holding]
        self.rng.shuffle(idle)
        for counter_id in idle:
            waiting = [t for t in self.tickets.values() if t.status is Status.WAITING]
            chosen = call_policy.pick_next(self.office.counters[counter_id], waiting, now)
            if chosen is not None:
                self.call(now, counter_id, chosen.id)

    def call(self, now: datetime, counter_id: str, ticket_id: str) -> None:
        self.desks[counter_id].holding = ticket_id
        ticket = self.act(now, ticket_id, Action.CALL, counter=counter_id)
        visit = self.visits[ticket_id][-1]
        visit.called_at, visit.counter = now, counter_id
        comes = ticket.transfers > 0 or ticket_id in self.will_come
        if comes or self.rng.random() >= self.profile.no_show:
            self.at(self.later(now, self.profile.walk_min), lambda t: self.start(t, ticket_id))
            return
        self.at(now + timedelta(minutes=1), lambda t: self.act(t, ticket_id, Action.RECALL))
        self.at(
            self.later(now, self.profile.no_show_hold_min), lambda t: self.no_show(t, ticket_id)
        )

    def start(self, now: datetime, ticket_id: str) -> None:
        ticket = self.act(now, ticket_id, Action.START)
        times = self.profile.service_times[ticket.service]
        sigma2 = math.log(1 + times.cv**2)
        minutes = self.rng.lognormvariate(math.log(times.mean_min) - sigma2 / 2, math.sqrt(sigma2))
        self.at(now + timedelta(minutes=minutes), lambda t: self.end(t, ticket_id))

    def end(self, now: datetime, ticket_id: str) -> None:
        ticket = self.tickets[ticket_id]
        counter = ticket.counter
        visit = self.visits[ticket_id][-1]
        visit.finished_at, visit.outcome = now, "served"
        target = self.transfer_to(ticket.service)
        if target is not None:
            self.act(now, ticket_id, Action.TRANSFER, to_service=self.office.services[target])
            self.visits[ticket_id].append(Visit(ticket.number, target, now))
        else:
            after = self.act(now, ticket_id, Action.FINISH)
            if after.status is Status.PREPARING:
                self.at(
                    self.later(now, self.profile.pickup_min), lambda t: self.ready(t, ticket_id)
                )
        self.free(now, counter)

    def transfer_to(self, service: str) -> str | None:
        draw = self.rng.random()
        for target, share in sorted(self.profile.transfers.get(service, {}).items()):
            if draw < share:
                return target
            draw -= share
        return None

    def ready(self, now: datetime, ticket_id: str) -> None:
        self.act(now, ticket_id, Action.READY)
        self.at(self.later(now, (1.0, 6.0)), lambda t: self.act(t, ticket_id, Action.HAND_OVER))

    def no_show(self, now: datetime, ticket_id: str) -> None:
        counter = self.tickets[ticket_id].counter
        self.act(now, ticket_id, Action.NO_SHOW)
        visit = self.visits[ticket_id][-1]
        visit.outcome = "no_show"
        self.free(now, counter)
        if self.rng.random() < self.profile.returns:
            when = self.later(now, self.profile.return_after_min)
            self.at(when, lambda t: self.come_back(t, ticket_id))

    def come_back(self, now: datetime, ticket_id: str) -> None:
        ticket = self.tickets[ticket_id]
        line = call_policy.line(ticket.service, self.tickets.values())
        place = call_policy.return_place(
            self.office.return_rule, self.office.return_after, ticket, line, now
        )
        self.act(now, ticket_id, Action.RETURN, queued_at=place)
        self.will_come.add(ticket_id)
        self.visits[ticket_id][-1].outcome = "waiting"
        self.dispatch(now)

    # -- counters --------------------------------------------------------------------------
    def free(self, now: datetime, counter_id: str | None) -> None:
        if counter_id is None:
            return
        desk = self.desks[counter_id]
        desk.holding = None
        if desk.pause_pending:
            self.set_state(now, counter_id, CounterState.PAUSED)
        self.dispatch(now)

    def open(self, now: datetime, counter_id: str) -> None:
        desk = self.desks[counter_id]
        desk.pause_pending = False
        if desk.state is not CounterState.OPEN:
            self.set_state(now, counter_id, CounterState.OPEN)
        self.dispatch(now)

    def pause(self, now: datetime, counter_id: str) -> None:
        """A clerk goes to lunch once the visitor at the counter is done."""
        if self.desks[counter_id].holding:
            self.desks[counter_id].pause_pending = True
        else:
            self.set_state(now, counter_id, CounterState.PAUSED)

    def set_state(self, now: datetime, counter_id: str, state: CounterState) -> None:
        desk = self.desks[counter_id]
        desk.state, desk.pause_pending = state, False
        kind = EventType.COUNTER_OPENED if state is CounterState.OPEN else EventType.COUNTER_PAUSED
        self.record(now, Event(kind, counter=counter_id))


def simulate(office: Office, profile: DayProfile, seed: int) -> DayResult:
    return Simulation(office, profile, seed).run()


def scored(result: DayResult) -> list[Scored]:
    """The served tickets, each with the estimates made at its issue."""
    first: dict[str, Visit] = {}
    for v in result.visits:
        first.setdefault(v.ticket, v)
    out = []
    for p in result.predictions:
        visit = first[p.ticket]
        if visit.outcome != "served" or visit.called_at is None:
            continue
        wait = (visit.called_at - visit.issued_at).total_seconds() / 60
        out.append(Scored(p.ticket, p.issued_at, wait, p.estimates))
    return out
