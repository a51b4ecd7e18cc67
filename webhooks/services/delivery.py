"""Sending deliveries: claim with a lease, sign, POST (no transaction open), record, retry on the schedule.

The claim (`delivery_claim`) is the product's outbox pattern, as in the marketplace stock pushes
(`marketplaces.services.stock_sync.claims`): `SELECT … FOR UPDATE SKIP LOCKED` of a due row, marked
"sending" with the time and a fresh token, committed before the network call. A delivery left
"sending" longer than the lease (`WEBHOOKS_CLAIM_LEASE_SECONDS`) belongs to a worker that died and
is claimed again, so it is sent again with the same `Webhook-Id`: consumers deduplicate by it. The
result is recorded only while the claim is still ours (same token), so a sender whose lease ran
out cannot overwrite its successor's result; its attempt is still logged, because it happened.

Those claim functions cannot be reused as they are: they are written for `StockOutbox` (a channel,
a generation, a coalescing cutoff), and the marketplace pusher's lease lives in the cache (one
pusher per channel), which deliveries do not need and which must not be what keeps them alive.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict
from core.queueing import queue_or_leave_to_beat
from core.types import AnyUser, actor_id
from webhooks.conf import claim_lease_seconds, retry_schedule
from webhooks.models import (
    PING,
    AttemptTrigger,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Event,
    Subscription,
)
from webhooks.payloads.render import body_bytes, envelope
from webhooks.payloads.shapes import ping_shape
from webhooks.services.alerts import endpoint_failure_count, endpoint_success
from webhooks.services.http import USER_AGENT, HttpOutcome, post_signed
from webhooks.services.subscriptions import secrets_in_use
from webhooks.signing import signed_headers
from webhooks.tasks import deliver_task

#: Most a receiver's Retry-After may push an attempt back (the schedule's longest wait).
MAX_RETRY_AFTER_SECONDS = 24 * 3600
REQUEUE_BATCH = 500


@dataclass(frozen=True)
class Claim:
    """A delivery this worker may send now: what to send and where, and the token that proves the claim."""

    delivery_id: int
    token: str
    subscription_id: int
    url: str
    event_id: str
    body: bytes
    secrets: tuple[str, ...]
    is_ping: bool


def _claimable(now: datetime) -> Q:
    stale = now - timedelta(seconds=claim_lease_seconds())
    due = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_at__lt=stale
    )
    # A test ping goes to its endpoint even while the endpoint is disabled (that is when one checks it).
    return due & (Q(subscription__is_active=True) | Q(event__type=PING))


def delivery_claim(*, delivery_id: int, now: datetime | None = None) -> Claim | None:
    """Claim the delivery if it is due (or its claim expired) and nobody holds it; None otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "subscription")
            .filter(_claimable(now), pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        token = secrets.token_hex(8)
        Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SENDING, claimed_at=now, claim_token=token)
    return Claim(
        delivery_id=delivery.pk,
        token=token,
        subscription_id=delivery.subscription_id,
        url=delivery.subscription.url,
        event_id=delivery.event.public_id,
        body=delivery.event.body.encode(),
        secrets=tuple(secrets_in_use(delivery.subscription, now=now)),
        is_ping=delivery.event.type == PING,
    )


def delivery_send(claim: Claim, *, transport: httpx.BaseTransport | None = None) -> tuple[dict[str, str], HttpOutcome]:
    """Sign and POST a claimed delivery (outside any transaction); the headers sent and the outcome."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(
            secrets_in_use=claim.secrets, message_id=claim.event_id, timestamp=int(time.time()), body=claim.body
        ),
    }
    return headers, post_signed(url=claim.url, body=claim.body, headers=headers, transport=transport)


def _next_wait(attempts: int, outcome: HttpOutcome) -> float | None:
    """Seconds before the next attempt after `attempts` failed ones, or None: give up."""
    schedule = retry_schedule()
    if attempts > len(schedule):
        return None
    wait = float(schedule[attempts - 1])
    if outcome.retry_after is not None:
        wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER_SECONDS))
    return wait


def delivery_record(
    claim: Claim,
    *,
    headers: dict[str, str],
    outcome: HttpOutcome,
    trigger: str = AttemptTrigger.AUTOMATIC,
    started_at: datetime,
) -> DeliveryAttempt:
    """Log the attempt; if the claim is still ours, mark the delivery delivered, due again later, or failed.

    A failure counts against the endpoint (a test ping's does not); enough in a row disable it.
    Locks the delivery, then the endpoint.
    """
    now = timezone.now()
    with transaction.atomic():
        attempt = DeliveryAttempt.objects.create(
            delivery_id=claim.delivery_id,
            trigger=trigger,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            request_url=claim.url[:500],
            request_headers=headers,
            request_body=claim.body[:2048].decode("utf-8", errors="replace"),
            response_status=outcome.status,
            response_headers=outcome.headers,
            response_body=outcome.body,
            error=outcome.error,
            succeeded=outcome.succeeded,
        )
        owned = (
            Delivery.objects.select_for_update()
            .filter(pk=claim.delivery_id, claim_token=claim.token, state=DeliveryState.SENDING)
            .first()
        )
        if owned is None:
            return attempt  # our lease ran out and another sender took over: its result is the one that counts
        owned.attempts += 1
        owned.last_status_code = outcome.status
        owned.last_error = (outcome.error or (f"HTTP {outcome.status}" if not outcome.succeeded else ""))[:300]
        owned.claim_token = ""
        if outcome.succeeded:
            owned.state = DeliveryState.SUCCEEDED
            owned.delivered_at = now
            endpoint_success(subscription_id=claim.subscription_id)
        else:
            wait = None if claim.is_ping else _next_wait(owned.attempts, outcome)
            if wait is None:
                owned.state = DeliveryState.FAILED
            else:
                owned.state = DeliveryState.PENDING
                owned.next_attempt_at = now + timedelta(seconds=wait)
                owned.queued_at = None  # the sweep queues it when it is due
            if not claim.is_ping:
                endpoint_failure_count(subscription_id=claim.subscription_id, error=owned.last_error, now=now)
        owned.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "claim_token",
                "state",
                "delivered_at",
                "next_attempt_at",
                "queued_at",
                "updated_at",
            ]
        )
    return attempt


def delivery_attempt(
    *,
    delivery_id: int,
    trigger: str = AttemptTrigger.AUTOMATIC,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryAttempt | None:
    """Claim, send and record one delivery; None when it is not due or another worker holds it."""
    started_at = timezone.now()
    claim = delivery_claim(delivery_id=delivery_id, now=started_at)
    if claim is None:
        return None
    headers, outcome = delivery_send(claim, transport=transport)
    return delivery_record(claim, headers=headers, outcome=outcome, trigger=trigger, started_at=started_at)


def deliveries_requeue(*, now: datetime | None = None, limit: int = REQUEUE_BATCH) -> list[int]:
    """Queue every delivery that is due and not queued lately, or whose sender died; returns their ids.

    The beat sweep's half of "nothing lost": the rows are the truth, the broker only a wake-up
    call, so a task lost with Redis, or never queued, is queued again from here.
    """
    now = now or timezone.now()
    recent = now - timedelta(seconds=claim_lease_seconds())
    waiting = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=recent)
    )
    orphaned = Q(state=DeliveryState.SENDING, claimed_at__lt=recent)
    ids = list(
        Delivery.objects.filter(waiting | orphaned, subscription__is_active=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Delivery.objects.filter(pk__in=ids).update(queued_at=now)
        for delivery_id in ids:
            queue_or_leave_to_beat(deliver_task, delivery_id)
    return ids


def delivery_replay(*, delivery: Delivery, actor: AnyUser) -> DeliveryAttempt | None:
    """Send a delivery again now, whatever became of it (a new run of the schedule), and return the attempt.

    Refused (409) while its endpoint is disabled, or while a worker is sending it right now.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Delivery.objects.select_for_update(of=("self",)).select_related("subscription").get(pk=delivery.pk)
        if not locked.subscription.is_active:
            raise Conflict("This endpoint is disabled: enable it first, then replay.")
        lease = timedelta(seconds=claim_lease_seconds())
        if locked.state == DeliveryState.SENDING and locked.claimed_at and locked.claimed_at > now - lease:
            raise Conflict("This delivery is being sent right now; look at the log in a moment.")
        Delivery.objects.filter(pk=locked.pk).update(
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            replayed_at=now,
            replayed_by_id=actor_id(actor),
        )
    return delivery_attempt(delivery_id=locked.pk, trigger=AttemptTrigger.REPLAY)


def subscription_ping(
    *, subscription: Subscription, transport: httpx.BaseTransport | None = None
) -> DeliveryAttempt | None:
    """Send a `webhook.ping` to this endpoint now (enabled or not) and return the attempt, for its page."""
    now = timezone.now()
    with transaction.atomic():
        event = Event(type=PING, key=f"ping:{secrets.token_hex(12)}", subject={"subscription": subscription.pk})
        event.target = subscription
        event.published_at = now
        event.body = body_bytes(
            envelope(
                event_type=PING,
                event_id=event.public_id,
                created_at=event.created_at,
                data=ping_shape(subscription_id=subscription.pk, name=subscription.name),
            )
        )
        event.save(force_insert=True)
        delivery = Delivery.objects.create(event=event, subscription=subscription, next_attempt_at=now, queued_at=now)
    return delivery_attempt(delivery_id=delivery.pk, trigger=AttemptTrigger.PING, transport=transport)
