"""ORDER_CHANGE notifications read from the seller's Amazon SQS queue (see `connectors.notices`).

SP-API delivers ORDER_CHANGE to an SQS queue the seller owns; we read it with the SQS JSON
protocol (ReceiveMessage, DeleteMessageBatch), signed with AWS Signature Version 4 by botocore.
The queue is optional: with no `sqs_queue_url` in the credentials, Amazon orders are only polled.
Its keys are not SP-API's: a refusal names the queue settings and never marks the channel's
SP-API credentials expired.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from marketplaces.connectors.amazon.session import AmazonSession
from marketplaces.connectors.amazon.sqs_url import sqs_queue
from marketplaces.connectors.base import RequestRejected, TransientError, parse_time
from marketplaces.connectors.notices import NoticeQueue, RemoteNotice

#: How long a received message stays hidden from other readers before it comes back.
VISIBILITY_TIMEOUT = 60


class AmazonNotices(AmazonSession, NoticeQueue):
    @property
    def queue_url(self) -> str:
        return self.credentials.get("sqs_queue_url", "").strip()

    def notices_configured(self) -> bool:
        return bool(self.queue_url)

    def receive_notices(self, limit: int = 10) -> list[RemoteNotice]:
        body = self._sqs(
            "ReceiveMessage",
            {
                "QueueUrl": self.queue_url,
                "MaxNumberOfMessages": limit,
                "VisibilityTimeout": VISIBILITY_TIMEOUT,
                # A long poll asks every SQS server: an empty answer means the queue is empty.
                "WaitTimeSeconds": 1,
            },
        )
        return [parse_notice(message) for message in body.get("Messages") or []]

    def delete_notices(self, receipts: list[str]) -> None:
        for start in range(0, len(receipts), 10):  # DeleteMessageBatch takes 10 entries at most
            entries = [{"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(receipts[start : start + 10])]
            body = self._sqs("DeleteMessageBatch", {"QueueUrl": self.queue_url, "Entries": entries})
            failed = body.get("Failed") or []
            if failed:  # the message comes back after its visibility timeout and is stored again (idempotent)
                raise TransientError(f"SQS kept {len(failed)} message(s): {failed[0].get('Message', '')}")

    def _sqs(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One signed SQS JSON-protocol call to the queue's endpoint."""
        queue = sqs_queue(self.queue_url)
        url = queue.endpoint
        request = AWSRequest(
            method="POST",
            url=url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{action}"},
        )
        keys = Credentials(
            self.credentials.get("aws_access_key_id", ""), self.credentials.get("aws_secret_access_key", "")
        )
        SigV4Auth(keys, "sqs", queue.region).add_auth(request)
        self.calls += 1
        try:
            response = self.client.post(url, content=request.body, headers=dict(request.headers.items()))
        except httpx.TransportError as exc:
            raise TransientError(f"SQS {action}: could not reach the queue ({exc.__class__.__name__}).") from exc
        if response.status_code == 200:
            return dict(response.json())
        try:
            error = response.json()
            detail = f"{str(error.get('__type', '')).split('#')[-1]}: {error.get('message', '')}"
        except ValueError:
            detail = response.text[:200]
        if response.status_code >= 500:
            raise TransientError(
                f"SQS {action} failed ({response.status_code}: {detail}).", status=response.status_code
            )
        raise RequestRejected(
            f"SQS {action} refused ({response.status_code}: {detail}). Check the queue URL and the AWS keys "
            "of the ORDER_CHANGE queue in the channel's connection settings.",
            status=response.status_code,
        )


def parse_notice(message: dict[str, Any]) -> RemoteNotice:
    """An SQS message whose body is an SP-API notification; anything but ORDER_CHANGE has no order."""
    receipt, message_id = str(message.get("ReceiptHandle", "")), str(message.get("MessageId", ""))
    try:
        body = json.loads(message.get("Body") or "")
        if not isinstance(body, dict):
            raise TypeError("the body is not a JSON object")
        notice_id = str((body.get("NotificationMetadata") or {}).get("NotificationId") or message_id)
        if body.get("NotificationType") != "ORDER_CHANGE":
            return RemoteNotice(receipt=receipt, notice_id=notice_id)
        change = body["Payload"]["OrderChangeNotification"]
        summary = change.get("Summary") or {}
        lines = [
            (str(item["SellerSKU"]), int(item.get("Quantity") or 0))
            for item in summary.get("OrderItems") or []
            if item.get("SellerSKU") and int(item.get("Quantity") or 0) > 0
        ]
        return RemoteNotice(
            receipt=receipt,
            notice_id=notice_id,
            external_id=str(change["AmazonOrderId"]),
            cancelled=summary.get("OrderStatus") == "Canceled",
            placed_at=parse_time(summary["PurchaseDate"], "PurchaseDate") if summary.get("PurchaseDate") else None,
            lines=lines,
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return RemoteNotice(receipt=receipt, notice_id=message_id, error=f"Unreadable notification {message_id}: {exc}")
