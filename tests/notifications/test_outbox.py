"""The outbox: one email per event however often it is reported, retries with backoff, the per-channel
switch, resends, and nothing lost when a task or a worker is."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from channels.models import ChannelKind
from fulfillment.services import order_cancel
from notifications.models import Notification, NotificationKind, NotificationState
from notifications.services import (
    MAX_ATTEMPTS,
    SendFailed,
    notification_resend,
    notification_send,
    notification_switch_set,
    notifications_catch_up,
    notifications_redrive,
    order_cancellation_record,
    shipment_shipped_record,
)
from notifications.services.sending import SENDING_LEASE
from notifications.tasks import notification_send_task, notifications_confirm_window, notifications_send_window
from orders.models import OrderEvent
from tests.factories.orders import ChannelFactory
from tests.factories.returns import return_network, ship_order
from tests.notifications.conftest import place, rows

pytestmark = pytest.mark.django_db


def sent_events(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, actor_label="customer notifications", message__contains=" sent to ")
        .order_by("pk")
        .values_list("message", flat=True)
    )


def test_the_same_event_reported_twice_sends_one_email(net, mailoutbox, django_capture_on_commit_callbacks):
    order = place(net)
    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order, delivered_days_ago=None)
    [shipment] = order.shipments.all()
    assert [email.subject for email in mailoutbox] == [f"Your Fulfil Goods order {order.number} has shipped"]

    # The sweep, a second report of the same shipment, and a second send of the same row: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        notifications_catch_up()
        shipment_shipped_record(shipment_id=shipment.pk)
        assert notification_send(key=f"shipped:{shipment.pk}") == NotificationState.SENT

    assert len(mailoutbox) == 1
    assert len(rows(order, NotificationKind.SHIPPED)) == 1
    assert len(sent_events(order)) == 1


def test_events_whose_rows_were_lost_are_recorded_by_the_sweep_once(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    shipped = place(net, external_id="W-1")
    ship_order(shipped, delivered_days_ago=None)
    cancelled = place(net, external_id="W-2")
    order_cancel(order=cancelled, actor=None)
    Notification.objects.all().delete()  # as if the changes had been written without their save hooks

    with django_capture_on_commit_callbacks(execute=True):
        caught = notifications_catch_up()
        again = notifications_catch_up()

    assert (caught.confirmations, caught.shipped, caught.cancellations) == (2, 1, 1)
    assert (again.confirmations, again.shipped, again.cancellations) == (0, 0, 0)
    assert sorted(email.subject for email in mailoutbox) == sorted(
        [
            f"Your Fulfil Goods order {shipped.number} is confirmed",
            f"Your Fulfil Goods order {shipped.number} has shipped",
            f"Your Fulfil Goods order {cancelled.number} is confirmed",
            f"Your Fulfil Goods order {cancelled.number} was cancelled",
        ]
    )


def test_a_cancellation_reported_again_after_the_fact_sends_nothing_more(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    order = place(net)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None)
        order_cancellation_record(order_id=order.pk)
        notifications_catch_up()
    assert [email.subject for email in mailoutbox] == [f"Your Fulfil Goods order {order.number} was cancelled"]


def test_a_failed_send_is_retried_by_the_task_and_sent_once(net, flaky_mail, mailoutbox):
    order = place(net)  # the commit hooks of this test do not run: the row waits for its task
    key = f"order_confirmation:{order.pk}"
    flaky_mail.failures = 1

    # Run the task as a worker would, retries included (here at once instead of after the countdown).
    result = notification_send_task.apply(kwargs={"key": key}, throw=False)

    assert result.result == NotificationState.SENT
    [email] = mailoutbox
    assert email.subject == f"Your Fulfil Goods order {order.number} is confirmed"
    assert flaky_mail.calls == 2
    [row] = rows(order)
    assert (row.state, row.attempts, row.last_error) == (NotificationState.SENT, 2, "")
    assert len(sent_events(order)) == 1


def test_a_failure_waits_its_backoff_then_the_redrive_sends_it(net, flaky_mail, mailoutbox):
    order = place(net)  # its task never ran (the commit hooks of this test are not run): the row waits
    key = f"order_confirmation:{order.pk}"
    flaky_mail.failures = 1

    with pytest.raises(SendFailed) as failed:
        notification_send(key=key)

    assert failed.value.countdown == 60
    row = Notification.objects.get(dedupe_key=key)
    assert row.state == NotificationState.FAILED and "Connection refused" in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert mailoutbox == []

    assert notifications_redrive(now=timezone.now()) == (0, 0)  # not due yet
    assert notifications_redrive(now=timezone.now() + timedelta(seconds=61)) == (1, 0)
    [email] = mailoutbox
    assert email.to == ["ada@example.com"]
    assert Notification.objects.get(dedupe_key=key).state == NotificationState.SENT


def test_a_mail_server_that_keeps_failing_is_given_up_and_said_on_the_timeline(net, flaky_mail, mailoutbox):
    order = place(net)
    key = f"order_confirmation:{order.pk}"
    flaky_mail.failures = 100

    countdowns = []
    for _ in range(MAX_ATTEMPTS - 1):  # each attempt the task (or the redrive) makes, one after the other
        with pytest.raises(SendFailed) as failed:
            notification_send(key=key)
        countdowns.append(failed.value.countdown)
    assert notification_send(key=key) == NotificationState.GAVE_UP

    assert countdowns == [60, 120, 240, 480, 960, 1920, 3600]
    [row] = rows(order)
    assert (row.state, row.attempts) == (NotificationState.GAVE_UP, MAX_ATTEMPTS)
    assert flaky_mail.calls == MAX_ATTEMPTS and mailoutbox == []
    assert OrderEvent.objects.filter(
        order=order, message__contains=f"could not be sent after {MAX_ATTEMPTS} attempts"
    ).exists()


def test_a_worker_that_died_mid_send_is_given_up_not_sent_again(net, mailoutbox):
    order = place(net)
    key = f"order_confirmation:{order.pk}"
    claimed = timezone.now() - SENDING_LEASE - timedelta(minutes=1)
    Notification.objects.filter(dedupe_key=key).update(state=NotificationState.SENDING, claimed_at=claimed)

    assert notification_send(key=key) == NotificationState.SENDING  # another worker holds it
    assert notifications_redrive() == (0, 1)

    assert Notification.objects.get(dedupe_key=key).state == NotificationState.GAVE_UP
    assert mailoutbox == []
    assert OrderEvent.objects.filter(order=order, message__contains="stopped while sending").exists()


def test_marketplace_channels_start_switched_off_and_own_channels_on(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    shopify = ChannelFactory(code="shopify-us", name="Shopify US", kind=ChannelKind.SHOPIFY)
    with django_capture_on_commit_callbacks(execute=True):
        market_order = place(net, external_id="S-1", channel=shopify)
        own_order = place(net, external_id="W-1")

    assert [email.to for email in mailoutbox] == [["ada@example.com"]]
    assert own_order.number in mailoutbox[0].subject
    [row] = rows(market_order)
    assert row.state == NotificationState.SKIPPED
    assert row.skip_reason == "Order confirmation emails are switched off for Shopify US."


def test_a_kind_switched_off_is_not_sent_and_switching_it_on_sends_no_old_news(
    net, mailoutbox, back_office_user, django_capture_on_commit_callbacks
):
    notification_switch_set(
        channel=net.channel, kind=NotificationKind.ORDER_CONFIRMATION, enabled=False, actor=back_office_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        before = place(net, external_id="W-1")
    assert mailoutbox == []

    notification_switch_set(
        channel=net.channel, kind=NotificationKind.ORDER_CONFIRMATION, enabled=True, actor=back_office_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        notifications_catch_up()
        notifications_redrive()
        after = place(net, external_id="W-2")

    assert [email.subject for email in mailoutbox] == [f"Your Fulfil Goods order {after.number} is confirmed"]
    [row] = rows(before)
    assert row.state == NotificationState.SKIPPED


def test_an_order_without_an_email_address_is_skipped_with_the_reason(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net, email="")
    [row] = rows(order)
    assert (row.state, row.skip_reason) == (NotificationState.SKIPPED, "The order has no email address.")
    assert mailoutbox == []


def test_a_resend_is_a_staff_action_sent_again_and_recorded_with_who_asked(
    net, mailoutbox, back_office_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net)
    [first] = rows(order)

    with django_capture_on_commit_callbacks(execute=True):
        resent = notification_resend(notification=first, actor=back_office_user)
        notifications_catch_up()

    assert len(mailoutbox) == 2 and mailoutbox[0].subject == mailoutbox[1].subject
    resent.refresh_from_db()
    assert (resent.dedupe_key, resent.state, resent.resend_of) == (f"{first.dedupe_key}:resend:1", "sent", first)
    [event] = OrderEvent.objects.filter(order=order, message__endswith="(resent)")
    assert event.actor == back_office_user


def test_a_server_told_not_to_email_customers_records_and_sends_nothing(
    net, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net)
        notifications_catch_up()
    assert mailoutbox == [] and rows(order) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_the_same_due_email_send_it_once(mailoutbox):
    """Six workers (a retry, the redrive, a duplicate task...) take the same due row at once: one sends."""
    net = return_network()
    order = place(net)  # committed: its confirmation went out at once
    key = f"order_confirmation:{order.pk}"
    assert len(mailoutbox) == 1
    Notification.objects.filter(dedupe_key=key).update(state=NotificationState.PENDING)  # due again
    mailoutbox.clear()
    barrier = threading.Barrier(6)
    states: list[str] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            states.append(notification_send(key=key))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(mailoutbox) == 1
    assert states.count(NotificationState.SENT) >= 1  # the others answer what they found: sending or sent
    assert set(states) <= {NotificationState.SENT, NotificationState.SENDING}
    assert len(sent_events(order)) == 2


def test_a_window_task_sends_the_emails_owed_in_its_second_and_no_others(net, mailoutbox):
    """Recording an email queues one message per second of emails; that second's task sends each of them."""
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    stamps = {
        "W-BEFORE": start - timedelta(milliseconds=1),
        "W-IN": start + timedelta(milliseconds=500),
        "W-AFTER": start + timedelta(seconds=1),
    }
    orders = {}
    for external_id, stamp in stamps.items():
        orders[external_id] = place(net, external_id=external_id)  # commit hooks not run: each row waits
        Notification.objects.filter(order=orders[external_id]).update(next_attempt_at=stamp)

    window = {"since": start.isoformat(), "until": (start + timedelta(seconds=1)).isoformat()}
    assert notifications_send_window.apply(kwargs=window).get() == [f"order_confirmation:{orders['W-IN'].pk}"]

    assert [email.subject for email in mailoutbox] == [f"Your Fulfil Goods order {orders['W-IN'].number} is confirmed"]
    states = {external_id: rows(order)[0].state for external_id, order in orders.items()}
    assert states == {
        "W-BEFORE": NotificationState.PENDING,
        "W-IN": NotificationState.SENT,
        "W-AFTER": NotificationState.PENDING,
    }


def test_with_a_broker_the_confirmation_is_owed_after_the_commit_by_its_seconds_task(
    net, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """The order's request does not write the email's row; one task per second of orders does, once."""
    monkeypatch.setattr(notifications_confirm_window.app.conf, "task_always_eager", False)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        order = place(net, external_id="W-BROKER")
    monkeypatch.undo()
    assert rows(order) == []  # nothing written in the order's transaction
    assert len(after_commit) >= 1  # the second's task is queued once the order commits

    second = order.created_at.replace(microsecond=0)
    window = {"since": second.isoformat(), "until": (second + timedelta(seconds=1)).isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_confirm_window.apply(kwargs=window).get() == [order.pk]
        assert notifications_confirm_window.apply(kwargs=window).get() == []  # owed once

    assert [row.kind for row in rows(order)] == [NotificationKind.ORDER_CONFIRMATION]
    assert [email.subject for email in mailoutbox] == [f"Your Fulfil Goods order {order.number} is confirmed"]
