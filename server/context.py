"""What every command and every view of an office is run with: the office, its holidays,
whether it issues whatever the hour, and the estimator's past. Its own module so that the
live hub and the views need not import the commands."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from server import estimates
from server.domain import calendar
from server.domain.office import Office


@dataclasses.dataclass(eq=False)
class Context:
    """`office` is the office's settings in force in this process: a settings change puts
    the new revision here (server/office_settings.py), one reference swap that every
    command and view started after it sees whole."""

    office: Office
    is_holiday: calendar.IsHoliday
    always_open: bool = False
    # The estimator's past, kept in memory by this process (None: read afresh each time).
    history: estimates.History | None = None
    # Told of each new office put in force (from the thread that put it): the printers.
    on_office: list[Callable[[Office], None]] = dataclasses.field(default_factory=list)
