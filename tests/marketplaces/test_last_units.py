"""The last units of a SKU are split between the marketplaces that sell them, never shown twice."""

from __future__ import annotations

from typing import Any

import pytest

from inventory.services import stock_receive
from marketplaces.availability import channel_available
from marketplaces.last_units import largest_remainder
from marketplaces.services.setup import channel_policy_update
from tests.factories import LocationFactory
from tests.factories.orders import place_order
from tests.marketplaces.conftest import push


def test_largest_remainder_hands_out_exactly_the_units_left():
    assert largest_remainder(3, {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}) == {1: 1, 2: 1, 3: 1, 4: 0}
    assert largest_remainder(10, {1: 3.0, 2: 1.0}) == {1: 8, 2: 2}  # 7.5 / 2.5: the tie goes to the bigger seller
    assert largest_remainder(0, {1: 5.0, 2: 1.0}) == {1: 0, 2: 0}
    assert sum(largest_remainder(7, {1: 0.3, 2: 0.3, 3: 0.3}).values()) == 7


def test_four_marketplaces_never_show_the_same_last_units(make_channel, dc, skus):
    channels = [make_channel(kind, skus=skus[:1]) for kind in ("shopify", "amazon", "ebay", "woocommerce")]
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)

    for channel, _sandbox in channels:
        push(channel)

    shown = [sandbox.quantity_of(skus[0].code) for _channel, sandbox in channels]
    assert sum(shown) == 6  # together they can sell exactly what we have, no more
    assert sorted(shown) == [1, 1, 2, 2]


def test_plenty_of_stock_is_shown_in_full_on_every_channel(make_channel, dc, skus):
    channels = [make_channel(kind, skus=skus[:1]) for kind in ("shopify", "ebay")]
    stock_receive(location=dc, sku=skus[0], quantity=11, actor=None)  # above the default threshold of 10

    for channel, _sandbox in channels:
        push(channel)

    assert [sandbox.quantity_of(skus[0].code) for _channel, sandbox in channels] == [11, 11]


def test_the_channel_that_sells_the_sku_gets_more_of_its_last_units(make_channel, dc, skus):
    busy, busy_sandbox = make_channel("shopify", skus=skus[:1])
    quiet, quiet_sandbox = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=14, actor=None)
    for n in range(4):  # four sales of one unit on the busy channel: 10 left
        assert place_order(busy, [(skus[0].code, 1)], external_id=f"B-{n}").created

    available = {channel.pk: channel_available(channel.sync, [skus[0].pk])[skus[0].pk] for channel in (busy, quiet)}

    # Weights 1 + units sold in the last 14 days: 5 and 1, so 10 units split 8 / 2.
    assert available == {busy.pk: 8, quiet.pk: 2}
    push(busy), push(quiet)
    assert (busy_sandbox.quantity_of(skus[0].code), quiet_sandbox.quantity_of(skus[0].code)) == (8, 2)


def test_a_channel_fed_by_another_location_keeps_its_own_units(make_channel, dc, skus):
    store: Any = LocationFactory(code="store-9", name="Store 9", postal_code="10002")
    web, _ = make_channel("shopify", skus=skus[:1])
    store_channel, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=4, actor=None)
    stock_receive(location=store, sku=skus[0], quantity=3, actor=None)
    channel_policy_update(channel=web, feeding_locations=[dc], buffer=0, percentage=100, maximum=None)
    channel_policy_update(channel=store_channel, feeding_locations=[store], buffer=0, percentage=100, maximum=None)

    assert channel_available(web.sync, [skus[0].pk]) == {skus[0].pk: 4}
    assert channel_available(store_channel.sync, [skus[0].pk]) == {skus[0].pk: 3}


def test_a_threshold_of_zero_turns_the_split_off(make_channel, dc, skus):
    channels = [make_channel(kind, skus=skus[:1], split_below=0) for kind in ("shopify", "ebay")]
    stock_receive(location=dc, sku=skus[0], quantity=3, actor=None)

    assert [channel_available(c.sync, [skus[0].pk])[skus[0].pk] for c, _ in channels] == [3, 3]


@pytest.mark.parametrize("value", [-1])
def test_a_negative_threshold_is_refused_with_the_field_named(make_channel, value):
    from core.errors import ValidationFailed

    channel, _ = make_channel("shopify")
    with pytest.raises(ValidationFailed) as refused:
        channel_policy_update(
            channel=channel, feeding_locations=[], buffer=0, percentage=100, maximum=None, split_below=value
        )
    assert refused.value.field == "split_below"


def test_the_policy_page_sets_the_threshold(client, admin_user, make_channel):
    channel, _ = make_channel("shopify")
    client.force_login(admin_user)

    response = client.post(
        f"/channels/{channel.code}/policy/",
        {"buffer": 0, "percentage": 100, "maximum": "", "split_below": 4},
    )

    assert response.status_code == 302
    channel.sync.refresh_from_db()
    assert channel.sync.split_below == 4
    page = client.get(f"/channels/{channel.code}/").content.decode()
    assert "the last 4 units of a SKU are split with the other channels" in page
