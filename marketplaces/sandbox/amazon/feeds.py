"""Feeds 2021-06-30: presigned documents, createFeed, and the delayed processing of listings feeds."""

from __future__ import annotations

import gzip
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from marketplaces.sandbox.amazon.core import AmazonCore, iso_utc
from marketplaces.sandbox.base import json_response


def _issue(code: str, message: str, *attributes: str) -> dict[str, Any]:
    """One issue of a feed processing report (messageId added by the caller)."""
    return {"code": code, "severity": "ERROR", "message": message, "attributeNames": list(attributes)}


class AmazonFeeds(AmazonCore):
    def setup(self) -> None:
        super().setup()
        self.feed_processing_delay = 2.0  # seconds from createFeed to DONE (Amazon: minutes)
        self.documents: dict[str, dict[str, Any]] = {}
        self.feeds: dict[str, dict[str, Any]] = {}

    def _presigned(self, request: httpx.Request, document: dict[str, Any]) -> str:
        # Where the merchant reached us (the demo serves the sandbox over HTTP under a prefix).
        base = request.headers.get("X-Sandbox-Base") or f"{request.url.scheme}://{request.url.netloc.decode()}"
        document["url_expires"] = time.time() + 300  # presigned URLs last 5 minutes
        return f"{base}/_s3/{document['id']}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={document['signature']}"

    def _new_document(self, content_type: str) -> dict[str, Any]:
        document_id = f"amzn1.tortuga.4.na.{uuid.uuid4()}.T{self.new_id()}"
        document = {
            "id": document_id,
            "content_type": content_type,
            "content": None,
            "signature": secrets.token_hex(16),
            "url_expires": 0.0,
        }
        self.documents[document_id] = document
        return document

    def _create_document(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if not body.get("contentType"):
            return self.error(400, "contentType is required.", "createFeedDocument")
        document = self._new_document(str(body["contentType"]))
        return json_response(201, {"feedDocumentId": document["id"], "url": self._presigned(request, document)})

    def _s3_upload(self, request: httpx.Request, document_id: str) -> httpx.Response:
        document = self.documents[document_id]
        if request.headers.get("Content-Type") != document["content_type"]:
            return httpx.Response(403, content=b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        document["content"] = request.content
        return httpx.Response(200)

    def _s3_download(self, request: httpx.Request, document_id: str) -> httpx.Response:
        document = self.documents[document_id]
        headers = {"Content-Type": document["content_type"]}
        return httpx.Response(200, content=document["content"] or b"", headers=headers)

    def _create_feed(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        document = self.documents.get(str(body.get("inputFeedDocumentId")))
        if not body.get("feedType") or not body.get("marketplaceIds"):
            return self.error(400, "feedType and marketplaceIds are required.", "createFeed")
        if document is None or document["content"] is None:
            return self.error(400, "The input feed document was not found or was not uploaded.", "createFeed")
        feed_id = str(50000000000 + self.new_id())
        now = time.time()
        self.feeds[feed_id] = {
            "feedId": feed_id,
            "feedType": body["feedType"],
            "marketplaceIds": list(body["marketplaceIds"]),
            "created": now,
            "document": document["id"],
            "processingStatus": "IN_QUEUE",
            "result": None,
        }
        return json_response(202, {"feedId": feed_id})

    def process_feeds(self) -> None:
        """Move feeds along their life (IN_QUEUE, IN_PROGRESS, DONE) and apply those whose time has come."""
        now = time.time()
        for feed in self.feeds.values():
            if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
                continue
            if now >= feed["created"] + self.feed_processing_delay:
                self._process(feed, now)
            elif now >= feed["created"] + self.feed_processing_delay / 2:
                feed["processingStatus"] = "IN_PROGRESS"

    def _process(self, feed: dict[str, Any], now: float) -> None:
        feed["processingStartTime"] = iso_utc(datetime.fromtimestamp(feed["created"], UTC))
        feed["processingEndTime"] = iso_utc(datetime.fromtimestamp(now, UTC))
        try:
            document = json.loads(self.documents[feed["document"]]["content"])
            messages = document["messages"]
            if feed["feedType"] != "JSON_LISTINGS_FEED" or document["header"]["sellerId"] != self.seller_id:
                raise ValueError("not a listings feed of this seller")
        except (ValueError, KeyError, TypeError) as exc:
            feed["processingStatus"] = "FATAL"
            report: dict[str, Any] = {"errorDetails": f"The feed could not be processed: {exc}."}
        else:
            issues = []
            for message in messages:
                issue = self._apply_message(message)
                if issue is not None:
                    issues.append({"messageId": message.get("messageId"), **issue})
            invalid = len({issue["messageId"] for issue in issues})
            report = {
                "header": {"sellerId": self.seller_id, "version": "2.0", "feedId": feed["feedId"]},
                "issues": issues,
                "summary": {
                    "errors": len(issues),
                    "warnings": 0,
                    "messagesProcessed": len(messages),
                    "messagesAccepted": len(messages) - invalid,
                    "messagesInvalid": invalid,
                },
            }
            feed["processingStatus"] = "DONE"
        result = self._new_document("application/json; charset=UTF-8")
        result["content"] = gzip.compress(json.dumps(report).encode())
        result["compressed"] = True
        feed["result"] = result["id"]

    def _apply_message(self, message: dict[str, Any]) -> dict[str, Any] | None:
        sku = str(message.get("sku") or "")
        if message.get("operationType") != "PATCH" or not message.get("productType"):
            return _issue("4000004", "Only PATCH messages with a productType are handled.")
        if sku not in self.listings:
            return _issue("4000001", f"The SKU '{sku}' does not match any listing of this seller.")
        if self.take_item_failure(sku):
            return _issue("90000900", "An internal error occurred while processing this message. Resubmit it.")
        quantities = []
        for patch in message.get("patches") or []:
            path, op = patch.get("path"), patch.get("op")
            if path != "/attributes/fulfillment_availability" or op not in ("replace", "merge", "add"):
                return _issue("4000003", f"Unsupported patch {op} {path}.", "fulfillment_availability")
            for value in patch.get("value") or []:
                quantity = int(value.get("quantity", -1))
                if quantity < 0:
                    return _issue("4000003", "quantity must be 0 or more.", "fulfillment_availability")
                quantities.append(quantity)
        for quantity in quantities:
            self.stock_write(sku, quantity)
        return None

    def _get_feed(self, request: httpx.Request, feed_id: str) -> httpx.Response:
        feed = self.feeds.get(feed_id)
        if feed is None:
            return self.error(404, f"Feed {feed_id} not found.", "getFeed")
        body = {
            "feedId": feed_id,
            "feedType": feed["feedType"],
            "marketplaceIds": feed["marketplaceIds"],
            "createdTime": iso_utc(datetime.fromtimestamp(feed["created"], UTC)),
            "processingStatus": feed["processingStatus"],
        }
        for key in ("processingStartTime", "processingEndTime"):
            if key in feed:
                body[key] = feed[key]
        if feed["result"]:
            body["resultFeedDocumentId"] = feed["result"]
        return json_response(200, body)

    def _get_document(self, request: httpx.Request, document_id: str) -> httpx.Response:
        document = self.documents.get(document_id)
        if document is None or document["content"] is None:
            return self.error(404, f"Feed document {document_id} not found.", "getFeedDocument")
        body = {"feedDocumentId": document_id, "url": self._presigned(request, document)}
        if document.get("compressed"):
            body["compressionAlgorithm"] = "GZIP"
        return json_response(200, body)
