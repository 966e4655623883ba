"""Scoring wait estimates against the waits that happened.

Each ticket is scored on the estimate it got when it was issued against its real wait (its
answered call minus its issue), over the tickets that were served: the mean absolute error
of the point, the share within ten minutes of it, and the share whose wait fell inside the
range (the nominal 80% range should hold about 80% of them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from server.domain.estimate import Estimate

WITHIN_MIN = 10.0
ESTIMATORS = ("estimator", "queue_length", "head_of_line", "last_to_enter_service")
LABELS = {
    "estimator": "madoguchi estimator",
    "queue_length": "baseline: queue length × mean service time",
    "head_of_line": "baseline: head-of-line delay",
    "last_to_enter_service": "baseline: last to enter service (LES)",
}


@dataclasses.dataclass(frozen=True)
class Score:
    mae_min: float
    within_10_min: float
    coverage_80: float

    def as_dict(self) -> dict[str, float]:
        return {
            "mae_min": round(self.mae_min, 2),
            "within_10_min": round(self.within_10_min, 3),
            "coverage_80": round(self.coverage_80, 3),
        }


@dataclasses.dataclass(frozen=True)
class Scored:
    """One served ticket: what each estimator said at its issue, and what happened."""

    ticket: str
    issued_at: datetime
    wait_min: float
    estimates: Mapping[str, Estimate]


@dataclasses.dataclass(frozen=True)
class Report:
    day: str
    seed: int | None
    tickets: int
    scores: dict[str, Score]

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "seed": self.seed,
            "tickets": self.tickets,
            "estimator": self.scores["estimator"].as_dict(),
            "baselines": {
                name: self.scores[name].as_dict() for name in ESTIMATORS if name != "estimator"
            },
        }

    def as_text(self) -> str:
        head = f"{self.day} day" + (f", seed {self.seed}" if self.seed is not None else "")
        lines = [
            f"{head}: {self.tickets} served tickets scored on the estimate made at their issue",
            f"  {'':44} {'MAE':>8} {'±10 min':>8} {'in range':>9}",
        ]
        for name in ESTIMATORS:
            s = self.scores[name]
            lines.append(
                f"  {LABELS[name]:44} {s.mae_min:6.1f} m {s.within_10_min:8.0%} {s.coverage_80:9.0%}"
            )
        return "\n".join(lines)


def point(estimate: Estimate) -> float:
    if estimate.expected_min is not None:
        return estimate.expected_min
    return (estimate.low_min + estimate.high_min) / 2


def score(pairs: Iterable[tuple[Estimate, float]]) -> Score:
    pairs = list(pairs)
    if not pairs:
        return Score(0.0, 0.0, 0.0)
    errors = [abs(point(e) - wait) for e, wait in pairs]
    inside = [e.low_min <= wait <= e.high_min for e, wait in pairs]
    return Score(
        mae_min=sum(errors) / len(errors),
        within_10_min=sum(err <= WITHIN_MIN for err in errors) / len(errors),
        coverage_80=sum(inside) / len(inside),
    )


def report(day: str, seed: int | None, scored: list[Scored]) -> Report:
    return Report(
        day=day,
        seed=seed,
        tickets=len(scored),
        scores={
            name: score((s.estimates[name], s.wait_min) for s in scored) for name in ESTIMATORS
        },
    )
