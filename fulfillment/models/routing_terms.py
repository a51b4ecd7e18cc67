"""What routing adds to a location's cost besides the carriers, and where a channel's orders may ship from.

Routing (here, below the apps that own these facts) reads them in the same queries that read the
locations and their stock; the apps above keep them up to date through `fulfillment.services.
routing_terms`:
- `ShadowPrice`: planning's expected future cost of using one unit of a SKU at a location now
  (a shadow price of its stock; `planning.services.shadow_prices` recomputes them);
- `LocationCostTerms` and `LocationSkuCost`: a partner's terms at the locations it runs (a fee per
  order, a handling fee per unit, a dropship supplier's price per unit of a SKU), kept by partners'
  receivers;
- `ChannelLocationPool`: the locations whose stock a channel sells (marketplaces' stock policy),
  kept by marketplaces' receivers. No row for a channel: every location may serve it.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

_NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ShadowPrice(models.Model):
    """The expected future cost (dollars) of using one unit of `sku` at `location` now."""

    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(max_digits=10, decimal_places=4, validators=_NOT_NEGATIVE)
    region = models.CharField(
        max_length=60, blank=True, help_text="The demand this stock is kept for, as people read it (Pacific)."
    )
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "sku"], name="shadowprice_unique_location_sku"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="shadowprice_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}:{self.sku_id} {self.price}"


class LocationCostTerms(models.Model):
    """A partner's terms at a location it runs: per order and per unit shipped (dollars)."""

    location = models.OneToOneField("inventory.Location", on_delete=models.CASCADE, related_name="cost_terms")
    label = models.CharField(max_length=140, help_text='Whose terms, as the routing reason names them ("Acme terms").')
    order_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=_NOT_NEGATIVE)
    unit_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=_NOT_NEGATIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "location cost terms"

    def __str__(self) -> str:
        return f"{self.label}: {self.order_fee} per order + {self.unit_fee} per unit"


class LocationSkuCost(models.Model):
    """What a unit of a SKU costs us at a location besides shipping (a dropship supplier's price)."""

    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="+")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=_NOT_NEGATIVE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "sku"], name="locationskucost_unique_location_sku"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}:{self.sku_id} {self.unit_cost}"


class ChannelLocationPool(models.Model):
    """One location a channel's orders may ship from (its pool). A channel with none: any location."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "location"], name="channellocationpool_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} may ship from {self.location_id}"
