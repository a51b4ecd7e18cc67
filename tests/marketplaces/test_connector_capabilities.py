"""What each marketplace connector declares it can do, so the sync asks the connector, not its class."""

from __future__ import annotations

import pytest

from marketplaces.connectors import CONNECTORS, StockItem


def test_only_amazon_takes_stock_as_one_feed_and_the_others_refuse_a_feed_clearly():
    item = StockItem(sku_id=1, external_sku="SKU-1", external_id="1", ref="1", quantity=5)
    declared = {kind: connector_class.supports_stock_feeds for kind, connector_class in CONNECTORS.items()}

    assert declared == {"amazon": True, "shopify": False, "ebay": False, "woocommerce": False}
    assert CONNECTORS["amazon"].feed_max_messages > 1
    for kind, connector_class in CONNECTORS.items():
        if connector_class.supports_stock_feeds:
            continue
        connector = connector_class(base_url="https://example.invalid", credentials={}, bucket_key=f"caps-{kind}")
        with connector:
            assert connector.feed_ready() is False
            assert connector.feed_max_messages == 0
            assert connector.last_feed_done_at is None
            with pytest.raises(NotImplementedError, match=r"does not support stock feeds.*push_stock"):
                connector.push_stock_feed([item])
            assert connector.calls == 0  # refused before anything was sent
