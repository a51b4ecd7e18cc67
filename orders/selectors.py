"""Order book reads that need nothing above orders: the list's filter values and the manual form's choices.

Reads that join shipments or routing live in `fulfillment.selectors` (orders, exceptions, routing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from channels.models import Channel
from inventory.models import Location
from orders.models import OrderMention


@dataclass(frozen=True)
class OrderFilters:
    """What the orders list is narrowed to; empty values do not filter."""

    query: str = ""
    status: str = ""
    channel_id: int | None = None
    location_id: int | None = None
    placed_from: date | None = None
    placed_to: date | None = None
    #: Only the orders behind a KPI figure (`fulfillment.selectors.kpi_conditions`), from the KPI dashboard.
    kpi: str = ""
    #: Only the orders staff tagged so (`OrderTag`), e.g. ?tag=vip.
    tag: str = ""

    @property
    def active(self) -> bool:
        """True when anything but the status tab narrows the list."""
        return bool(
            self.query
            or self.channel_id
            or self.location_id
            or self.placed_from
            or self.placed_to
            or self.kpi
            or self.tag
        )


def order_filter_choices() -> dict[str, list[Any]]:
    """The channels and the locations the orders list can be filtered by (two queries)."""
    return {
        "channels": list(Channel.objects.order_by("name").only("code", "name")),
        "locations": list(Location.objects.filter(is_active=True).order_by("code").only("code", "name")),
    }


def order_form_choices() -> dict[str, list[Any]]:
    """The enabled channels and the stores that hand over pickups, for the manual order form."""
    return {
        "channels": list(Channel.objects.filter(is_active=True).order_by("name")),
        "pickup_stores": list(
            Location.objects.filter(is_active=True, offers_pickup=True).order_by("name").only("code", "name")
        ),
    }


def mentions_of(*, username: str, limit: int = 100) -> list[Any]:
    """The comments that mention a person, newest first, with their order and author (one query)."""
    return list(
        OrderMention.objects.filter(user__username=username)
        .select_related("event__order", "event__actor")
        .order_by("-created_at", "-id")[:limit]
    )
