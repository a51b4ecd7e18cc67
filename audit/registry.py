"""What the audit trail follows, and on whose page each record's history is shown.

One entry per audited model. `subjects` names the pages a change belongs to as
(`app_label.model_name` of the page's object, the attribute of the audited row holding its pk):
a rate card cell belongs to its service's rate card, a contact to its partner. History rows
keep those ids after the row itself is deleted, so a removed cell stays on its card's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.text import capfirst


@dataclass(frozen=True)
class Audited:
    """One audited model: what is left out, masked, followed across many-to-many, and where it shows."""

    model: type[models.Model]
    #: Fields that change on their own (timestamps, health): neither recorded nor shown.
    excluded: tuple[str, ...] = ()
    #: Many-to-many fields recorded with each change (the set before and after).
    m2m: tuple[str, ...] = ()
    #: Recorded so a change shows, never displayed (credentials, password hashes).
    secret: tuple[str, ...] = ()
    #: Relations the history rows join to name the object and its foreign keys without a query per row.
    related: tuple[str, ...] = ()
    subjects: tuple[tuple[str, str], ...] = ()
    #: Rows a service replaces as a set (delete all, create all): a row deleted and one with the same label
    #: created in the same edit are shown as that row changed, or not at all if nothing differs.
    replaced_as_set: bool = False
    #: Names the object from its history row, using only local fields and `related`.
    label: Any = field(default=None)

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


AUDITED: dict[str, Audited] = {}


def audited_add(entry: Audited) -> None:
    """Register an entry (audit/models.py does, once, when the models load)."""
    AUDITED[entry.key] = entry


def audited_for_subject(subject: str) -> list[tuple[Audited, str]]:
    """Every audited model shown on `subject`'s page, with the attribute that points at it."""
    found = []
    for entry in AUDITED.values():
        for subject_key, attname in entry.subjects:
            if subject_key == subject:
                found.append((entry, attname))
    return found


def model_title(entry: Audited) -> str:
    return capfirst(str(entry.model._meta.verbose_name))
