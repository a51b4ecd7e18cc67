"""Sending again a confirmation a channel refused (a shipment, cancellation or refund it rejected
for good), once a person has fixed the cause on the channel."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.queueing import queue_on_commit_or_leave_to_beat
from marketplaces.models import ChannelConfirmation, PushState
from marketplaces.tasks import confirmations_push_task


def confirmation_retry(*, confirmation: ChannelConfirmation) -> bool:
    """Put a failed confirmation back in the outbox, due now; True if it was failed (and is pending now).

    A pending or applied one is left alone, so pressing twice sends it once. The row is locked
    while it changes, as the pusher's updates are; the push is queued after commit (the beat
    sweep sends it if the broker is down).
    """
    with transaction.atomic():
        locked = ChannelConfirmation.objects.select_for_update().get(pk=confirmation.pk)
        if locked.state != PushState.FAILED:
            return False
        ChannelConfirmation.objects.filter(pk=locked.pk).update(
            state=PushState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        queue_on_commit_or_leave_to_beat(confirmations_push_task)
    return True
