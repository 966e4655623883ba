"""The office's pre-entry forms and their encrypted entries: what the form routes and
the night's purge work with."""

from __future__ import annotations

import dataclasses

from .definitions import Form
from .entries import Entries


@dataclasses.dataclass(frozen=True)
class FormDesk:
    forms: dict[str, Form]  # service id -> form
    entries: Entries

    def by_id(self, form_id: str) -> Form | None:
        return next((f for f in self.forms.values() if f.id == form_id), None)
