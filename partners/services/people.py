"""A supplier's people in the portal: the link that lets a user see one partner's purchase orders.

Other apps (the accounts pages that invite and change people) call these instead of writing
`PartnerUser` rows: partners owns who may act for a partner.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.errors import ValidationFailed
from partners.models import Partner, PartnerUser


def partner_user_set(*, user: Any, partner: Partner) -> PartnerUser:
    """Make `user` a portal person of `partner` (moving them from another partner if they had one).

    A person acts for one partner at a time; refused for an inactive partner, whose portal is closed.
    """
    if not partner.is_active:
        raise ValidationFailed(f"{partner.name} is inactive: reactivate the partner first.", field="partner")
    with transaction.atomic():
        membership, _ = PartnerUser.objects.update_or_create(user=user, defaults={"partner": partner})
    return membership


def partner_user_remove(*, user: Any) -> bool:
    """Take `user` out of the supplier portal (their partner's POs are no longer theirs); True if they were in."""
    deleted, _ = PartnerUser.objects.filter(user=user).delete()
    return bool(deleted)
