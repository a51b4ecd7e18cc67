"""Change a sales channel's details (its code never changes: orders and keys refer to it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from channels.models import Channel
from core.errors import ValidationFailed


def channel_update(*, channel: Channel, name: str, kind: str, currency: str, is_active: bool) -> Channel:
    """Rename a channel, change its kind or currency, or enable or disable it.

    A disabled channel's API keys stop authenticating at once (`api_key_authenticate` only
    accepts keys of enabled channels); enabling it again brings them back.
    """
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        locked.name = (name or "").strip()
        locked.kind = kind
        locked.currency = (currency or "").strip().upper()
        locked.is_active = is_active
        try:
            locked.full_clean()
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise ValidationFailed(messages[0], field=None if field == "__all__" else field) from exc
        locked.save()
    return locked
