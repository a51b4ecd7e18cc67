"""Sales channels and their API keys.

A channel is where orders come from (a Shopify shop, an Amazon marketplace, the merchant's
own web shop, a point of sale). Each channel authenticates to the REST API with its own
keys: a key sees only its channel's orders. Keys are stored hashed; the full key is shown
once, when it is created.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from core.models import TimeStampedModel


class ChannelKind(models.TextChoices):
    WEB = "web", "Web shop / custom (REST)"
    SHOPIFY = "shopify", "Shopify"
    AMAZON = "amazon", "Amazon"
    EBAY = "ebay", "eBay"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    POS = "pos", "Point of sale"


class Channel(TimeStampedModel):
    """A sales channel."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices, default=ChannelKind.WEB)
    currency = models.CharField(max_length=3, default="USD")
    is_active = models.BooleanField("enabled", default=True)
    label_rule = models.CharField(
        "label choice",
        max_length=16,
        choices=[
            ("on_time", "Cheapest that arrives by the promised date"),
            ("fastest", "Fastest"),
            ("preferred", "The preferred carrier, when it quotes"),
        ],
        default="on_time",
        help_text="Which live rate the packing bench picks for this channel's orders; staff can change it.",
    )
    preferred_carrier = models.CharField(
        max_length=40, blank=True, help_text='For "preferred carrier": its name as the carrier quotes it, e.g. UPS.'
    )
    # What customers see on the returns pages and emails of this channel's orders.
    brand_name = models.CharField(
        max_length=120, blank=True, help_text="The shop's name as customers know it; empty: the channel's name."
    )
    brand_logo_url = models.URLField(
        "logo address",
        max_length=500,
        blank=True,
        help_text="https address of the shop's logo (PNG or SVG, about 160 x 40 px); empty: the name alone.",
    )
    brand_color = models.CharField(
        "brand colour",
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as # and six hex digits, e.g. #1f4fd1.")],
        help_text="Buttons and links on the customer pages, e.g. #1f4fd1; empty: the product's blue.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ChannelApiKey(models.Model):
    """One API key of a channel: `fk_<prefix>_<secret>`; only the SHA-256 of the whole key is kept."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80, help_text="What uses this key, e.g. 'Storefront checkout'.")
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_api_keys", "Can create and revoke channel API keys")]

    def __str__(self) -> str:
        return f"{self.channel.code}:{self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
