"""A channel's stock pool (the locations whose stock it sells) is also where its orders ship from.

Routing sits below marketplaces and reads the pool from `fulfillment.ChannelLocationPool`; every
change of a channel's feeding locations rewrites it in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete

from fulfillment.services.routing.terms import channel_pool_set
from marketplaces.models import ChannelSync


def _feeding_locations_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # `reverse`: changed from a location's side (the field has no reverse manager, so only a
    # direct write of the through table does that): every channel is rewritten
    syncs = list(ChannelSync.objects.all()) if reverse else [instance]
    for sync in syncs:
        channel_pool_set(channel_id=sync.channel_id, location_ids=sync.feeding_locations.values_list("pk", flat=True))


def _sync_deleted(sender: Any, instance: ChannelSync, **kwargs: Any) -> None:
    channel_pool_set(channel_id=instance.channel_id, location_ids=())


m2m_changed.connect(
    _feeding_locations_changed,
    sender=ChannelSync.feeding_locations.through,
    dispatch_uid="marketplaces.pool.feeding_locations",
)
post_delete.connect(_sync_deleted, sender=ChannelSync, dispatch_uid="marketplaces.pool.sync_deleted")
