"""Notifications API v1 and the queue's access policy: what decides whether ORDER_CHANGE is delivered.

On Amazon a seller gets ORDER_CHANGE in its SQS queue only after three steps, and a client that
skips one hears nothing (SP-API reports a failed delivery to nobody):
- a destination for the queue's ARN, created with a grantless token (LWA `client_credentials`,
  scope `sellingpartnerapi::notifications`): createDestination, getDestinations,
  deleteDestination; a second destination for the same ARN is 409 `Conflict`;
- an ORDER_CHANGE subscription to that destination, created with the seller's own token:
  createSubscription (409 when one exists, whatever its destination), getSubscription,
  deleteSubscriptionById (grantless);
- a statement in the queue's policy letting Amazon's account 437568002678 `sqs:SendMessage`,
  added with SQS `AddPermission` and read with `GetQueueAttributes` (`Policy`, `QueueArn`).
The seller's AWS key may only do what `aws_key_actions` lists; anything else is 403
`AccessDeniedException`, as IAM answers. A changed order with a subscription that cannot reach this
queue counts in `undelivered_notifications` instead.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from marketplaces.sandbox.amazon.notifications import QUEUE_PATH, AmazonNotifications
from marketplaces.sandbox.base import json_response

#: The account SP-API sends notifications from; a queue policy must let it SendMessage.
AMAZON_NOTIFICATIONS_ACCOUNT = "437568002678"
#: Operations Amazon wants a grantless token for (no seller is involved in them).
GRANTLESS_OPERATIONS = frozenset(
    {"createDestination", "getDestinations", "deleteDestination", "deleteSubscriptionById"}
)
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
NOTIFICATION_TYPES = frozenset({"ORDER_CHANGE"})
SQS_ARN = re.compile(r"arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}")
#: The IAM action each SQS call needs: a batch is authorized as its single action.
SQS_IAM_ACTIONS = {
    "ReceiveMessage": "ReceiveMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "GetQueueAttributes": "GetQueueAttributes",
    "AddPermission": "AddPermission",
}
#: Actions AddPermission may grant (SQS refuses any other name).
SHAREABLE_ACTIONS = frozenset(
    [
        "*",
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "ChangeMessageVisibility",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListDeadLetterSourceQueues",
        "PurgeQueue",
    ]
)
#: Attribute names GetQueueAttributes knows (it refuses others); the sandbox has values for a few.
QUEUE_ATTRIBUTES = frozenset(
    [
        "All",
        "Policy",
        "VisibilityTimeout",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
        "QueueArn",
        "DelaySeconds",
        "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    ]
)


def _as_list(value: Any) -> list[Any]:
    """A policy field that IAM lets be one value or a list of them."""
    return value if isinstance(value, list) else [value]


def _lets_amazon_send(statement: dict[str, Any]) -> bool:
    """Whether one policy statement allows SP-API's account to SendMessage."""
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if principal != "*":
        if not isinstance(principal, dict):
            return False
        allowed = {str(p) for p in _as_list(principal.get("AWS", []))}
        if not allowed & {"*", AMAZON_NOTIFICATIONS_ACCOUNT, f"arn:aws:iam::{AMAZON_NOTIFICATIONS_ACCOUNT}:root"}:
            return False
    actions = {str(a).lower() for a in _as_list(statement.get("Action", []))}
    return bool(actions & {"sqs:sendmessage", "sqs:*", "*"})


class AmazonSubscriptions(AmazonNotifications):
    def setup(self) -> None:
        super().setup()
        self.destinations: dict[str, dict[str, Any]] = {}  # destinationId -> destination
        self.subscriptions: dict[str, dict[str, Any]] = {}  # notificationType -> subscription
        self.grantless_tokens: set[str] = set()
        self.queue_policy: dict[str, Any] | None = None  # a new queue has none: only its owner may use it
        self.aws_key_actions = {"ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "AddPermission"}
        self.undelivered_notifications = 0

    @property
    def queue_arn(self) -> str:
        """The ARN of this sandbox's queue (what a destination must name for delivery here)."""
        account, queue_name = QUEUE_PATH.strip("/").split("/")
        return f"arn:aws:sqs:{self.region}:{account}:{queue_name}"

    @property
    def notifications_on(self) -> bool:
        """Whether an ORDER_CHANGE reaches this queue: subscribed to a destination naming it, and
        the queue's policy lets Amazon's account send to it."""
        subscription = self.subscriptions.get("ORDER_CHANGE")
        if subscription is None:
            return False
        destination = self.destinations.get(subscription["destinationId"])
        if destination is None or destination["resource"]["sqs"]["arn"] != self.queue_arn:
            return False
        statements = (self.queue_policy or {}).get("Statement", [])
        return any(_lets_amazon_send(statement) for statement in statements)

    def order_change_subscribed(self) -> bool:
        """Whether the seller subscribed to ORDER_CHANGE at all, deliverable or not."""
        return "ORDER_CHANGE" in self.subscriptions

    # State changes behind the HTTP handlers ----------------------------------------------

    def _add_destination(self, name: str, arn: str) -> dict[str, Any]:
        destination_id = str(uuid.uuid4())
        destination = {"name": name, "destinationId": destination_id, "resource": {"sqs": {"arn": arn}}}
        self.destinations[destination_id] = destination
        return destination

    def _add_subscription(
        self, notification_type: str, destination_id: str, directive: dict[str, Any] | None
    ) -> dict[str, Any]:
        subscription: dict[str, Any] = {
            "subscriptionId": str(uuid.uuid4()),
            "payloadVersion": "1.0",
            "destinationId": destination_id,
        }
        if directive is not None:
            subscription["processingDirective"] = directive
        self.subscriptions[notification_type] = subscription
        return subscription

    def _add_statement(self, label: str, accounts: list[str], actions: list[str]) -> None:
        if self.queue_policy is None:
            self.queue_policy = {"Version": "2012-10-17", "Id": f"{self.queue_arn}/SQSDefaultPolicy", "Statement": []}
        self.queue_policy["Statement"].append(
            {
                "Sid": label,
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in accounts]},
                "Action": [f"SQS:{action}" for action in actions],
                "Resource": self.queue_arn,
            }
        )

    # Notifications API v1 over HTTP --------------------------------------------------------

    def _create_destination(self, request: httpx.Request) -> httpx.Response:
        op = "createDestination"
        body = json.loads(request.content or b"{}")
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 256:
            return self.error(400, "name is required and must be 1 to 256 characters long.", op)
        specification = body.get("resourceSpecification")
        sqs = specification.get("sqs") if isinstance(specification, dict) else None
        arn = sqs.get("arn") if isinstance(sqs, dict) else None
        if not isinstance(arn, str):
            return self.error(400, "resourceSpecification.sqs.arn is required.", op)
        if not SQS_ARN.fullmatch(arn):
            return self.error(400, f"resourceSpecification.sqs.arn '{arn}' is not a valid SQS queue ARN.", op)
        if any(d["resource"]["sqs"]["arn"] == arn for d in self.destinations.values()):
            return self.error(409, "A destination with the given resource already exists.", op)
        return json_response(200, {"payload": self._add_destination(name, arn)})

    def _get_destinations(self, request: httpx.Request) -> httpx.Response:
        return json_response(200, {"payload": list(self.destinations.values())})

    def _delete_destination(self, request: httpx.Request, destination_id: str) -> httpx.Response:
        if self.destinations.pop(destination_id, None) is None:
            return self.error(404, f"Destination {destination_id} was not found.", "deleteDestination")
        return json_response(200, {})

    def _unsupported(self, notification_type: str, op: str) -> httpx.Response | None:
        if notification_type in NOTIFICATION_TYPES:
            return None
        return self.error(400, f"{notification_type} is not a supported notification type.", op)

    def _create_subscription(self, request: httpx.Request, notification_type: str) -> httpx.Response:
        op = "createSubscription"
        if refused := self._unsupported(notification_type, op):
            return refused
        body = json.loads(request.content or b"{}")
        if not isinstance(body, dict) or body.get("payloadVersion") != "1.0":
            return self.error(400, "payloadVersion must be 1.0.", op)
        destination_id = body.get("destinationId")
        if destination_id not in self.destinations:
            return self.error(400, f"Destination {destination_id} was not found.", op)
        directive = body.get("processingDirective")
        if directive is not None and not isinstance(directive, dict):
            return self.error(400, "processingDirective must be an object.", op)
        if notification_type in self.subscriptions:
            return self.error(409, f"A subscription for {notification_type} already exists.", op)
        return json_response(200, {"payload": self._add_subscription(notification_type, destination_id, directive)})

    def _get_subscription(self, request: httpx.Request, notification_type: str) -> httpx.Response:
        if refused := self._unsupported(notification_type, "getSubscription"):
            return refused
        subscription = self.subscriptions.get(notification_type)
        if subscription is None:
            return self.error(404, "The requested subscription was not found.", "getSubscription")
        return json_response(200, {"payload": subscription})

    def _delete_subscription(
        self, request: httpx.Request, notification_type: str, subscription_id: str
    ) -> httpx.Response:
        op = "deleteSubscriptionById"
        if refused := self._unsupported(notification_type, op):
            return refused
        subscription = self.subscriptions.get(notification_type)
        if subscription is None or subscription["subscriptionId"] != subscription_id:
            return self.error(404, "The requested subscription was not found.", op)
        del self.subscriptions[notification_type]
        return json_response(200, {})

    # The queue's access: IAM on the seller's key, the queue policy for everyone else ------

    def sqs_actions(self) -> dict[str, Callable[[dict[str, Any]], httpx.Response]]:
        """The queue's actions, with the two that read and extend its policy."""
        return {
            **super().sqs_actions(),
            "GetQueueAttributes": self._get_queue_attributes,
            "AddPermission": self._add_permission,
        }

    def sqs_authorize(self, target: str) -> httpx.Response | None:
        """None if the seller's AWS key may call this SQS action on the queue, else IAM's refusal."""
        action = SQS_IAM_ACTIONS.get(target, target)
        if action in self.aws_key_actions:
            return None
        return self.sqs_error(
            403,
            f"User: arn:aws:iam::{QUEUE_PATH.split('/')[1]}:user/fulfil is not authorized to perform: "
            f"sqs:{action} on resource: {self.queue_arn} because no identity-based policy allows the "
            f"sqs:{action} action",
            "com.amazon.coral.service#AccessDeniedException",
        )

    def _get_queue_attributes(self, body: dict[str, Any]) -> httpx.Response:
        names = set(body.get("AttributeNames") or [])
        if unknown := sorted(names - QUEUE_ATTRIBUTES):
            return self.sqs_error(400, f"Unknown Attribute {unknown[0]}.", "com.amazonaws.sqs#InvalidAttributeName")
        now = time.time()
        known: dict[str, str] = {
            "QueueArn": self.queue_arn,
            "ApproximateNumberOfMessages": str(sum(m["visible_at"] <= now for m in self.queue.values())),
            "ApproximateNumberOfMessagesNotVisible": str(sum(m["visible_at"] > now for m in self.queue.values())),
        }
        if self.queue_policy is not None:  # SQS leaves Policy out, rather than empty, when there is none
            known["Policy"] = json.dumps(self.queue_policy)
        attributes = {k: v for k, v in known.items() if "All" in names or k in names}
        return json_response(200, {"Attributes": attributes} if attributes else {})

    def _add_permission(self, body: dict[str, Any]) -> httpx.Response:
        label, accounts, actions = body.get("Label"), body.get("AWSAccountIds"), body.get("Actions")
        for parameter, value in (("Label", label), ("AWSAccountIds", accounts), ("Actions", actions)):
            if not value:
                return self.sqs_error(
                    400, f"The request must contain the parameter {parameter}.", "com.amazonaws.sqs#MissingParameter"
                )
        invalid = "com.amazonaws.sqs#InvalidParameterValue"
        if not isinstance(label, str) or not re.fullmatch(r"[\w-]{1,80}", label):
            reason = "Must be 1 to 80 alphanumeric characters, hyphens or underscores."
            return self.sqs_error(400, f"Value {label} for parameter Label is invalid. Reason: {reason}", invalid)
        if any(s.get("Sid") == label for s in (self.queue_policy or {}).get("Statement", [])):
            reason = "Already exists."
            return self.sqs_error(400, f"Value {label} for parameter Label is invalid. Reason: {reason}", invalid)
        for account in _as_list(accounts):
            if not re.fullmatch(r"\d{12}", str(account)):
                return self.sqs_error(400, f"Value {account} for parameter PrincipalId is invalid.", invalid)
        for action in _as_list(actions):
            if action not in SHAREABLE_ACTIONS:
                return self.sqs_error(
                    400,
                    f"Value SQS:{action} for parameter ActionName is invalid. "
                    "Reason: Please refer to the appropriate WSDL for a list of valid actions.",
                    invalid,
                )
        self._add_statement(label, [str(a) for a in _as_list(accounts)], [str(a) for a in _as_list(actions)])
        return json_response(200, {})
