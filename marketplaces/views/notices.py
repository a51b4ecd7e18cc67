"""The channel page's order notice setup: subscribe the seller so its marketplace sends to our queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from channels.models import Channel
from marketplaces.selectors import channel_detail_get
from marketplaces.services.notices_setup import order_notices_subscribe


@require_POST
@permission_required("marketplaces.manage_sync", raise_exception=True)
def notices_subscribe_view(request: HttpRequest, code: str) -> HttpResponse:
    """Set up (or check again) the subscription that sends the channel's order notices to its queue."""
    notices_setup_message(request, channel_detail_get(code=code))
    return redirect("channels:detail", code=code)


def notices_setup_message(request: HttpRequest, channel: Channel) -> None:
    """Run the setup and tell staff how it went, in the message shown on the next page."""
    outcome = order_notices_subscribe(channel=channel)
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
