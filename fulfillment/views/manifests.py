"""End of day: one manifest (scan form) per carrier account and location for the day's labels.

The page lists, for each of the user's locations and each carrier account it ships with, the
labels bought today not yet on a manifest, with "Close the day"; closed manifests print as PDF.
Labels on a manifest were handed to the driver and can no longer be voided.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from carriers.models import CarrierAccount, Manifest
from core.errors import DomainError
from core.htmx import render_page
from fulfillment.models import Package, PackageStatus
from fulfillment.selectors.work import work_locations
from fulfillment.services.labels import manifest_create
from fulfillment.views.work import WORK
from inventory.models import Location


@dataclass(frozen=True)
class OpenDay:
    """Labels waiting for today's manifest at one location on one account."""

    location: Location
    account: CarrierAccount
    labels: int


def _open_days(locations: list[Location]) -> list[OpenDay]:
    today = timezone.localdate()
    counts = (
        Package.objects.filter(
            shipment__location__in=locations,
            status=PackageStatus.LABELLED,
            manifest__isnull=True,
            account__isnull=False,
            label_created_at__date=today,
        )
        .values("shipment__location", "account")
        .annotate(n=Count("pk"))
    )
    by_key = {(row["shipment__location"], row["account"]): row["n"] for row in counts}
    accounts = CarrierAccount.objects.filter(is_active=True, locations__in=locations).prefetch_related("locations")
    places = {location.pk: location for location in locations}
    days = []
    for account in accounts.distinct().order_by("name"):
        for location in account.locations.all():
            if location.pk in places:
                days.append(OpenDay(places[location.pk], account, by_key.get((location.pk, account.pk), 0)))
    return sorted(days, key=lambda d: (d.location.code, d.account.name))


@require_http_methods(["GET", "POST"])
@permission_required(WORK, raise_exception=True)
def manifests(request: HttpRequest) -> HttpResponse:
    """Close the day per account and location; the recent manifests, to print again."""
    locations = work_locations(user=request.user)
    if request.method == "POST":
        location = next((loc for loc in locations if str(loc.pk) == request.POST.get("location")), None)
        account = CarrierAccount.objects.filter(pk=request.POST.get("account") or 0, locations=location).first()
        if location is None or account is None:
            raise Http404("No such location or carrier account.")
        try:
            made = manifest_create(location=location, account=account, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            parcels = sum(m.parcels for m in made)
            names = ", ".join(m.number for m in made)
            messages.success(
                request,
                f"{names} close{'s' if len(made) == 1 else ''} the day for {account.name} at {location.name}: "
                f"{parcels} parcel{'s' if parcels != 1 else ''}. Print {'it' if len(made) == 1 else 'them'} "
                "for the driver to sign.",
            )
        return redirect("fulfillment:manifests")
    recent = Manifest.objects.filter(location__in=locations).select_related("account", "location")[:30]
    context = {"open_days": _open_days(locations), "recent": list(recent), "today": timezone.localdate()}
    return render_page(request, "fulfillment/work/manifests.html", context)


@require_http_methods(["GET"])
@permission_required(WORK, raise_exception=True)
def manifest_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A manifest's PDF (inline, to print)."""
    locations = work_locations(user=request.user)
    manifest = get_object_or_404(Manifest, pk=pk, location__in=locations)
    if not manifest.document:
        raise Http404("This manifest has no document.")
    return FileResponse(manifest.document.open("rb"), content_type="application/pdf", filename=f"{manifest.number}.pdf")
