"""The channels' customer emails: which kinds each sends, and who they come from."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from notifications.forms import SettingsForm
from notifications.selectors import (
    brand_of,
    channel_rows,
    kind_default_enabled,
    kind_row,
    kind_rows,
    language_chain,
    notifications_needing_attention,
    settings_of,
)
from notifications.services import notification_settings_save, notification_switch_set
from notifications.views._shared import MANAGE, channel_or_404, kind_or_404, require


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every channel with its brand, language and how many kinds it sends; emails that need a look."""
    require(request, MANAGE)
    context = {"rows": channel_rows(), "problems": list(notifications_needing_attention())}
    return render_page(request, "notifications/index.html", context)


@require_http_methods(["GET", "POST"])
def channel_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One channel: its sender identity (form) and each kind with its switch and wording."""
    require(request, MANAGE)
    channel = channel_or_404(code)
    brand = brand_of(channel)
    form = SettingsForm.for_settings(settings_of(channel), brand)
    status = 200
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                notification_settings_save(channel=channel, data=form.settings_input())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Email settings of {channel.name} saved.")
                return redirect("notifications:channel", code=channel.code)
        status = 422
    context = {
        "channel": channel,
        "brand": brand,
        "form": form,
        "rows": kind_rows(channel),
        "languages": language_chain(brand.language),
        "marketplace": not kind_default_enabled(channel),
    }
    return render_page(request, "notifications/channel.html", context, status=status)


@require_POST
def kind_switch(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Switch one kind on or off for the channel (from the next event on)."""
    require(request, MANAGE)
    channel = channel_or_404(code)
    kind_or_404(kind)
    enabled = request.POST.get("enabled") == "on"
    notification_switch_set(channel=channel, kind=kind, enabled=enabled, actor=request.user)
    row = kind_row(channel, kind)
    if is_htmx(request):
        context = {"channel": channel, "row": row, "languages": language_chain(brand_of(channel).language)}
        return render_page(request, "notifications/channel.html", context, partial="kind_row")
    messages.success(request, f"{row.label} emails {'on' if enabled else 'off'} for {channel.name}.")
    return redirect("notifications:channel", code=channel.code)
