"""Quality's reactions to inventory: stock received (open inspections), the SKU page (its gallery),
a new SKU (a photo request). Connected in `QualityConfig.ready`.

`quality` is listed before `fulfillment` in INSTALLED_APPS so that this receipt receiver runs
before fulfillment's (backorders, pickups): the sample of a receipt is held for inspection before
any order can take those units.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from core.types import user_has_perm
from fulfillment.models import Shipment
from fulfillment.signals import pack_checks
from inventory.models import SKU
from inventory.signals import sku_panels, stock_received
from quality.models import PhotoReason
from quality.selectors import qc_required_before_ship, sku_gallery
from quality.services import inspections_open_for_receipt, photo_request_create

logger = logging.getLogger(__name__)


@receiver(stock_received, dispatch_uid="quality.inspections_on_stock_received")
def inspections_on_stock_received(
    sender: Any,
    *,
    location_id: int,
    sku_ids: list[int],
    quantities: dict[int, int] | None = None,
    kind: str = "",
    document_type: str = "",
    document_id: str = "",
    source_location_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Stock came in (a receipt, a transfer, a 3PL's inbound): open the inspections the rules ask for.

    A receipt whose sender does not say how many units came in is not inspected (nothing to sample).
    A failure is logged, not raised: the receipt has committed and must not look failed to its sender.
    """
    if not quantities:
        return
    try:
        inspections_open_for_receipt(
            location_id=location_id,
            quantities=quantities,
            kind=kind,
            document_type=document_type,
            document_id=document_id,
            source_location_id=source_location_id,
        )
    except Exception:
        logger.exception("Could not open inspections for a receipt at location %s (%s)", location_id, sku_ids)


@receiver(sku_panels, dispatch_uid="quality.gallery_on_sku_page")
def gallery_on_sku_page(sender: Any, *, sku: SKU, user: Any, **kwargs: Any) -> dict[str, Any]:
    """The SKU page shows its photos (primary first), what waits for approval, and open photo requests."""
    context = sku_gallery(sku=sku)
    context["can_photograph"] = user_has_perm(user, "quality.photograph")
    context["can_manage"] = user_has_perm(user, "quality.manage_quality")
    return {"template": "quality/_sku_gallery.html", "context": context}


@receiver(post_save, sender=SKU, dispatch_uid="quality.photo_request_for_new_sku")
def photo_request_for_new_sku(sender: Any, *, instance: SKU, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new item needs photos before it can be listed: the photo station gets a request."""
    if created and not raw:
        photo_request_create(sku=instance, reason=PhotoReason.NEW_ITEM, actor=None, note="New item")


@receiver(pack_checks, dispatch_uid="quality.before_ship_check")
def before_ship_check(sender: Any, *, shipment: Shipment, **kwargs: Any) -> str:
    """A shipment with units a before-ship rule covers packs only once they passed inspection."""
    if not qc_required_before_ship(shipment):
        return ""
    return (
        f"{shipment.number} has units that must pass a quality check before they ship: "
        f"inspect them at {reverse('quality:shipment_check', args=[shipment.pk])}, then pack."
    )
