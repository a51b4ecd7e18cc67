"""The default refund connector: refunds go back through the channel's own marketplace connector.

`channel_refund_connector(channel)` is the factory `settings.RETURNS_REFUND_CONNECTOR` names by
default. For a marketplace channel with a connection (Shopify, Amazon, eBay, WooCommerce: a
base URL on its sync settings) it returns an adapter that calls the connector's
`refund_create` (from `marketplaces.connectors.connector_for`) with the channel's order id and
line ids (from the order as the channel sent it). For a channel without a marketplace
connector (the web shop, point of sale) it returns None: staff refund in that channel's
own back office and record it executed (`refund_mark_executed`).

`returns.services.refund_dispatch` calls the adapter with no transaction open, after it
claimed the refund ("sending"), so one refund reaches the marketplace once.
"""

from __future__ import annotations

from channels.models import Channel
from marketplaces.connectors import CONNECTORS, ConnectorError, ShipmentLine, connector_for
from marketplaces.models import ChannelOrder, ChannelSync
from returns.services.money import RefundFailed, RefundRequest, RefundResult


class ChannelConnectorRefunds:
    """Adapts a marketplace connector's `refund_create` to the returns app's `RefundConnector`."""

    def __init__(self, channel: Channel):
        self.channel = channel

    def refund(self, request: RefundRequest) -> RefundResult:
        record = (
            ChannelOrder.objects.filter(channel=self.channel, order__external_id=request.channel_order_id)
            .only("external_id", "data")
            .first()
        )
        external_id = record.external_id if record is not None else request.channel_order_id
        line_map = ((record.data or {}).get("line_map") or {}) if record is not None else {}
        lines = [
            ShipmentLine(str(line_map[str(number)]), quantity)
            for number, quantity in request.lines
            if str(number) in line_map and quantity > 0
        ]
        try:
            connector = connector_for(self.channel)
            reference = connector.refund_create(
                external_id,
                amount=request.amount,
                currency=request.currency,
                reason=request.reason,
                lines=lines,
            )
        except ConnectorError as exc:  # Amazon's says to refund in Seller Central: not retried
            raise RefundFailed(exc.message, retry=exc.retryable, retry_after=exc.retry_after) from exc
        return RefundResult(channel_reference=str(reference), executed=True)


def channel_refund_connector(channel: Channel) -> ChannelConnectorRefunds | None:
    """The channel's refund connector, or None when the channel has no marketplace connection (refund by hand)."""
    if channel.kind not in CONNECTORS:
        return None
    base_url = ChannelSync.objects.filter(channel=channel).values_list("base_url", flat=True).first()
    if not base_url:
        return None
    return ChannelConnectorRefunds(channel)
