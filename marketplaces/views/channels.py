"""Channel pages: the channel list with order counts and API keys, channel forms, key issue and revoke.

A key's secret exists in clear only in the response that issues it: that page is never
cached and the secret is never stored or logged (only its SHA-256 is kept).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from channels.models import Channel
from channels.selectors import api_key_get, channel_get
from channels.services import api_key_issue, api_key_revoke, channel_create
from channels.services.branding import channel_brand_set
from channels.services.channels import channel_update
from core.errors import DomainError
from marketplaces.forms import ApiKeyForm, ChannelForm
from marketplaces.selectors import channel_health_list


@require_GET
@permission_required("channels.view_channel", raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    """Every channel: kind, enabled, orders, sync health at a glance, and its API keys."""

    channels = list(channel_health_list())
    now = timezone.now()
    for channel in channels:
        oldest = channel.oldest_pending_at  # type: ignore[attr-defined]
        channel.lag_seconds = int((now - oldest).total_seconds()) if oldest else 0  # type: ignore[attr-defined]
    context = {
        "channels": channels,
        "total_orders": sum(channel.order_count for channel in channels),  # type: ignore[attr-defined]
        "now": now,
    }
    return render(request, "channels/index.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("channels.add_channel", raise_exception=True)
def channel_create_view(request: HttpRequest) -> HttpResponse:
    """Add a sales channel."""
    return _channel_form(request, channel=None)


@require_http_methods(["GET", "POST"])
@permission_required("channels.change_channel", raise_exception=True)
def channel_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Rename a channel, change its kind or currency, enable or disable it."""
    return _channel_form(request, channel=channel_get(code=code))


def _channel_form(request: HttpRequest, *, channel: Channel | None) -> HttpResponse:
    initial = (
        {
            "code": channel.code,
            "name": channel.name,
            "kind": channel.kind,
            "currency": channel.currency,
            "is_active": channel.is_active,
            "brand_name": channel.brand_name,
            "brand_logo_url": channel.brand_logo_url,
            "brand_color": channel.brand_color,
        }
        if channel
        else {}
    )
    form = ChannelForm(request.POST or None, initial=initial, editing=channel is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if channel:
                    saved = channel_update(
                        channel=channel,
                        name=data["name"],
                        kind=data["kind"],
                        currency=data["currency"],
                        is_active=data["is_active"],
                    )
                else:
                    saved = channel_create(
                        code=data["code"],
                        name=data["name"],
                        kind=data["kind"],
                        currency=data["currency"],
                        is_active=data["is_active"],
                    )
                saved = channel_brand_set(
                    channel=saved,
                    name=data["brand_name"],
                    logo_url=data["brand_logo_url"],
                    color=data["brand_color"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Channel {saved.name} {'saved' if channel else 'created'}.")
                return redirect("channels:detail", code=saved.code)
        status = 422
    context = {"form": form, "channel": channel, "title": f"Edit {channel.name}" if channel else "New channel"}
    return render(request, "channels/channel_form.html", context, status=status)


@never_cache
@sensitive_variables("issued", "context")
@require_http_methods(["GET", "POST"])
@permission_required("channels.manage_api_keys", raise_exception=True)
def api_key_create_view(request: HttpRequest, code: str) -> HttpResponse:
    """Issue a key for a channel and show its secret, once, on this response only."""
    channel = channel_get(code=code)
    form = ApiKeyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = api_key_issue(channel=channel, name=form.cleaned_data["name"], actor=request.user)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                context = {"channel": channel, "api_key": issued.api_key, "secret": issued.secret}
                return render(request, "channels/api_key_issued.html", context)
        status = 422
    return render(request, "channels/api_key_form.html", {"channel": channel, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("channels.manage_api_keys", raise_exception=True)
def api_key_revoke_view(request: HttpRequest, code: str, prefix: str) -> HttpResponse:
    """Ask to confirm (GET), then revoke (POST): the key stops authenticating at once."""
    channel = channel_get(code=code)
    api_key = api_key_get(channel=channel, prefix=prefix)
    if request.method == "POST":
        try:
            api_key_revoke(api_key=api_key)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"Key {api_key.prefix} ({api_key.name}) of {channel.name} revoked: it no longer works."
            )
        return redirect("channels:index")
    return render(request, "channels/api_key_revoke.html", {"channel": channel, "api_key": api_key})
