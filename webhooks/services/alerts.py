"""An endpoint's run of failures: counted per attempt, reset by a success, and the automatic disable with its alert.

After `WEBHOOKS_DISABLE_AFTER_FAILURES` failed attempts in a row (any events), the endpoint is
disabled: no new deliveries are written for it and waiting ones are held (they go out, oldest
first, once someone enables it again). The administrators (everyone who may manage webhooks and
has an email address) get an email once the disable has committed; who was told, or why the email
failed, is recorded on the endpoint, and its page and the list show the reason.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from webhooks.conf import disable_after_failures
from webhooks.models import Subscription

logger = logging.getLogger(__name__)

MANAGE_PERMISSION = ("webhooks", "manage_webhooks")


def endpoint_success(*, subscription_id: int) -> None:
    """A delivery went through: the endpoint's run of failures is over."""
    Subscription.objects.filter(pk=subscription_id, consecutive_failures__gt=0).update(consecutive_failures=0)


def endpoint_failure_count(*, subscription_id: int, error: str, now: datetime) -> Subscription:
    """Count one more failure in a row; at the threshold disable the endpoint and alert after commit.

    Precondition: inside the transaction that records the attempt (the endpoint row is locked here,
    after the delivery row).
    """
    Subscription.objects.filter(pk=subscription_id).update(consecutive_failures=F("consecutive_failures") + 1)
    endpoint = Subscription.objects.select_for_update().get(pk=subscription_id)
    threshold = disable_after_failures()
    if endpoint.is_active and endpoint.consecutive_failures >= threshold:
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"Disabled automatically after {endpoint.consecutive_failures} failed deliveries in a row "
            f"(the last: {error or 'no answer'})."
        )[:300]
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
        transaction.on_commit(functools.partial(endpoint_disabled_alert, subscription_id=endpoint.pk))
    return endpoint


def alert_recipients() -> list[str]:
    """The email addresses of the active users who may manage webhooks (superusers included)."""
    app_label, codename = MANAGE_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    may_manage = Q(is_superuser=True)
    if permission is not None:
        may_manage |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    users = get_user_model().objects.filter(may_manage, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def endpoint_disabled_alert(*, subscription_id: int) -> list[str]:
    """Email the administrators that an endpoint was disabled; record who was told (or why not). The addresses."""
    endpoint = Subscription.objects.get(pk=subscription_id)
    recipients = alert_recipients()
    if not recipients:
        Subscription.objects.filter(pk=subscription_id).update(alert_error="Nobody who manages webhooks has an email.")
        return []
    page = reverse("webhooks:endpoint_edit", args=[endpoint.pk])
    try:
        send_mail(
            subject=f"Webhook endpoint disabled: {endpoint.name}",
            message=(
                f"The webhook endpoint {endpoint.name} ({endpoint.url}) was disabled.\n\n"
                f"{endpoint.disabled_reason}\n\n"
                "Its deliveries are kept and wait. Fix the endpoint, send a test ping from its page, then enable it "
                f"again: the waiting deliveries go out, oldest first.\n\nEndpoint page: {page}\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception as exc:
        logger.exception("Could not email the administrators about webhook endpoint %s.", subscription_id)
        Subscription.objects.filter(pk=subscription_id).update(alert_error=f"Email failed: {exc}"[:300])
        return []
    Subscription.objects.filter(pk=subscription_id).update(alert_sent_to=", ".join(recipients)[:500], alert_error="")
    return recipients
