"""Channel sync pages: health list (in `views.index`), channel page with policy, listings, sync log,
re-sync with progress, webhook log and held orders; connection and policy forms; the SKU page's
per-channel availability.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.crypto import credentials_decrypt
from core.errors import DomainError
from core.htmx import render_page
from inventory.models import SKU
from marketplaces.connectors import ConnectorError
from marketplaces.forms import ConnectionForm, ListingForm, OverrideForm, PolicyForm
from marketplaces.models import (
    CONNECTOR_KINDS,
    ChannelOrder,
    ChannelOrderStatus,
    Listing,
    StockOverride,
    SyncEvent,
    WebhookDelivery,
)
from marketplaces.selectors import channel_detail_get, listing_rows, resync_progress, sku_channel_availability
from marketplaces.services.orders import channel_order_retry
from marketplaces.services.setup import (
    CREDENTIAL_FIELDS,
    channel_connection_update,
    channel_policy_update,
    channel_sync_get,
    listing_create,
    listing_delete,
    stock_override_set,
)
from marketplaces.services.stock_sync import channel_resync
from marketplaces.views.notices import notices_card_context, notices_setup_queued


@require_GET
@permission_required("channels.view_channel", raise_exception=True)
def channel_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One channel: connection, policy, listings with their availability, sync and webhook logs, held orders."""
    channel = channel_detail_get(code=code)
    sync = channel_sync_get(channel=channel)
    channel.sync = sync
    query = request.GET.get("q", "").strip()[:64]
    context = {
        "has_connector": channel.kind in CONNECTOR_KINDS,
        "rows": listing_rows(channel=channel, query=query),
        "listing_count": Listing.objects.filter(channel=channel).count(),
        "query": query,
        "events": list(SyncEvent.objects.filter(channel=channel)[:30]),
        "deliveries": list(WebhookDelivery.objects.filter(channel=channel)[:30]),
        "held": list(ChannelOrder.objects.filter(channel=channel, status=ChannelOrderStatus.HELD)[:50]),
        "progress": resync_progress(channel=channel),
        "feeding": list(sync.feeding_locations.order_by("code").values_list("code", flat=True)),
        **notices_card_context(request, channel, sync),
    }
    return render_page(request, "channels/detail.html", context, partial="listings")


@require_GET
@permission_required("channels.view_channel", raise_exception=True)
def resync_progress_view(request: HttpRequest, code: str) -> HttpResponse:
    """The re-sync progress bar (polled by htmx while pushes are pending)."""
    channel = channel_detail_get(code=code)
    channel.sync = channel_sync_get(channel=channel)
    return render(
        request, "channels/detail.html#progress", {"channel": channel, "progress": resync_progress(channel=channel)}
    )


@require_POST
@permission_required("marketplaces.manage_sync", raise_exception=True)
def resync_view(request: HttpRequest, code: str) -> HttpResponse:
    """Re-push one SKU (`sku` in the form) or every listed SKU."""
    channel = channel_detail_get(code=code)
    sku_code = request.POST.get("sku", "").strip()
    if sku_code:
        sku = SKU.objects.filter(code=sku_code).first()
        if sku is None or not Listing.objects.filter(channel=channel, sku=sku).exists():
            messages.error(request, f"{sku_code} is not listed on {channel.name}.")
            return redirect("channels:detail", code=channel.code)
        count = channel_resync(channel=channel, sku_ids=[sku.pk])
        messages.success(request, f"Re-sync of {sku_code} to {channel.name} queued.")
    else:
        count = channel_resync(channel=channel)
        messages.success(request, f"Re-sync of {count} SKU(s) to {channel.name} queued; progress below.")
    return redirect("channels:detail", code=channel.code)


@require_http_methods(["GET", "POST"])
@permission_required("marketplaces.manage_sync", raise_exception=True)
def connection_view(request: HttpRequest, code: str) -> HttpResponse:
    """Set the channel's API address and credentials (stored encrypted, never shown back)."""
    channel = channel_detail_get(code=code)
    if channel.kind not in CONNECTOR_KINDS:
        messages.error(
            request, f"{channel.get_kind_display()} channels send orders through the API; there is nothing to connect."
        )
        return redirect("channels:detail", code=channel.code)
    sync = channel_sync_get(channel=channel)
    fields = CREDENTIAL_FIELDS[channel.kind]
    stored = credentials_decrypt(sync.credentials_encrypted) if sync.credentials_encrypted else {}
    form = ConnectionForm(
        request.POST or None,
        fields=fields,
        stored=stored,
        initial={"base_url": sync.base_url, "sync_stock": sync.sync_stock},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                channel_connection_update(
                    channel=channel,
                    base_url=form.cleaned_data["base_url"],
                    sync_stock=form.cleaned_data["sync_stock"],
                    credentials={name: form.cleaned_data.get(name) or "" for name in fields},
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Connection of {channel.name} saved.")
                channel.sync = sync = channel_sync_get(channel=channel)
                if not sync.notices_subscription_id:  # a queue not subscribed yet (a new one): have it set up
                    notices_setup_queued(request, channel, sync)
                return redirect("channels:detail", code=channel.code)
        status = 422
    return render(
        request, "channels/connection_form.html", {"channel": channel, "form": form, "sync": sync}, status=status
    )


@require_http_methods(["GET", "POST"])
@permission_required("marketplaces.manage_sync", raise_exception=True)
def policy_view(request: HttpRequest, code: str) -> HttpResponse:
    """Set which locations feed the channel, its buffer, percentage and maximum."""
    channel = channel_detail_get(code=code)
    sync = channel_sync_get(channel=channel)
    initial = {
        "feeding_locations": list(sync.feeding_locations.all()),
        "buffer": sync.buffer,
        "percentage": sync.percentage,
        "maximum": sync.maximum,
        "split_below": sync.split_below,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                channel_policy_update(
                    channel=channel,
                    feeding_locations=data["feeding_locations"],
                    buffer=data["buffer"],
                    percentage=data["percentage"],
                    maximum=data["maximum"],
                    split_below=data["split_below"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Stock policy of {channel.name} saved; every SKU is being re-pushed.")
                return redirect("channels:detail", code=channel.code)
        status = 422
    return render(request, "channels/policy_form.html", {"channel": channel, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("marketplaces.manage_sync", raise_exception=True)
def listing_create_view(request: HttpRequest, code: str) -> HttpResponse:
    """List one of our SKUs on the channel."""
    channel = channel_detail_get(code=code)
    form = ListingForm(request.POST or None, initial={"sku": request.GET.get("sku", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                listing = listing_create(
                    channel=channel,
                    sku=data["sku"],
                    external_sku=data["external_sku"],
                    external_id=data["external_id"],
                    inventory_ref=data["inventory_ref"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{listing.sku.code} listed on {channel.name} as {listing.external_sku}; "
                    "its stock is being pushed.",
                )
                return redirect("channels:detail", code=channel.code)
        status = 422
    return render(request, "channels/listing_form.html", {"channel": channel, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("marketplaces.manage_sync", raise_exception=True)
def listing_edit_view(request: HttpRequest, code: str, listing_id: int) -> HttpResponse:
    """A listing's stock override, or its removal."""
    channel = channel_detail_get(code=code)
    listing = get_object_or_404(Listing.objects.select_related("sku"), pk=listing_id, channel=channel)

    current = StockOverride.objects.filter(channel=channel, sku=listing.sku).first()
    initial = {"buffer": current.buffer, "maximum": current.maximum, "blocked": current.blocked} if current else {}
    form = OverrideForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            listing_delete(listing=listing)
            messages.success(request, f"{listing.sku.code} is no longer listed on {channel.name}.")
            return redirect("channels:detail", code=channel.code)
        if form.is_valid():
            data = form.cleaned_data
            stock_override_set(
                channel=channel,
                sku=listing.sku,
                buffer=data["buffer"],
                maximum=data["maximum"],
                blocked=data["blocked"],
            )
            messages.success(request, f"Override for {listing.sku.code} on {channel.name} saved; re-pushing it.")
            return redirect("channels:detail", code=channel.code)
        status = 422
    return render(
        request, "channels/listing_edit.html", {"channel": channel, "listing": listing, "form": form}, status=status
    )


@require_POST
@permission_required("marketplaces.manage_sync", raise_exception=True)
def held_order_retry_view(request: HttpRequest, code: str, external_id: str) -> HttpResponse:
    """Import a held order again, from what the channel has now."""

    channel = channel_detail_get(code=code)
    record = get_object_or_404(ChannelOrder, channel=channel, external_id=external_id)
    try:
        record = channel_order_retry(record=record)
    except ConnectorError as exc:
        messages.error(request, f"Could not read order {external_id} from {channel.name}: {exc.message}")
    else:
        if record.status == ChannelOrderStatus.IMPORTED and record.order:
            messages.success(request, f"Order {external_id} imported as {record.order.number}.")
        else:
            messages.error(request, f"Order {external_id} is still held: {record.hold_reason}")
    return redirect("channels:detail", code=channel.code)


@require_GET
def sku_availability(request: HttpRequest, code: str) -> HttpResponse:
    """The SKU page's section: what each channel may sell of this SKU now, and what it was last told."""
    if not request.user.has_perm("inventory.view_sku"):
        raise PermissionDenied
    sku = get_object_or_404(SKU, code=code)
    rows = sku_channel_availability(sku_id=sku.pk)
    template = "channels/sku_availability.html" if request.htmx else "channels/sku_availability_page.html"  # type: ignore[attr-defined]
    return render(request, template, {"sku": sku, "rows": rows})
