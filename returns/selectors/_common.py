"""What every returns read shares: who may see which returns, and the numbers people type or scan."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from core.types import AnyUser, user_has_perm
from inventory.selectors import visible_location_ids
from returns.models import ReturnAuthorization

_RMA = re.compile(r"(?:RMA-?)0*(\d{1,9})", re.IGNORECASE)
_ORDER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


def _scoped(qs: QuerySet[ReturnAuthorization], user: AnyUser) -> QuerySet[ReturnAuthorization]:
    ids = visible_location_ids(user)
    return qs if ids is None else qs.filter(return_location_id__in=ids)


def returns_visible_to(user: AnyUser) -> QuerySet[ReturnAuthorization]:
    """Returns the user may read: all with every location, else those of their locations."""
    if not (user_has_perm(user, "returns.view_returnauthorization") or user_has_perm(user, "returns.receive_return")):
        return ReturnAuthorization.objects.none()
    return _scoped(ReturnAuthorization.objects.all(), user)
