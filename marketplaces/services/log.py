"""The channel sync log: one line per push run, poll, webhook problem or confirmation, with what to do."""

from __future__ import annotations

from typing import Any

from marketplaces.models import SyncEvent, SyncLevel


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
