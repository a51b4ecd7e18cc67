"""Accepting several requested shipments at once from the work queue, each on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import DomainError
from core.types import AnyUser
from fulfillment.models import Shipment
from fulfillment.services.work import shipment_accept


@dataclass(frozen=True)
class AcceptOutcome:
    """What happened to one ticked row: accepted, or why not (in words the associate can act on)."""

    number: str
    accepted: bool
    message: str = ""


def shipments_accept_each(*, shipments: Sequence[Shipment], actor: AnyUser | None) -> list[AcceptOutcome]:
    """Accept each shipment in its own transaction (`shipment_accept`), in the order given.

    One refusal (an order put on hold, a request already routed elsewhere) must not undo the
    others the associate ticked, so there is deliberately no transaction around the loop; each
    row's outcome is returned for the page to show.
    """
    outcomes: list[AcceptOutcome] = []
    for shipment in shipments:
        try:
            shipment_accept(shipment=shipment, actor=actor)
        except DomainError as exc:
            outcomes.append(AcceptOutcome(number=shipment.number, accepted=False, message=exc.message))
        else:
            outcomes.append(AcceptOutcome(number=shipment.number, accepted=True))
    return outcomes
