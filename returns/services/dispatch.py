"""Handing a refund to its channel, and recording what became of it.

`refund_dispatch` is the single place where a refund leaves the product. It hands the
refund to the channel's refund connector (`refund_connector_for`, configured by
`settings.RETURNS_REFUND_CONNECTOR`: a dotted path to a factory taking the channel and
returning an object with `refund(RefundRequest) -> RefundResult`, or None when that channel
cannot refund through its API). With no connector, the refund waits for staff to refund in
the channel's own back office and record it here (`refund_mark_executed`).

The task that runs it, `refund_dispatch_task`, is defined here too: the services that queue
it (`refund_create`, `refund_retry`) import it from here, and `returns.tasks`, which
imports the services, only re-exports it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from channels.models import Channel
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from returns.backoff import MAX_RETRIES, backoff
from returns.models import Refund, RefundStatus, ReturnAuthorization, ReturnStatus
from returns.services._common import actor_id, rma_event, rma_lock, rma_transition


@dataclass(frozen=True)
class RefundRequest:
    """What a channel needs to refund: its own order id, the amount, and our reference (idempotency key)."""

    channel_code: str
    channel_order_id: str
    amount: Decimal
    currency: str
    reference: str
    reason: str
    #: (our order line number, units) refunded; empty when the refund is for an amount only.
    lines: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class RefundResult:
    """The channel's answer: its refund id, and whether the money moved already (`executed`) or later (`sent`)."""

    channel_reference: str
    executed: bool = True


class RefundConnector(Protocol):
    def refund(self, request: RefundRequest) -> RefundResult: ...


class RefundFailed(Exception):
    """The channel refused or could not be reached; `retry` says whether trying later may help."""

    def __init__(self, message: str, *, retry: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


def refund_connector_for(channel: Channel) -> RefundConnector | None:
    """The channel's refund connector, or None when refunds are made by hand in the channel.

    The plug point for the channels app's connectors: `settings.RETURNS_REFUND_CONNECTOR`
    names a factory `(channel) -> connector | None`.
    """
    path = getattr(settings, "RETURNS_REFUND_CONNECTOR", "")
    if not path:
        return None
    factory = import_string(path)
    connector: RefundConnector | None = factory(channel)
    return connector


def _settle(rma: ReturnAuthorization, *, actor: AnyUser | None, actor_label: str, message: str) -> None:
    if rma.status in (ReturnStatus.INSPECTED, ReturnStatus.EXCHANGED):
        rma_transition(rma=rma, to=ReturnStatus.REFUNDED, actor=actor, actor_label=actor_label, message=message)


#: A refund left "sending" longer than this (the worker died mid-call) may be dispatched or recorded again;
#: the request carries our reference so the channel can deduplicate it.
SENDING_STALE_AFTER = timedelta(minutes=15)


def _sending_in_progress(refund: Refund) -> bool:
    return refund.status == RefundStatus.SENDING and refund.updated_at > timezone.now() - SENDING_STALE_AFTER


def _sending_conflict(refund: Refund) -> Conflict:
    return Conflict(
        f"The refund of {refund.amount} {refund.currency} is being sent to {refund.channel.name} right now; "
        "wait for the channel's answer before sending or recording it again."
    )


def refund_dispatch(*, refund_id: int) -> Refund:
    """Hand a pending (or failed) refund to its channel: the one place a refund leaves the product.

    Exactly once: under the return's and the refund's row locks the refund is claimed
    ("sending", one attempt more) before the channel is called with no transaction open; a
    second dispatch while it is sending is refused (409, `Conflict`), and so is recording it
    executed by hand (`refund_mark_executed`). The channel's answer is stored under the locks
    again: executed or sent, or back to failed for a retry. An executed or sent refund is
    left alone, and the request carries our reference (the RMA number) for the channel to
    deduplicate. With no connector for the channel, the refund stays pending for staff to
    execute by hand. Raises `RefundFailed` when a retry may help (the task retries).
    """
    refund = Refund.objects.select_related("rma", "rma__order", "channel").get(pk=refund_id)
    if refund.status in (RefundStatus.EXECUTED, RefundStatus.SENT):
        return refund
    connector = refund_connector_for(refund.channel)
    if connector is None:
        return refund
    with transaction.atomic():
        rma_lock(refund.rma_id)
        claimed = Refund.objects.select_for_update().select_related("channel").get(pk=refund.pk)
        if claimed.status in (RefundStatus.EXECUTED, RefundStatus.SENT):
            return claimed
        if _sending_in_progress(claimed):
            raise _sending_conflict(claimed)
        claimed.status = RefundStatus.SENDING
        claimed.attempts += 1
        claimed.save(update_fields=["status", "attempts", "updated_at"])
    request = RefundRequest(
        channel_code=refund.channel.code,
        channel_order_id=refund.rma.order.external_id,
        amount=refund.amount,
        currency=refund.currency,
        reference=refund.rma.number,
        reason=f"Return {refund.rma.number}",
        lines=tuple(
            (line.order_line.line_number, line.quantity_received)
            for line in refund.rma.lines.select_related("order_line").order_by("pk")
            if line.quantity_received and not line.exchange_sku_id
        ),
    )
    error: RefundFailed | None = None
    result: RefundResult | None = None
    try:
        result = connector.refund(request)
    except RefundFailed as exc:
        error = exc
    except Exception as exc:  # anything unexpected: never leave the refund claimed as "sending"
        error = RefundFailed(f"unexpected error: {exc}", retry=True)
    with transaction.atomic():
        rma = rma_lock(refund.rma_id)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status != RefundStatus.SENDING:
            return locked  # recorded meanwhile (after a stale claim): keep that answer
        if result is not None:
            locked.channel_reference = result.channel_reference[:100]
            locked.last_error = ""
            locked.sent_at = timezone.now()
            if result.executed:
                locked.status = RefundStatus.EXECUTED
                locked.executed_at = locked.sent_at
            else:
                locked.status = RefundStatus.SENT
            locked.save()
            label = f"{refund.channel.name} refunds"
            rma_event(
                rma=rma,
                message=f"refund {locked.amount} {locked.currency} {locked.get_status_display().lower()} "
                f"({locked.channel_reference}).",
                actor_label=label,
            )
            if result.executed:
                _settle(
                    rma,
                    actor=None,
                    actor_label=label,
                    message=f"{locked.amount} {locked.currency} refunded by the channel",
                )
        else:
            assert error is not None
            locked.status = RefundStatus.FAILED
            locked.last_error = str(error)[:300]
            locked.save()
            rma_event(rma=rma, message=f"refund not accepted by {refund.channel.name}: {error}", actor_label="refunds")
    if error is not None and error.retry:
        raise error
    return locked


@shared_task(name="returns.tasks.refund_dispatch_task", bind=True, max_retries=MAX_RETRIES)
def refund_dispatch_task(self: Any, refund_id: int) -> str:
    """Hand one refund to its channel (queued after commit when a return is inspected); retried with backoff."""
    try:
        return refund_dispatch(refund_id=refund_id).status
    except Conflict:
        return "sending"  # another worker is sending it right now; its answer is recorded there
    except (RefundFailed, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or backoff(self.request.retries)) from exc


def refund_mark_executed(
    *, refund: Refund, actor: AnyUser | None, reference: str = "", actor_label: str = ""
) -> Refund:
    """Staff refunded in the channel's own back office (or the channel confirmed a sent refund): record it."""
    reference = reference.strip()
    if len(reference) > 100:
        raise ValidationFailed("The channel's refund reference is at most 100 characters.", field="reference")
    with transaction.atomic():
        rma = rma_lock(refund.rma_id)
        locked = Refund.objects.select_for_update().select_related("channel").get(pk=refund.pk)
        if locked.status == RefundStatus.EXECUTED:
            return locked
        if _sending_in_progress(locked):
            raise _sending_conflict(locked)
        locked.status = RefundStatus.EXECUTED
        locked.executed_at = timezone.now()
        locked.executed_by_id = actor_id(actor)
        if reference:
            locked.channel_reference = reference
        locked.last_error = ""
        locked.save()
        _settle(
            rma,
            actor=actor,
            actor_label=actor_label,
            message=f"{locked.amount} {locked.currency} refunded" + (f" (ref {reference})" if reference else ""),
        )
    return locked


def refund_retry(*, refund: Refund, actor: AnyUser | None) -> Refund:
    """Queue a failed or pending refund for the channel again (after the cause was fixed)."""
    if refund.status == RefundStatus.EXECUTED:
        raise Conflict("This refund was executed already.")
    if _sending_in_progress(refund):
        raise _sending_conflict(refund)
    transaction.on_commit(functools.partial(refund_dispatch_task.delay, refund.pk))
    return refund
