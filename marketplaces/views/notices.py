"""The channel page's order notices card: whether the marketplace sends order notices to our queue,
and the button that has a worker set the subscription up (or check it again), with its progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from channels.models import Channel
from marketplaces.models import ChannelSync
from marketplaces.selectors import channel_detail_get
from marketplaces.services.notices_setup import (
    REQUEST_UNSTARTED_AFTER,
    notices_queue_configured,
    order_notices_setup_request,
)
from marketplaces.services.setup import channel_sync_get

#: What staff are told when the setup is handed to a worker.
QUEUED = "Setting up Amazon's order notifications; the Order notices card shows how it went in a few seconds."


def notices_card_context(request: HttpRequest, channel: Channel, sync: ChannelSync) -> dict[str, Any]:
    """What the card needs: the queue, whether a requested setup is still running (or waiting for a worker)."""
    requested = sync.notices_setup_requested_at
    return {
        "channel": channel,
        "sync": sync,
        "can_manage": request.user.has_perm("marketplaces.manage_sync"),
        "queue_configured": notices_queue_configured(channel=channel, sync=sync),
        "setup_running": requested is not None,
        "setup_waiting": requested is not None and timezone.now() - requested > REQUEST_UNSTARTED_AFTER,
    }


@require_GET
@permission_required("channels.view_channel", raise_exception=True)
def notices_card_view(request: HttpRequest, code: str) -> HttpResponse:
    """The card alone: polled by htmx while a setup runs, so the outcome appears without a reload."""
    channel = channel_detail_get(code=code)
    sync = channel_sync_get(channel=channel)
    return render(request, "channels/notices_card.html", notices_card_context(request, channel, sync))


@require_POST
@permission_required("marketplaces.manage_sync", raise_exception=True)
def notices_subscribe_view(request: HttpRequest, code: str) -> HttpResponse:
    """Have a worker set up (or check again) the subscription that sends the channel's order notices to its queue."""
    channel = channel_detail_get(code=code)
    sync = channel_sync_get(channel=channel)
    refused = order_notices_setup_request(channel=channel, sync=sync)
    if refused is None and request.htmx:  # type: ignore[attr-defined]
        sync.refresh_from_db()
        return render(request, "channels/notices_card.html", notices_card_context(request, channel, sync))
    if refused is None:
        messages.info(request, QUEUED)
    else:
        messages.error(request, refused.message)
    return redirect("channels:detail", code=code)


def notices_setup_queued(request: HttpRequest, channel: Channel, sync: ChannelSync) -> None:
    """After the connection was saved with a new queue: queue its setup and say so on the next page."""
    if order_notices_setup_request(channel=channel, sync=sync) is None:
        messages.info(request, QUEUED)
