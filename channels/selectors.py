"""Channel registry reads: one channel, one API key."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from channels.models import Channel, ChannelApiKey


def channel_get(*, code: str) -> Channel:
    """One channel by code (404 if unknown)."""
    return get_object_or_404(Channel, code=code)


def api_key_get(*, channel: Channel, prefix: str) -> ChannelApiKey:
    """One key of a channel by its public prefix (404 if unknown or another channel's)."""
    return get_object_or_404(
        ChannelApiKey.objects.select_related("channel", "created_by"), channel=channel, prefix=prefix
    )
