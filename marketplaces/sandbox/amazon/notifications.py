"""ORDER_CHANGE notifications delivered to an Amazon SQS queue, as SP-API does for order changes.

A seller whose ORDER_CHANGE subscription reaches this queue (`notifications_on`, decided by the
Notifications API and the queue policy in `subscriptions`) gets one message per order change in
its queue: a new order, a cancellation. The body is the notification itself, built from the
published example (`amazon_sp_order_change_notification.json`): OrderChangeType, the order's
Summary with its OrderItems (SellerSKU, Quantity), NotificationMetadata.NotificationId.

The queue speaks the SQS JSON protocol at `POST /` (`X-Amz-Target: AmazonSQS.ReceiveMessage`,
`AmazonSQS.DeleteMessageBatch`, and `GetQueueAttributes` / `AddPermission` from `subscriptions`),
signed with AWS Signature Version 4 (service `sqs`), as the real queue is:
- a message becomes receivable `notification_delay` seconds after the change (Amazon's own
  delivery latency), then is invisible for `VisibilityTimeout` seconds once received, and comes
  back if it is not deleted in time (at-least-once: a consumer must be idempotent);
- a bad signature or an unknown access key: 403 `InvalidSignatureException`; an action the key
  is not allowed (`aws_key_actions`): 403 `AccessDeniedException`; a queue URL that is
  not this queue: 400 `QueueDoesNotExist`; MaxNumberOfMessages outside 1..10: 400
  `InvalidParameterValue`; a receipt handle that is no receipt: a `Failed` entry
  `ReceiptHandleIsInvalid` in the batch answer, and one that is stale (the message was received
  again since) succeeds without deleting the message, as on SQS;
- `WaitTimeSeconds` (long polling) answers at once here: nothing in the sandbox would wake it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from marketplaces.sandbox.amazon.orders import AmazonOrders
from marketplaces.sandbox.base import json_response, load_sample

QUEUE_PATH = "/123456789012/fulfil-order-change"
SQS_ERRORS = {
    400: "com.amazonaws.sqs#QueueDoesNotExist",
    403: "com.amazon.coral.service#InvalidSignatureException",
}


def _iso_ms(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class AmazonNotifications(AmazonOrders):
    # Changes SP-API could not deliver (subscribed, but not to a queue it may send to); kept by `subscriptions`.
    undelivered_notifications: int

    def setup(self) -> None:
        super().setup()
        self.notification_delay = 0.0
        self.aws_access_key_id = "AKIASANDBOXQUEUE0001"
        self.aws_secret_access_key = "sandbox-aws-secret"  # noqa: S105 (the sandbox's own, public)
        self.region = "us-east-1"
        # MessageId -> message; a message is receivable from `visible_at` on.
        self.queue: dict[str, dict[str, Any]] = {}

    @property
    def queue_url(self) -> str:
        return f"sandbox://{self.name}{QUEUE_PATH}"

    @property
    def notifications_on(self) -> bool:
        """Whether SP-API delivers ORDER_CHANGE to this queue (`subscriptions` decides)."""
        return False

    def order_change_subscribed(self) -> bool:
        """Whether the seller subscribed to ORDER_CHANGE, deliverable or not (`subscriptions` decides)."""
        return False

    def sqs_authorize(self, target: str) -> httpx.Response | None:
        """None if the seller's AWS key may call this SQS action (`subscriptions` holds its permissions)."""
        return None

    # What the marketplace publishes ------------------------------------------------------

    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        with self.lock:
            order_id = super().create_order(lines, **extra)
            self.notify_order_change(order_id, "OrderStatusChange", "New order")
            return order_id

    def cancel_order_by_customer(self, order_id: str) -> None:
        with self.lock:
            super().cancel_order_by_customer(order_id)
            self.notify_order_change(order_id, "OrderStatusChange", "Order canceled")

    def notify_order_change(self, order_id: str, change_type: str, reason: str) -> None:
        """Queue the ORDER_CHANGE notification of the order as it is now (nothing when not subscribed)."""
        if not self.notifications_on:
            if self.order_change_subscribed():  # SP-API tried and failed: it tells nobody, we count
                self.undelivered_notifications += 1
            return
        order, items = self.state.orders[order_id], self.items[order_id]
        notification = copy.deepcopy(load_sample("amazon_sp_order_change_notification.json"))
        now = time.time()
        change = notification["Payload"]["OrderChangeNotification"]
        change.update(AmazonOrderId=order_id, OrderChangeType=change_type, SellerId=self.seller_id)
        change["OrderChangeTrigger"] = {"TimeOfOrderChange": _iso_ms(now), "ChangeReason": reason}
        summary = change["Summary"]
        summary.update(
            MarketplaceId=self.marketplace_id,
            OrderStatus=order["OrderStatus"],
            PurchaseDate=order["PurchaseDate"],
            DestinationPostalCode=order["_address"]["PostalCode"],
            NumberOfItemsShipped=order.get("NumberOfItemsShipped", 0),
            NumberOfItemsUnshipped=order["NumberOfItemsUnshipped"],
        )
        for field in ("EasyShipShipmentStatus", "ShippingPrograms", "OrderPrograms"):
            summary.pop(field, None)
        summary["OrderItems"] = [
            {
                "OrderItemId": item["OrderItemId"],
                "SellerSKU": item["SellerSKU"],
                "OrderItemStatus": order["OrderStatus"],
                "Quantity": item["QuantityOrdered"],
                "QuantityShipped": item.get("QuantityShipped", 0),
                "IsBuyerRequestedCancel": False,
            }
            for item in items
        ]
        notification["EventTime"] = _iso_ms(now)
        notification["NotificationMetadata"].update(PublishTime=_iso_ms(now), NotificationId=str(uuid.uuid4()))
        message_id = str(uuid.uuid4())
        self.queue[message_id] = {
            "MessageId": message_id,
            "Body": json.dumps(notification),
            "visible_at": now + self.notification_delay,
            "ReceiptHandle": "",
            "receives": 0,
        }

    def queued_notifications(self) -> int:
        """Messages still in the queue (received or not)."""
        with self.lock:
            return len(self.queue)

    # The queue over HTTP -----------------------------------------------------------------

    def sqs_error(self, status: int, message: str, code: str = "") -> httpx.Response:
        response = json_response(
            status, {"__type": code or SQS_ERRORS.get(status, "InternalError"), "message": message}
        )
        response.headers["x-amzn-query-error"] = f"{(code or SQS_ERRORS.get(status, '')).split('#')[-1]};Sender"
        return response

    def sqs_authenticate(self, request: httpx.Request) -> httpx.Response | None:
        """Check the Signature Version 4 of the request against the queue owner's key."""
        authorization = request.headers.get("Authorization", "")
        prefix = f"AWS4-HMAC-SHA256 Credential={self.aws_access_key_id}/"
        if not authorization.startswith(prefix) or "X-Amz-Date" not in request.headers:
            return self.sqs_error(403, "The security token included in the request is invalid.")
        parts = dict(part.strip().split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
        signed = parts.get("SignedHeaders", "").split(";")
        # Over HTTP (the demo) the client signed the address it called, not the sandbox's own.
        base = request.headers.get("X-Sandbox-Base")
        url = f"{base}{request.url.path}" if base else str(request.url)
        aws_request = AWSRequest(
            method=request.method,
            url=url,
            data=request.content,
            headers={name: request.headers[name] for name in signed if name != "host" and name in request.headers},
        )
        aws_request.context["timestamp"] = request.headers["X-Amz-Date"]
        signer = SigV4Auth(Credentials(self.aws_access_key_id, self.aws_secret_access_key), "sqs", self.region)
        canonical = signer.canonical_request(aws_request)
        expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return self.sqs_error(
                403,
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method.",
            )
        return None

    def _sqs(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        if not str(body.get("QueueUrl", "")).endswith(QUEUE_PATH):  # sandbox:// or the demo's http:// address
            return self.sqs_error(400, "The specified queue does not exist.")
        target = request.headers.get("X-Amz-Target", "")
        action = target.removeprefix("AmazonSQS.")
        answer = self.sqs_actions().get(action)
        if answer is None:
            return self.sqs_error(
                400, f"Unknown operation {target}.", "com.amazon.coral.service#UnknownOperationException"
            )
        return self.sqs_authorize(action) or answer(body)

    def sqs_actions(self) -> dict[str, Callable[[dict[str, Any]], httpx.Response]]:
        """The SQS actions the queue answers (by `X-Amz-Target` without `AmazonSQS.`)."""
        return {"ReceiveMessage": self._receive, "DeleteMessageBatch": self._delete_batch}

    def _receive(self, body: dict[str, Any]) -> httpx.Response:
        limit = int(body.get("MaxNumberOfMessages", 1))
        if not 1 <= limit <= 10:
            return self.sqs_error(
                400,
                f"Value {limit} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.",
                "com.amazonaws.sqs#InvalidParameterValue",
            )
        hidden_for = float(body.get("VisibilityTimeout", 30))
        now = time.time()
        due = sorted((m for m in self.queue.values() if m["visible_at"] <= now), key=lambda m: m["visible_at"])
        messages = []
        for message in due[:limit]:
            message["visible_at"] = now + hidden_for
            message["ReceiptHandle"] = f"{message['MessageId']}#{uuid.uuid4().hex}"
            message["receives"] += 1
            messages.append(
                {
                    "MessageId": message["MessageId"],
                    "ReceiptHandle": message["ReceiptHandle"],
                    "MD5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324 (SQS's own checksum)
                    "Body": message["Body"],
                    "Attributes": {"ApproximateReceiveCount": str(message["receives"])},
                }
            )
        return json_response(200, {"Messages": messages} if messages else {})

    def _delete_batch(self, body: dict[str, Any]) -> httpx.Response:
        """A current receipt handle deletes its message. As on SQS, a stale one (the message was
        received again since) succeeds without deleting it; a handle that is no receipt fails."""
        successful, failed = [], []
        for entry in body.get("Entries") or []:
            handle = str(entry.get("ReceiptHandle", ""))
            message_id, separator, _nonce = handle.partition("#")
            if not separator:
                failed.append(
                    {
                        "Id": entry.get("Id"),
                        "SenderFault": True,
                        "Code": "ReceiptHandleIsInvalid",
                        "Message": f'The input receipt handle "{handle}" is not a valid receipt handle.',
                    }
                )
                continue
            message = self.queue.get(message_id)
            if message is not None and message["ReceiptHandle"] == handle:
                del self.queue[message_id]
            successful.append({"Id": entry["Id"]})
        return json_response(200, {"Successful": successful, "Failed": failed})
