"""Return policies per channel and the reasons customers may give under them."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce

from core.models import TimeStampedModel


class OutOfWindow(models.TextChoices):
    REFUSE = "refuse", "Refuse"
    HOLD = "hold", "Hold for staff approval"


class ReturnPolicy(TimeStampedModel):
    """How a channel takes returns (channel empty: every channel without its own policy)."""

    channel = models.OneToOneField(
        "channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="return_policy"
    )
    window_days = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(3650)], help_text="Days from delivery the customer may return."
    )
    late_action = models.CharField(
        "after the window",
        max_length=8,
        choices=OutOfWindow.choices,
        default=OutOfWindow.REFUSE,
        help_text="What happens to a request after the window (up to the grace days when held).",
    )
    grace_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="Days after the window during which a late request is held for approval instead of refused.",
    )
    non_returnable_skus = models.ManyToManyField("inventory.SKU", blank=True, related_name="+")
    restocking_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of the item price kept on units whose reason or condition carries the fee.",
    )
    fee_on_opened = models.BooleanField(
        default=False, help_text="Also charge the restocking fee on units inspected as opened."
    )
    return_label_fee = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Flat price of the return label kept from the refund when the reason has the customer pay for "
        "it, shown to customers before they ask; empty: the label's actual price, known once it is bought.",
    )
    refund_tax = models.BooleanField(default=True, help_text="Refund the order's tax in proportion to the items.")
    instant_exchange_min_orders = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Customers with at least this many delivered orders on the channel get their exchange shipped "
        "at once; empty: exchanges ship when the return is received.",
    )

    class Meta:
        verbose_name_plural = "return policies"
        permissions = [("manage_return_policies", "Can edit return policies and reasons")]
        constraints = [
            # One default policy (channel empty): COALESCE makes the empty channel a value the index compares.
            models.UniqueConstraint(Coalesce("channel", Value(0)), name="returnpolicy_one_default"),
        ]

    def __str__(self) -> str:
        return f"Return policy for {self.channel or 'every channel'}"


class ReturnReason(models.Model):
    """A reason a customer may give, under one policy, and what it costs them."""

    policy = models.ForeignKey(ReturnPolicy, on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=80)
    customer_pays_shipping = models.BooleanField(default=False)
    restocking_fee = models.BooleanField(default=False, help_text="Units returned for this reason carry the fee.")
    needs_approval = models.BooleanField(default=False, help_text="Requests with this reason wait for staff.")
    is_active = models.BooleanField("offered", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["policy", "code"], name="returnreason_unique_code")]

    def __str__(self) -> str:
        return self.label
