"""The listing facts one availability computation reads once, however many of its parts ask.

Every channel's available-to-sell for a set of SKUs asks three things more than once: who lists
the SKUs (the unheard-sales estimate wants the channels and their intake marks; the last-unit
split wants who shares each SKU, then what each was pushed), which webhook deliveries wait per
channel, and which announced orders are not imported yet. Each asked again was a statement the
ORM compiled anew, and on a busy pusher the statements' Python, not PostgreSQL, is what limits
how quickly the last units reach the marketplaces. So one `ListingReads` per computation reads
each once, over every SKU asked, and each part filters what it needs from the rows in memory.

The rows are read wider than any one part needs (inactive channels and listings not pushed
yet are kept, with the flags that tell them apart), so each part's own filter gives exactly
the rows its own query used to give.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from django.db.models import BooleanField, Exists, ExpressionWrapper, Min, OuterRef, Q

from marketplaces.models import ChannelOrder, DeliveryStatus, Listing, OrderNotice, WebhookDelivery

#: (channel, SKU, placed at, noticed at, units) of an order a channel announced and we have not imported.
Announced = tuple[int, int, datetime, datetime, int]


class ListingRow(NamedTuple):
    """A listing not being removed, with what the availability reads of its channel."""

    channel_id: int
    sku_id: int
    kind: str
    #: the channel is active and syncs stock: it sells the SKU from our ledger now
    selling: bool
    last_pull_ok_at: datetime | None
    last_notices_ok_at: datetime | None
    last_pushed_quantity: int | None
    last_pushed_at: datetime | None


class ListingReads:
    """The listings of `sku_ids`, the deliveries waiting and the announced orders, each read once on
    first use (one statement each) and kept for this computation only."""

    def __init__(self, sku_ids: Iterable[int]) -> None:
        self._covered = frozenset(sku_ids)
        self.sku_ids = sorted(self._covered)
        self._listings: list[ListingRow] | None = None
        self._waiting: dict[int, datetime] | None = None
        self._announced: list[Announced] | None = None

    @classmethod
    def covering(cls, reads: ListingReads | None, sku_ids: Iterable[int]) -> ListingReads:
        """`reads` when it was made for all of `sku_ids` (its rows are the computation's), else new reads
        of them: a part called on its own, or on SKUs the computation did not ask about."""
        wanted = list(sku_ids)
        if reads is not None and reads._covered.issuperset(wanted):
            return reads
        return cls(wanted)

    def listings(self) -> list[ListingRow]:
        """Every listing of the SKUs not being removed, on any channel."""
        if self._listings is None:
            selling = Q(channel__is_active=True, channel__sync__sync_stock=True)
            rows = (
                Listing.objects.filter(sku_id__in=self.sku_ids, removing=False)
                .annotate(selling=ExpressionWrapper(selling, output_field=BooleanField()))
                .values_list(
                    "channel_id",
                    "sku_id",
                    "channel__kind",
                    "selling",
                    "channel__sync__last_pull_ok_at",
                    "channel__sync__last_notices_ok_at",
                    "last_pushed_quantity",
                    "last_pushed_at",
                )
            )
            self._listings = [ListingRow._make(row) for row in rows]
        return self._listings

    def waiting(self, hooked: Iterable[int]) -> dict[int, datetime]:
        """Per channel of `hooked`, its oldest webhook delivery still waiting to be processed.

        Read once for every channel listing the SKUs that takes webhooks (`hooked` must be among them);
        no read when `hooked` is empty.
        """
        wanted = set(hooked)
        if not wanted:
            return {}
        if self._waiting is None:
            every = sorted({row.channel_id for row in self.listings() if takes_webhooks(row.kind)})
            self._waiting = (
                dict(
                    WebhookDelivery.objects.filter(channel_id__in=every, status=DeliveryStatus.RECEIVED)
                    .values("channel_id")
                    .annotate(at=Min("received_at"))
                    .values_list("channel_id", "at")
                )
                if every
                else {}
            )
        return {channel_id: at for channel_id, at in self._waiting.items() if channel_id in wanted}

    def announced(self, channel_ids: Iterable[int], sku_ids: Sequence[int] | None = None) -> list[Announced]:
        """`announced_units` of these channels (among those listing the SKUs) and SKUs (None:
        every SKU read): read once for every announcing channel listing the SKUs; no read when no
        channel is given."""
        channels = set(channel_ids)
        if not channels:
            return []
        if self._announced is None:
            announcing = sorted({row.channel_id for row in self.listings() if row.last_notices_ok_at is not None})
            self._announced = announced_units(announcing, self.sku_ids)
        skus = None if sku_ids is None else set(sku_ids)
        return [row for row in self._announced if row[0] in channels and (skus is None or row[1] in skus)]


def takes_webhooks(kind: str) -> bool:
    """True when a channel of this kind announces its orders by webhook (else they are only polled)."""
    from marketplaces.connectors import CONNECTORS  # noqa: PLC0415 (the connectors import the services)
    from marketplaces.connectors.base import Connector  # noqa: PLC0415

    connector = CONNECTORS.get(kind)
    return connector is not None and connector.verify_webhook is not Connector.verify_webhook


def announced_units(channel_ids: Iterable[int], sku_ids: list[int] | None) -> list[Announced]:
    """(channel, SKU, placed at, noticed at, units) of the orders these channels announced
    (`OrderNotice`, Amazon's ORDER_CHANGE) and we have not imported yet; `sku_ids` None: every SKU.
    No query when no channel is given."""
    channel_ids = list(channel_ids)
    if not channel_ids or sku_ids == []:
        return []
    imported = ChannelOrder.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
    rows = OrderNotice.objects.filter(channel_id__in=channel_ids, quantity__gt=0).exclude(Exists(imported))
    if sku_ids is not None:
        rows = rows.filter(sku_id__in=sku_ids)
    return list(rows.values_list("channel_id", "sku_id", "placed_at", "noticed_at", "quantity"))
