"""Set a channel's brand: the name, logo and colour its customers see on returns pages and emails."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from channels.models import Channel
from core.errors import ValidationFailed


def channel_brand_set(*, channel: Channel, name: str, logo_url: str, color: str) -> Channel:
    """Store the channel's customer-facing brand; empty values fall back to the channel's name and the product's look.

    Refused (400, naming the field): a logo address that is not an http(s) URL, a colour
    that is not `#rrggbb`.
    """
    logo = (logo_url or "").strip()
    if logo and not logo.lower().startswith(("https://", "http://")):
        raise ValidationFailed("Enter the logo's full address, starting with https://.", field="brand_logo_url")
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        locked.brand_name = (name or "").strip()
        locked.brand_logo_url = logo
        locked.brand_color = (color or "").strip().lower()
        try:
            locked.full_clean(exclude=["code"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise ValidationFailed(messages[0], field=None if field == "__all__" else field) from exc
        locked.save(update_fields=["brand_name", "brand_logo_url", "brand_color", "updated_at"])
    return locked
