"""Channel reads for the staff pages: the list with order counts and keys, one channel, one key."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from channels.models import Channel, ChannelApiKey


def channel_list() -> QuerySet[Channel]:
    """Every channel with `order_count` and `last_order_at`, and its API keys (newest first).

    Two queries whatever the number of channels: channels with their order aggregates, then
    their keys (with who created each).
    """
    keys = ChannelApiKey.objects.select_related("created_by").order_by("-created_at", "-id")
    return (
        Channel.objects.annotate(order_count=Count("orders"), last_order_at=Max("orders__placed_at"))
        .prefetch_related(Prefetch("api_keys", queryset=keys))
        .order_by("code")
    )


def channel_get(*, code: str) -> Channel:
    """One channel by code (404 if unknown)."""
    return get_object_or_404(Channel, code=code)


def api_key_get(*, channel: Channel, prefix: str) -> ChannelApiKey:
    """One key of a channel by its public prefix (404 if unknown or another channel's)."""
    return get_object_or_404(
        ChannelApiKey.objects.select_related("channel", "created_by"), channel=channel, prefix=prefix
    )
