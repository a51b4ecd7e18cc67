"""The channel sync log: one line per push run, poll, webhook problem or confirmation, with what to do."""

from __future__ import annotations

from typing import Any

from channels.models import Channel
from marketplaces.models import ChannelSync, CredentialStatus, SyncEvent, SyncKind, SyncLevel


def sync_log(
    *,
    channel_id: int,
    kind: str,
    message: str,
    level: str = SyncLevel.INFO,
    action: str = "",
    calls: int = 0,
    data: dict[str, Any] | None = None,
) -> SyncEvent:
    """Append a line to a channel's sync log."""
    return SyncEvent.objects.create(
        channel_id=channel_id,
        kind=kind,
        level=level,
        message=message[:500],
        action=action[:300],
        calls=calls,
        data=data or {},
    )


def credentials_expired_record(*, channel: Channel, message: str) -> None:
    """The channel refused our credentials: mark its connection expired and tell staff what to do.

    Sync, polling and confirmations pause for this channel until new credentials are saved;
    nothing is lost (pushes stay pending, deliveries stay received).
    """
    ChannelSync.objects.filter(channel_id=channel.pk).update(
        credential_status=CredentialStatus.EXPIRED, credential_error=message[:300]
    )
    sync_log(
        channel_id=channel.pk,
        kind=SyncKind.CREDENTIALS,
        level=SyncLevel.ERROR,
        message=f"{channel.name} refused our credentials: {message}",
        action="Enter new credentials on the channel's connection form. Sync is paused until then; nothing is lost.",
    )
