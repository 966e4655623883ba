"""How right the wait estimate has been at this office, for the people who rely on it: the
estimator replayed over the office's own last working days (its event log, and the history
it imported), not over a simulator. Measured once per business day in the background; the
public page states the last measure (issue 18)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from server.domain.office import Office
from server.simulation.log import OUTCOMES, Row
from server.simulation.replay import replay
from server.store.engine import Engines

from .history import read_stays

log = logging.getLogger(__name__)

DAYS = 20  # the working days measured
MIN_DAYS = 5  # fewer of its own: nothing is claimed yet
LOOK_BACK_DAYS = 60  # calendar days searched for them (holidays, a long closure)


@dataclasses.dataclass(frozen=True)
class Accuracy:
    days: int  # working days with served tickets, at most DAYS
    tickets: int  # served tickets scored
    first: date | None
    last: date | None
    mae_min: float  # the mean absolute error of the point, minutes
    within_10_min: float  # the share within ±10 minutes (0..1)
    in_range: float  # the share whose wait fell inside the shown range (0..1)

    @property
    def enough(self) -> bool:
        return self.days >= MIN_DAYS and self.tickets > 0

    def as_dict(self) -> dict[str, object]:
        return {
            "days": self.days,
            "tickets": self.tickets,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "mae_min": round(self.mae_min, 1),
            "within_10_min": round(self.within_10_min, 3),
            "in_range": round(self.in_range, 3),
            "enough": self.enough,
        }


NONE_YET = Accuracy(0, 0, None, None, 0.0, 0.0, 0.0)


def measure(engines: Engines, office: Office, today: date) -> Accuracy:
    """The estimator replayed over the last DAYS working days before `today` that have
    served tickets, scored on each served ticket's estimate at its issue."""
    tz = ZoneInfo(office.timezone)
    stays = read_stays(
        engines, office, today - timedelta(days=LOOK_BACK_DAYS), today - timedelta(days=1), today
    )
    served_days = sorted(
        {s.issued_at.astimezone(tz).date() for s in stays if s.outcome == "served"}
    )
    kept = set(served_days[-DAYS:])
    if not kept:
        return NONE_YET
    rows = [
        Row(
            line=i,
            ticket=s.ticket,
            service=s.service,
            issued_at=s.issued_at,
            called_at=s.called_at,
            finished_at=s.finished_at,
            counter=s.counter,
            outcome=s.outcome if s.outcome in OUTCOMES else None,
        )
        for i, s in enumerate(stays, start=1)
        if s.issued_at.astimezone(tz).date() in kept
    ]
    prior = {s.id: float(s.mean_service_min) for s in office.services.values()}
    report = replay(rows, prior, tz).report
    score = report.scores["estimator"]
    return Accuracy(
        days=len(kept),
        tickets=report.tickets,
        first=min(kept),
        last=max(kept),
        mae_min=score.mae_min,
        within_10_min=score.within_10_min,
        in_range=score.coverage_80,
    )


class AccuracySource:
    """The last measure, made again once per business day in a thread of its own: a page
    never waits for a replay (the first page of a day shows the day before's). A day whose
    measure failed is not tried again until the next: it shows nothing."""

    def __init__(self, engines: Engines, office: Callable[[], Office]) -> None:
        self.engines = engines
        self.office = office  # the settings in force when a measure starts
        self._changed = threading.Condition()
        self._day: date | None = None  # the day of the last measure started
        self._done: date | None = None  # ...and of the last one finished
        self._kept: Accuracy | None = None

    def get(self, today: date) -> Accuracy | None:
        """The latest measure (None before the first, or after a failed one); starts
        today's when it is due."""
        with self._changed:
            if self._day != today:
                self._day = today
                threading.Thread(
                    target=self._measure, args=(today,), name="madoguchi-accuracy", daemon=True
                ).start()
            return self._kept

    def wait(self, today: date, timeout: float) -> Accuracy | None:
        """Today's measure, waiting for it at most `timeout` seconds (tests)."""
        self.get(today)
        with self._changed:
            self._changed.wait_for(lambda: self._done == today, timeout)
            return self._kept if self._done == today else None

    def _measure(self, today: date) -> None:
        try:
            accuracy: Accuracy | None = measure(self.engines, self.office(), today)
        except Exception:  # a log it cannot read: say nothing rather than something wrong
            log.exception("could not measure the estimate's accuracy for %s", today)
            accuracy = None
        with self._changed:
            self._kept, self._done = accuracy, today
            self._changed.notify_all()
