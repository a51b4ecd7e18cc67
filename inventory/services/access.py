"""Which locations a user may work on."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from core.errors import ValidationFailed
from core.roles import STORE_ASSOCIATE
from inventory.models import Location, LocationAccess, LocationKind


def location_access_grant(*, user: AbstractBaseUser, locations: Sequence[Location]) -> None:
    """Replace the set of locations a user may see. A store associate gets exactly one store."""
    is_associate = Group.objects.filter(name=STORE_ASSOCIATE, user__pk=user.pk).exists()
    if is_associate and (len(locations) != 1 or locations[0].kind != LocationKind.STORE):
        raise ValidationFailed("A store associate works in exactly one store.", field="locations")
    with transaction.atomic():
        LocationAccess.objects.filter(user_id=user.pk).delete()
        LocationAccess.objects.bulk_create([LocationAccess(user_id=user.pk, location=loc) for loc in locations])
