"""Which event types are subscribed: read on every order, kept in the process a few seconds."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from webhooks.models import EventType, Subscription
from webhooks.services import subscribed_types, subscription_create
from webhooks.services import subscriptions as module

pytestmark = pytest.mark.django_db


def test_an_endpoint_changed_here_counts_at_once(make_endpoint):
    assert EventType.ORDER_CREATED not in subscribed_types()

    endpoint, _ = make_endpoint([EventType.ORDER_CREATED])
    assert EventType.ORDER_CREATED in subscribed_types()

    endpoint.is_active = False
    endpoint.save()
    assert EventType.ORDER_CREATED not in subscribed_types()


def test_a_change_made_by_another_process_counts_within_seconds(receiver, monkeypatch):
    subscription_create(name="ERP", url=receiver.url, event_types=[EventType.ORDER_SHIPPED], actor=None)
    assert EventType.ORDER_SHIPPED in subscribed_types()
    # Another process disables it: its row changes and the shared cache is cleared, this process hears nothing.
    Subscription.objects.update(is_active=False)
    cache.clear()

    assert EventType.ORDER_SHIPPED in subscribed_types()  # this process's copy, for a few seconds
    later = time.monotonic() + module.SUBSCRIBED_TYPES_LOCAL_TTL + 1
    monkeypatch.setattr(module.time, "monotonic", lambda: later)
    assert EventType.ORDER_SHIPPED not in subscribed_types()
