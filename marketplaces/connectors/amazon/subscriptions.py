"""Subscribing the seller to ORDER_CHANGE notifications, delivered to its SQS queue.

Amazon sends order notifications only to a destination an application registered and only for
notification types the seller subscribed to; it sends them from its own AWS account, which the
queue's access policy must allow to send (a refused delivery is reported to nobody: the queue
just stays empty). Setting it up takes three steps, each safe to repeat:

1. the queue lets SP-API's account send to it (`GetQueueAttributes`, else `AddPermission` with
   the seller's own AWS key, which owns the queue);
2. a destination for the queue's ARN (`createDestination`, grantless: a token of the
   application, not of the seller; an existing one is found with `getDestinations`);
3. the seller's ORDER_CHANGE subscription to it (`createSubscription` with the seller's token);
   a subscription of ours to another destination (an earlier queue) is deleted first, as the
   seller has one subscription per type and application.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from marketplaces.connectors.amazon.notices import AmazonNotices
from marketplaces.connectors.amazon.sqs_url import sqs_queue
from marketplaces.connectors.base import ConnectorError, RequestRejected, TransientError

#: The AWS account SP-API sends notifications from (Amazon's published principal).
SP_API_ACCOUNT = "437568002678"
#: The scope of a grantless token for the Notifications API.
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
ORDER_CHANGE = "ORDER_CHANGE"
#: How the names of the destinations this product registers begin (followed by the queue's name).
DESTINATION_PREFIX = "Order notices "
#: The label of the statement we add to the queue's policy.
PERMISSION_LABEL = "SellingPartnerApiNotifications"


@dataclass(frozen=True)
class NoticeSubscription:
    """Where the seller's ORDER_CHANGE notifications go, and what this setup had to do."""

    subscription_id: str
    destination_id: str
    queue_arn: str
    steps: list[str] = field(default_factory=list)  # what was changed, in words; empty: all was in place
    warnings: list[str] = field(default_factory=list)  # what could not be checked


#: What a queue policy says of SP-API's account: it may send, may send under conditions we cannot
#: evaluate (a seller who scoped the grant, e.g. with aws:SourceAccount), or may not.
ALLOWED, CONDITIONAL, NOT_ALLOWED = "allowed", "conditional", "not allowed"


def statement_grant(statement: Any) -> str:
    """What one statement of a queue policy lets SP-API's account do: ALLOWED, CONDITIONAL or NOT_ALLOWED."""
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return NOT_ALLOWED
    principal = statement.get("Principal")
    principals = principal.get("AWS") if isinstance(principal, dict) else principal
    principals = principals if isinstance(principals, list) else [principals]
    if not any(p in ("*", SP_API_ACCOUNT, f"arn:aws:iam::{SP_API_ACCOUNT}:root") for p in principals):
        return NOT_ALLOWED
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    if not any(str(a).lower() in ("sqs:sendmessage", "sqs:*", "*") for a in actions):
        return NOT_ALLOWED
    return CONDITIONAL if statement.get("Condition") else ALLOWED


def policy_grant(policy: str | None) -> str:
    """What the queue's access policy (a JSON string from SQS) lets SP-API do: its statements' widest grant."""
    try:
        statements = json.loads(policy or "{}").get("Statement") or []
    except (ValueError, AttributeError):
        return NOT_ALLOWED
    grants = {statement_grant(s) for s in (statements if isinstance(statements, list) else [statements])}
    return next((grant for grant in (ALLOWED, CONDITIONAL) if grant in grants), NOT_ALLOWED)


def policy_allows_sp_api(policy: str | None) -> bool:
    """True when the queue's access policy lets SP-API send to it without conditions."""
    return policy_grant(policy) == ALLOWED


def _label_taken(exc: RequestRejected) -> bool:
    """SQS refused AddPermission because the policy already has a statement with that label."""
    return exc.status == 400 and "Already exists" in exc.message


def _access_denied(exc: RequestRejected) -> bool:
    """The key is valid but its IAM policy does not allow the action (not a wrong key or queue)."""
    return exc.status == 403 and "AccessDenied" in exc.message


class AmazonSubscriptions(AmazonNotices):
    """The Notifications API calls and the queue's access policy."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._grantless = ""
        self._grantless_expires = 0.0

    def subscribe_order_change(self) -> NoticeSubscription:
        """Make sure ORDER_CHANGE reaches the channel's queue: policy, destination, subscription."""
        steps: list[str] = []
        warnings: list[str] = []
        queue_arn = self._queue_open_to_sp_api(steps, warnings)
        destination_id = self._destination_for(queue_arn, steps)
        subscription_id = self._subscription_to(destination_id, steps)
        return NoticeSubscription(subscription_id, destination_id, queue_arn, steps, warnings)

    # 1. The queue ------------------------------------------------------------------------

    def _queue_open_to_sp_api(self, steps: list[str], warnings: list[str]) -> str:
        """The queue's ARN, once its policy lets SP-API send to it (adding the permission if not)."""
        try:
            attributes = self._sqs("GetQueueAttributes", {"QueueUrl": self.queue_url, "AttributeNames": ["All"]})
        except RequestRejected as exc:
            if not _access_denied(exc):  # a wrong key or queue: nothing below could work either
                raise
            warnings.append(
                "Could not read the queue's access policy (the AWS key may not call sqs:GetQueueAttributes): "
                f"make sure it lets account {SP_API_ACCOUNT} call sqs:SendMessage, or Amazon's notifications "
                "never arrive."
            )
            return self.queue_arn_from_url()
        values = attributes.get("Attributes") or {}
        queue_arn = str(values.get("QueueArn") or self.queue_arn_from_url())
        if self._granted(values.get("Policy"), warnings):
            return queue_arn
        try:
            self._sqs(
                "AddPermission",
                {
                    "QueueUrl": self.queue_url,
                    "Label": PERMISSION_LABEL,
                    "AWSAccountIds": [SP_API_ACCOUNT],
                    "Actions": ["SendMessage", "GetQueueAttributes"],
                },
            )
        except RequestRejected as exc:
            if _label_taken(exc):
                return self._queue_with_our_statement(queue_arn, warnings)
            if not _access_denied(exc):
                raise
            why = "this AWS key may not call sqs:AddPermission"
            raise RequestRejected(
                f"Amazon may not send to the queue yet, and we could not allow it ({why}). In the SQS console, add "
                f"to the access policy of {queue_arn} a statement allowing principal {SP_API_ACCOUNT} "
                "sqs:SendMessage and sqs:GetQueueAttributes, or let the key call sqs:AddPermission; then set up "
                "notifications again.",
                status=exc.status,
            ) from exc
        steps.append(f"allowed Amazon's account {SP_API_ACCOUNT} to send to the queue")
        return queue_arn

    def _granted(self, policy: str | None, warnings: list[str]) -> bool:
        """True when the policy lets SP-API send (with a warning where only under conditions)."""
        grant = policy_grant(policy)
        if grant == CONDITIONAL:
            warnings.append(
                f"The queue's access policy lets account {SP_API_ACCOUNT} send only under a condition we cannot "
                "check: if no notifications arrive, make sure the condition admits Amazon's notifications."
            )
        return grant != NOT_ALLOWED

    def _queue_with_our_statement(self, queue_arn: str, warnings: list[str]) -> str:
        """AddPermission found a statement with our label: another setup just added it, or someone edited it."""
        attributes = self._sqs("GetQueueAttributes", {"QueueUrl": self.queue_url, "AttributeNames": ["Policy"]})
        if self._granted((attributes.get("Attributes") or {}).get("Policy"), warnings):
            return queue_arn  # added meanwhile by another setup
        raise RequestRejected(
            f"The access policy of {queue_arn} has a statement labelled {PERMISSION_LABEL} that does not let "
            f"account {SP_API_ACCOUNT} call sqs:SendMessage. In the SQS console, correct that statement or remove "
            "it (we add it again), then set up notifications again.",
            status=400,
        )

    def queue_arn_from_url(self) -> str:
        """The ARN of a queue named by its URL (any shape AWS answers, see `sqs_url`)."""
        return sqs_queue(self.queue_url).arn

    # 2. The destination ------------------------------------------------------------------

    def _destination_for(self, queue_arn: str, steps: list[str]) -> str:
        """The id of our application's destination for the queue, created when there is none."""
        found = self._find_destination(queue_arn)
        if found:
            return found
        name = f"{DESTINATION_PREFIX}{queue_arn.rsplit(':', 1)[-1]}"[:256]
        body = {"name": name, "resourceSpecification": {"sqs": {"arn": queue_arn}}}
        response = self._grantless_request("POST", "/notifications/v1/destinations", op="createDestination", json=body)
        if response.status_code == 409:  # created meanwhile (another worker, an earlier try): use it
            found = self._find_destination(queue_arn)
            if not found:
                raise TransientError("createDestination: Amazon says the destination exists but does not list it.")
            return found
        steps.append("registered the queue as a notification destination")
        return str(response.json()["payload"]["destinationId"])

    def _destinations(self) -> list[dict[str, Any]]:
        """The application's destinations (every seller's: a destination belongs to the application)."""
        response = self._grantless_request("GET", "/notifications/v1/destinations", op="getDestinations")
        return list(response.json().get("payload") or [])

    def _find_destination(self, queue_arn: str) -> str:
        """Our application's destination for the queue, or ""."""
        for destination in self._destinations():
            if ((destination.get("resource") or {}).get("sqs") or {}).get("arn") == queue_arn:
                return str(destination["destinationId"])
        return ""

    def _refuse_if_not_ours(self, subscription: dict[str, Any]) -> None:
        """A subscription to a destination this product did not name (another channel of the same
        seller, another system on the same application) is not ours to move: say so."""
        target = next(
            (d for d in self._destinations() if str(d.get("destinationId")) == str(subscription.get("destinationId"))),
            None,
        )
        if target is None or str(target.get("name", "")).startswith(DESTINATION_PREFIX):
            return  # ours, or a destination that no longer exists: moving it loses nothing
        arn = ((target.get("resource") or {}).get("sqs") or {}).get("arn") or "another destination"
        raise RequestRejected(
            f"The seller's ORDER_CHANGE notifications already go to {arn} ({target.get('name', '')}), which this "
            "product did not set up: a seller has one subscription per notification type and application. If "
            "another channel or system reads that queue, give this channel the same queue; otherwise delete that "
            "subscription, then set up notifications again.",
            status=409,
        )

    # 3. The subscription -----------------------------------------------------------------

    def _subscription_to(self, destination_id: str, steps: list[str]) -> str:
        """The id of the seller's ORDER_CHANGE subscription to the destination, made if missing."""
        current = self._current_subscription()
        if current and current.get("destinationId") == destination_id:
            return str(current["subscriptionId"])
        if current:  # to an earlier queue: Amazon keeps one per type and application
            self._refuse_if_not_ours(current)
            self._grantless_request(
                "DELETE",
                f"/notifications/v1/subscriptions/{ORDER_CHANGE}/{current['subscriptionId']}",
                op="deleteSubscriptionById",
                ok=(200, 204, 404),
            )
            steps.append("moved the subscription from the earlier queue")
        response = self._request(
            "POST",
            f"/notifications/v1/subscriptions/{ORDER_CHANGE}",
            op="createSubscription",
            json={"payloadVersion": "1.0", "destinationId": destination_id},
            ok=(200, 409),
        )
        if response.status_code == 409:  # subscribed meanwhile: read what it points at
            current = self._current_subscription()
            if not current or current.get("destinationId") != destination_id:
                raise TransientError("createSubscription: another ORDER_CHANGE subscription was made meanwhile.")
            return str(current["subscriptionId"])
        steps.append("subscribed the seller to ORDER_CHANGE")
        return str(response.json()["payload"]["subscriptionId"])

    def _current_subscription(self) -> dict[str, Any] | None:
        response = self._request(
            "GET", f"/notifications/v1/subscriptions/{ORDER_CHANGE}", op="getSubscription", ok=(200, 404)
        )
        return None if response.status_code == 404 else dict(response.json().get("payload") or {})

    # Grantless calls ---------------------------------------------------------------------

    def _grantless_request(self, method: str, path: str, *, op: str, **kwargs: Any) -> httpx.Response:
        """A Notifications API call with the application's own token; a 403 names the likely cause."""
        ok = kwargs.pop("ok", (200, 409) if op == "createDestination" else (200,))
        headers = {"x-amz-access-token": self._grantless_token()}
        try:
            return self._request(method, path, op=op, headers=headers, ok=ok, seller_auth=False, **kwargs)
        except ConnectorError as exc:
            if exc.status != 403:
                raise
            raise RequestRejected(
                f"{op}: Amazon refused the application's own token (403). The SP-API application needs the "
                "Notifications role in the Developer Console; add it, then set up notifications again.",
                status=403,
            ) from exc

    def _grantless_token(self) -> str:
        """A token of the application itself (client credentials), for the Notifications API."""
        if not self._grantless or time.time() >= self._grantless_expires - 60:
            self._grantless, self._grantless_expires = self.lwa_token(
                {"grant_type": "client_credentials", "scope": NOTIFICATIONS_SCOPE},
                refused=(
                    "Login with Amazon gave no token for the Notifications API: check the application's client ID "
                    "and secret, and that the application has the Notifications role (invalid_scope says it has not)"
                ),
            )
        return self._grantless
