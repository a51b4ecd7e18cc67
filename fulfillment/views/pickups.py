"""Store pickups (this area arrives in a later release)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def pickups(request: HttpRequest) -> HttpResponse:
    return render(request, "core/coming_soon.html", {"area": "pickups"})
