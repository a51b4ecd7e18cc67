"""Order notices: a marketplace announcing each order change to a queue we read, ahead of the order.

Amazon delivers ORDER_CHANGE notifications to the seller's SQS queue within seconds of a sale,
while its Orders API lets us read orders only slowly (getOrders once a minute, getOrderItems at
0.5/s). A notice is not the order (no address, no prices): the poll still imports it. It only
tells the stock sync which units are already sold, so no channel is shown them in the meantime.

A connector that can read such a queue also derives from `NoticeQueue`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RemoteNotice:
    """One message of the queue: the order it announces as it is now, or why it could not be read."""

    receipt: str  # what deletes it from the queue once it is stored
    notice_id: str
    external_id: str = ""  # the channel's order id ("": not an order notice)
    cancelled: bool = False
    placed_at: datetime | None = None
    lines: list[tuple[str, int]] = field(default_factory=list)  # (seller SKU, units still to ship)
    error: str = ""  # a message that is no notice we can read: logged and deleted


class NoticeQueue(ABC):
    """The queue a marketplace announces its orders to."""

    @abstractmethod
    def notices_configured(self) -> bool:
        """True when the channel's credentials name a queue to read."""

    @abstractmethod
    def receive_notices(self, limit: int = 10) -> list[RemoteNotice]:
        """Up to `limit` messages; each stays hidden from other readers until deleted or timed out."""

    @abstractmethod
    def delete_notices(self, receipts: list[str]) -> None:
        """Delete messages that were stored (a message not deleted comes back: at-least-once)."""
