"""What the quality pages share: the location a page is filtered to, and showing a refusal."""

from __future__ import annotations

from django.http import HttpRequest

from inventory.models import Location
from inventory.selectors import visible_location_ids


def chosen_location(request: HttpRequest) -> Location | None:
    """The location named by ?location=CODE if the user may see it (else no filter)."""
    code = request.GET.get("location", "").strip()
    if not code:
        return None
    qs = Location.objects.filter(code=code)
    ids = visible_location_ids(request.user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.first()
