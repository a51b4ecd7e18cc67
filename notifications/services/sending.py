"""Sending an owed email exactly once, retrying when the mail server fails.

`notification_send` claims the row first (pending or failed -> sending, in one UPDATE), so two
workers, a Celery retry and the beat re-drive never send it twice; it sends with no transaction
open, then marks it sent and writes the order's timeline in one transaction. When the server
refuses or cannot be reached, the row goes back to failed with its next attempt time and the task
retries with backoff; after `MAX_ATTEMPTS` it is given up (on the timeline too). A worker that
dies between the claim and the answer leaves the row "sending": whether the customer got it is
unknown, so after `SENDING_LEASE` it is given up for staff to resend rather than sent again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import Notification, NotificationKind, NotificationState
from notifications.rendering import TemplateProblem
from notifications.selectors import kind_enabled, notification_for_send, notifications_stuck_sending
from notifications.services.messages import EventGone, notification_message
from notifications.services.records import NO_EMAIL, notifications_enabled
from orders.models import OrderEventKind
from orders.services import order_event_add

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_MAX_SECONDS = 3600
#: How long a claim may stay unanswered before the worker is taken for dead.
SENDING_LEASE = timedelta(minutes=15)
ACTOR_LABEL = "customer notifications"


def backoff_seconds(attempts: int) -> int:
    """Seconds before attempt `attempts` + 1: 60, 120, 240, ... at most an hour."""
    return int(min(60 * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


class SendFailed(Exception):
    """The mail server failed; the row is back to failed and a retry is due in `countdown` seconds."""

    def __init__(self, message: str, *, countdown: int):
        super().__init__(message)
        self.countdown = countdown


def _what(row: Notification) -> str:
    label = NotificationKind(row.kind).label
    return f"{label} email" + (f" ({row.shipment.number})" if row.shipment is not None else "")


def _close(row: Notification, *, state: str, error: str = "", note: str = "", skip_reason: str = "") -> str:
    """Finish a claimed row that was not sent, with a timeline note when staff should know."""
    with transaction.atomic():
        Notification.objects.filter(pk=row.pk).update(
            state=state, last_error=error[:300], skip_reason=skip_reason[:200], next_attempt_at=None
        )
        if note:
            order_event_add(
                order=row.order,
                kind=OrderEventKind.NOTE,
                message=note,
                actor_label=ACTOR_LABEL,
                data={"notification": row.pk, "kind": row.kind},
            )
    return state


def _retry_later(key: str, attempts: int, error: str) -> SendFailed:
    countdown = backoff_seconds(attempts)
    Notification.objects.filter(dedupe_key=key, state=NotificationState.SENDING).update(
        state=NotificationState.FAILED,
        last_error=error[:300],
        next_attempt_at=timezone.now() + timedelta(seconds=countdown),
    )
    return SendFailed(error, countdown=countdown)


def notification_send(*, key: str) -> str:
    """Send the owed email with this event key once; returns the row's state afterwards.

    A row already sent, skipped, given up or being sent by another worker is left alone; one
    whose kind the channel switched off (not a resend staff asked for) is skipped. Raises
    SendFailed when the mail server failed and a retry is due (the task retries).
    """
    if not notifications_enabled():
        return NotificationState.PENDING
    claimed = Notification.objects.filter(
        dedupe_key=key, state__in=[NotificationState.PENDING, NotificationState.FAILED]
    ).update(state=NotificationState.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        state = Notification.objects.filter(dedupe_key=key).values_list("state", flat=True).first()
        return str(state or "")
    try:
        head = Notification.objects.select_related("channel").get(dedupe_key=key)
        if head.resend_of_id is None and not kind_enabled(head.channel, head.kind):
            reason = f"{NotificationKind(head.kind).label} emails are switched off for {head.channel.name}."
            return _close(head, state=NotificationState.SKIPPED, skip_reason=reason)
        row = notification_for_send(head.pk)
        if not row.order.customer_email:
            return _close(row, state=NotificationState.SKIPPED, skip_reason=NO_EMAIL)
        message, rendered, language = notification_message(row)
    except (TemplateProblem, EventGone) as exc:
        # Sending again would fail the same way: staff fix the template and resend.
        return _close(
            row,
            state=NotificationState.GAVE_UP,
            error=str(exc),
            note=f"{_what(row)} not sent: {exc}. Fix it and resend from the order's notifications.",
        )
    except Exception as exc:  # the database or a bug: release the claim, the retry or the re-drive tries again
        logger.exception("Could not prepare notification %s", key)
        return _prepare_failed(key, f"could not prepare the email: {exc}")
    try:
        message.send()
    except Exception as exc:  # SMTP refused or unreachable, or an API backend's error
        return _send_failed(row, exc)
    with transaction.atomic():
        Notification.objects.filter(pk=row.pk).update(
            state=NotificationState.SENT,
            sent_at=timezone.now(),
            subject=rendered.subject,
            to_email=row.order.customer_email,
            language=language,
            last_error="",
            next_attempt_at=None,
        )
        order_event_add(
            order=row.order,
            kind=OrderEventKind.NOTE,
            message=f"{_what(row)} sent to {row.order.customer_email}: “{rendered.subject}”"
            + (" (resent)" if row.resend_of_id else "."),
            actor=row.requested_by,
            actor_label=ACTOR_LABEL,
            data={"notification": row.pk, "kind": row.kind},
        )
    return NotificationState.SENT


def _prepare_failed(key: str, error: str) -> str:
    attempts = Notification.objects.filter(dedupe_key=key).values_list("attempts", flat=True).first() or 1
    if attempts >= MAX_ATTEMPTS:
        Notification.objects.filter(dedupe_key=key, state=NotificationState.SENDING).update(
            state=NotificationState.GAVE_UP, last_error=error[:300], next_attempt_at=None
        )
        return NotificationState.GAVE_UP
    raise _retry_later(key, attempts, error)


def _send_failed(row: Notification, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"
    if row.attempts >= MAX_ATTEMPTS:
        return _close(
            row,
            state=NotificationState.GAVE_UP,
            error=error,
            note=f"{_what(row)} to {row.order.customer_email} could not be sent after {row.attempts} attempts: {error}",
        )
    raise _retry_later(row.dedupe_key, row.attempts, error)


def notifications_stuck_give_up(*, limit: int = 200) -> list[int]:
    """Give up rows whose worker died mid-send (claimed longer than `SENDING_LEASE` ago); returns their ids.

    Whether the mail server took the email is unknown: sending again could send it twice, so
    the order's timeline says so and staff decide (resend from the order's notifications).
    """
    given_up = []
    for row in notifications_stuck_sending(claimed_before=timezone.now() - SENDING_LEASE, limit=limit):
        with transaction.atomic():
            if not Notification.objects.filter(pk=row.pk, state=NotificationState.SENDING).update(
                state=NotificationState.GAVE_UP,
                last_error="The worker stopped while sending; the customer may or may not have it.",
            ):
                continue
            order_event_add(
                order=row.order,
                kind=OrderEventKind.NOTE,
                message=f"{NotificationKind(row.kind).label} email to {row.to_email or 'the customer'}: the worker "
                "stopped while sending it, so it may not have arrived. Resend it if the customer did not get it.",
                actor_label=ACTOR_LABEL,
                data={"notification": row.pk, "kind": row.kind},
            )
        given_up.append(row.pk)
    return given_up
