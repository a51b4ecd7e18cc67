"""Claiming outbox rows for a push and marking them afterwards, only while the claim is still ours."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, CharField, Count, DateTimeField, F, IntegerField, Min, Q, Value, When
from django.utils import timezone

from marketplaces.models import (
    PushState,
    StockOutbox,
)
from marketplaces.outbox import outbox_prioritise, push_soon_on_commit
from marketplaces.services.stock_sync.plan import backoff_seconds, claim_lease_seconds


def claim_rows(channel_id: int, limit: int, cutoff: datetime) -> list[StockOutbox]:
    now = timezone.now()
    stale = now - timedelta(seconds=claim_lease_seconds())
    with transaction.atomic():
        ids = list(
            StockOutbox.objects.select_for_update(skip_locked=True)
            .filter(
                Q(state=PushState.PENDING, next_attempt_at__lte=now, changed_at__lte=cutoff)
                | Q(state=PushState.IN_FLIGHT, claimed_at__lt=stale),
                channel_id=channel_id,
            )
            .order_by("changed_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        # A fresh token per claim: only this claim's marks count (a stale pusher's marks after a
        # take-over match nothing).
        StockOutbox.objects.filter(pk__in=ids).update(
            state=PushState.IN_FLIGHT,
            claimed_at=now,
            claimed_generation=F("generation"),
            claim_token=secrets.token_hex(8),
        )
        return list(StockOutbox.objects.filter(pk__in=ids).order_by("changed_at", "pk"))


def owned_row_ids(rows: Sequence[StockOutbox]) -> list[int]:
    """Lock the rows still under their own claim, in (channel, SKU) order; their pks.

    Precondition: inside a transaction. The order is the coalescer's (`marketplaces.outbox`), so
    marks and coalescing never deadlock; a row taken over by another pusher (a new claim
    token) is left out, so a stale pusher's marks change nothing. A change coalesced during
    the push keeps the claim: the mark's generation check sends the newer value next.
    """
    owned = Q(pk__in=[])
    for token in sorted({row.claim_token for row in rows}):
        owned |= Q(claim_token=token, pk__in=[row.pk for row in rows if row.claim_token == token])
    return list(
        StockOutbox.objects.select_for_update()
        .filter(owned)
        .order_by("channel_id", "sku_id")
        .values_list("pk", flat=True)
    )


def mark_applied(rows: Sequence[StockOutbox], quantities: dict[int, int]) -> set[int]:
    """Applied unless a change arrived since the claim (then pending again: the newer value goes next).

    Returns the channels with rows pending again, for `prioritise_requeued` once the listings
    record what the push showed.
    """
    if not rows:
        return set()
    now = timezone.now()
    with transaction.atomic():
        pks = owned_row_ids(rows)
        if not pks:
            return set()
        changed_during = set(
            StockOutbox.objects.filter(pk__in=pks)
            .exclude(generation=F("claimed_generation"))
            .values_list("channel_id", flat=True)
        )
        StockOutbox.objects.filter(pk__in=pks).update(
            state=Case(
                When(generation=F("claimed_generation"), then=Value(PushState.APPLIED)),
                default=Value(PushState.PENDING),
            ),
            quantity=Case(
                *[When(pk=row.pk, then=Value(quantities[row.sku_id])) for row in rows], output_field=IntegerField()
            ),
            applied_at=now,
            next_attempt_at=now,
            attempts=0,
            last_error="",
            force=Case(When(generation=F("claimed_generation"), then=Value(False)), default=F("force")),
        )
    return changed_during


def prioritise_requeued(channel_ids: set[int]) -> None:
    """Judge again, for the priority lane, the rows that a change reached during their push (`mark_applied`).

    The lane judged such a change against what the listing showed before the push. A raise in
    flight that the sale empties meanwhile (the channel showed 0, the push shows 1, we now have
    0) was no crossing then and is one once the push lands; dated no earlier than the claim,
    it would wait the channel's whole max wait. Call once the listings record what the push
    showed.
    """
    if channel_ids and outbox_prioritise(sorted(channel_ids)):
        push_soon_on_commit(channel_ids)  # the pass now pushing may have counted its rows already


def mark_retry(
    rows: Sequence[StockOutbox], *, error: str, delay: float | None = None, count_attempt: bool = True
) -> None:
    """Pending again after `delay` (else exponential backoff), for the rows this claim still owns."""
    if not rows:
        return
    now = timezone.now()
    increment = 1 if count_attempt else 0
    with transaction.atomic():
        pks = owned_row_ids(rows)
        if not pks:
            return
        StockOutbox.objects.filter(pk__in=pks).update(
            state=PushState.PENDING,
            attempts=F("attempts") + increment,
            next_attempt_at=Case(
                *[
                    When(
                        pk=row.pk,
                        then=Value(
                            now
                            + timedelta(
                                seconds=delay if delay is not None else backoff_seconds(row.attempts + increment)
                            )
                        ),
                    )
                    for row in rows
                ],
                output_field=DateTimeField(),
            ),
            last_error=error[:500],
        )


def mark_failed(rows: Sequence[StockOutbox], errors: dict[int, str]) -> None:
    """Failed with the channel's reason (pending if a change arrived since the claim), for owned rows."""
    if not rows:
        return
    with transaction.atomic():
        pks = owned_row_ids(rows)
        if not pks:
            return
        StockOutbox.objects.filter(pk__in=pks).update(
            state=Case(
                When(generation=F("claimed_generation"), then=Value(PushState.FAILED)),
                default=Value(PushState.PENDING),
            ),
            attempts=F("attempts") + 1,
            last_error=Case(
                *[When(pk=row.pk, then=Value(errors[row.sku_id][:500])) for row in rows],
                output_field=CharField(),
            ),
        )


def due_summary(channel_id: int, cutoff: datetime) -> tuple[int, float, bool]:
    """(due rows, age of the oldest change among them in seconds, any taken over from a dead worker)."""
    now = timezone.now()
    stale = now - timedelta(seconds=claim_lease_seconds())
    due = StockOutbox.objects.filter(
        Q(state=PushState.PENDING, next_attempt_at__lte=now, changed_at__lte=cutoff)
        | Q(state=PushState.IN_FLIGHT, claimed_at__lt=stale),
        channel_id=channel_id,
    ).aggregate(
        n=Count("pk"),
        oldest=Min("changed_at"),
        orphaned=Count("pk", filter=Q(state=PushState.IN_FLIGHT)),
    )
    oldest = due["oldest"]
    age = (now - oldest).total_seconds() if oldest else 0.0
    return int(due["n"]), age, bool(due["orphaned"])
