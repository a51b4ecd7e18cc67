"""Products with variants, and bin locations.

A product ("Merino Crew Sweater") groups SKUs that differ only by option values (size,
colour). The grouping lives beside the SKU (one optional `Variant` row per SKU) rather than on
it, so a SKU without a product stays a standalone item and nothing about stock changes.

A bin is where a SKU sits inside one location ("A-03-2-B": aisle, bay, shelf, slot). Pick
lists are sorted by it so a picker walks the aisles once.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel

from .stock import SKU, Location

BIN_PATH_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9./_-]*$",
    "A bin path is letters and digits separated by '-', '.', '/' or '_', e.g. A-03-2-B.",
)


class Product(TimeStampedModel):
    """A sellable item offered in variants; each variant is one SKU with its own option values."""

    name = models.CharField(max_length=200, unique=True)
    option1_name = models.CharField("first option", max_length=40, default="Size", blank=True)
    option2_name = models.CharField("second option", max_length=40, default="Colour", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """Makes a SKU one variant of a product, with its option values (e.g. size M, colour Navy)."""

    sku = models.OneToOneField(SKU, on_delete=models.CASCADE, related_name="variant")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    option1 = models.CharField(max_length=60, blank=True)
    option2 = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["product_id", "sku__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "option1", "option2"],
                condition=~Q(option1="", option2=""),
                name="variant_unique_options_per_product",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.name} / {self.label or self.sku.code}"

    @property
    def label(self) -> str:
        """The option values as shoppers read them: "M / Navy"."""
        return " / ".join(value for value in (self.option1, self.option2) if value)


class BinLocation(models.Model):
    """Where a SKU sits inside a location, as a path such as A-03-2-B (one bin per SKU and location)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="bins")
    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="bins")
    path = models.CharField("bin", max_length=40, validators=[BIN_PATH_VALIDATOR])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "sku"], name="bin_unique_location_sku")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.path}"
