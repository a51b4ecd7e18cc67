"""Sending again a confirmation a channel refused: only a failed one goes back in the outbox, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from marketplaces.models import ChannelConfirmation, ConfirmationKind, PushState
from marketplaces.services.confirmation_retry import confirmation_retry
from tests.factories import SKUFactory
from tests.factories.orders import ChannelFactory, place_order

pytestmark = pytest.mark.django_db


def confirmation(state: str) -> ChannelConfirmation:
    channel: Any = ChannelFactory(code="web", name="Web shop")
    SKUFactory(code="TEE-BLK-M")
    order: Any = place_order(channel, [("TEE-BLK-M", 1)], external_id="W-1").order  # waits for stock
    return ChannelConfirmation.objects.create(
        channel=channel,
        order=order,
        kind=ConfirmationKind.CANCEL,
        dedupe_key=f"cancel-{order.pk}",
        state=state,
        attempts=3,
        next_attempt_at=timezone.now() + timedelta(hours=1),
        last_error="409: order already fulfilled",
    )


def test_a_refused_confirmation_is_due_again_now_with_its_attempts_reset(django_capture_on_commit_callbacks):
    refused = confirmation(PushState.FAILED)

    with django_capture_on_commit_callbacks() as queued:
        assert confirmation_retry(confirmation=refused) is True

    refused.refresh_from_db()
    assert (refused.state, refused.attempts) == (PushState.PENDING, 0)
    assert refused.next_attempt_at <= timezone.now()
    assert len(queued) == 1  # the push is queued after commit


@pytest.mark.parametrize("state", [PushState.PENDING, PushState.APPLIED])
def test_a_confirmation_not_refused_is_left_alone(state):
    row = confirmation(state)
    assert confirmation_retry(confirmation=row) is False
    row.refresh_from_db()
    assert (row.state, row.attempts) == (state, 3)
