"""Amazon stock for many SKUs at once: one JSON_LISTINGS_FEED through the Feeds API.

createFeedDocument, upload of the document to the presigned URL, createFeed, getFeed until
DONE, then the processing report (getFeedDocument, GZIP) whose per-message issues say which
SKUs failed. The feed costs a handful of calls whatever its size, but its own usage plans are
tight (createFeed 0.0083/s burst 15, getFeedDocument 0.0222/s burst 10), so the sync uses it
only when many SKUs are pending and `feed_ready()` says the plans allow one now.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from marketplaces import ratelimit
from marketplaces.connectors.amazon.session import AmazonSession, quantity_patches
from marketplaces.connectors.base import PushResult, StockItem, TransientError

FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_OPS = ("createFeedDocument", "createFeed", "getFeedDocument")
#: Processing-report issue codes that mean "Amazon failed, send it again" (not a data error).
RETRYABLE_ISSUE_CODES = {"90000900"}


class AmazonFeeds(AmazonSession):
    """The Feeds API half of the Amazon connector (the stock-feed capability of `Connector`)."""

    supports_stock_feeds = True
    #: More pending SKUs than this go by feed (when its plans allow one); settings.CHANNELS_AMAZON_FEED_THRESHOLD.
    feed_threshold = 50
    feed_max_messages = 10_000
    #: Seconds before the first getFeed poll, learned from the last feed (per process and channel).
    _processing_estimates: ClassVar[dict[str, float]] = {}

    def feed_ready(self) -> bool:
        """Whether the Feeds usage plans allow one whole feed now (no waiting on a 2-minute refill)."""
        for op in FEED_OPS:
            rate, burst = self._limit(op)
            if ratelimit.bucket_available(f"{self.bucket_key}:{op}", rate=rate, burst=burst) < 1.0:
                return False
        return True

    def feed_document(self, items: list[StockItem]) -> dict[str, Any]:
        """The JSON_LISTINGS_FEED: one PATCH message per SKU, numbered from 1 in `items` order."""
        return {
            "header": {"sellerId": self.seller_id, "version": "2.0", "issueLocale": "en_US"},
            "messages": [
                {
                    "messageId": number,
                    "sku": item.external_sku,
                    "operationType": "PATCH",
                    "productType": "PRODUCT",
                    "patches": quantity_patches(item.quantity),
                }
                for number, item in enumerate(items, start=1)
            ],
        }

    def _transfer(self, method: str, url: str, *, content: bytes | None = None) -> httpx.Response:
        """A PUT/GET of a feed document at its presigned URL (no SP-API token: the URL is signed)."""
        self.calls += 1
        headers = {"Content-Type": FEED_CONTENT_TYPE} if content is not None else {}
        try:
            response = self.client.request(method, url, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise TransientError(f"Feed document transfer failed ({exc.__class__.__name__}).") from exc
        if response.status_code != 200:
            raise TransientError(f"Feed document transfer refused ({response.status_code}: {response.text[:200]}).")
        return response

    def push_stock_feed(self, items: list[StockItem], *, timeout: float = 600.0) -> list[PushResult]:
        """Set many quantities with one JSON_LISTINGS_FEED; a result per item from the processing report."""
        document = self._request(
            "POST", "/feeds/2021-06-30/documents", op="createFeedDocument", json={"contentType": FEED_CONTENT_TYPE}
        ).json()
        self._transfer("PUT", document["url"], content=json.dumps(self.feed_document(items)).encode())
        feed_id = self._request(
            "POST",
            "/feeds/2021-06-30/feeds",
            op="createFeed",
            json={
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": [self.marketplace_id],
                "inputFeedDocumentId": document["feedDocumentId"],
            },
        ).json()["feedId"]
        feed = self._wait_for_feed(str(feed_id), timeout=timeout)
        if feed["processingStatus"] != "DONE":
            report_error = ""
            if feed.get("resultFeedDocumentId"):
                report_error = str(self._report(feed["resultFeedDocumentId"]).get("errorDetails") or "")
            raise TransientError(f"Amazon feed {feed_id} ended {feed['processingStatus']}. {report_error}".strip())
        report = self._report(feed["resultFeedDocumentId"])
        return self.feed_results(items, report)

    def _wait_for_feed(self, feed_id: str, *, timeout: float) -> dict[str, Any]:
        started = time.time()
        estimate = self._processing_estimates.get(self.bucket_key, 1.0)
        time.sleep(estimate)
        interval = 0.5
        while True:
            feed = self._request("GET", f"/feeds/2021-06-30/feeds/{quote(feed_id, safe='')}", op="getFeed").json()
            if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
                done_at = self.last_feed_done_at = time.time()
                # Next time, poll a little before this one finished (fewer getFeed calls, no lost time).
                self._processing_estimates[self.bucket_key] = max(0.2, done_at - started - interval)
                return feed
            if time.time() - started > timeout:
                raise TransientError(f"Amazon feed {feed_id} still {feed['processingStatus']} after {timeout:.0f} s.")
            time.sleep(interval)
            interval = min(interval * 1.5, 30.0)

    def _report(self, document_id: str) -> dict[str, Any]:
        meta = self._request(
            "GET", f"/feeds/2021-06-30/documents/{quote(document_id, safe='')}", op="getFeedDocument"
        ).json()
        content = self._transfer("GET", meta["url"]).content
        if meta.get("compressionAlgorithm") == "GZIP":
            content = gzip.decompress(content)
        report: dict[str, Any] = json.loads(content)
        return report

    @staticmethod
    def feed_results(items: list[StockItem], report: Mapping[str, Any]) -> list[PushResult]:
        """Per item: accepted unless the report has an issue of severity ERROR for its message."""
        problems: dict[int, list[Mapping[str, Any]]] = {}
        for issue in report.get("issues") or []:
            if issue.get("severity") == "ERROR" and issue.get("messageId") is not None:
                problems.setdefault(int(issue["messageId"]), []).append(issue)
        processed = int((report.get("summary") or {}).get("messagesProcessed") or len(items))
        results = []
        for number, item in enumerate(items, start=1):
            issues = problems.get(number)
            if number > processed:
                results.append(
                    PushResult(item.sku_id, ok=False, retryable=True, error="Amazon: the feed did not process it.")
                )
            elif issues:
                text = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in issues)
                retryable = all(str(i.get("code")) in RETRYABLE_ISSUE_CODES for i in issues)
                results.append(PushResult(item.sku_id, ok=False, retryable=retryable, error=f"Amazon: {text}"))
            else:
                results.append(PushResult(item.sku_id, ok=True))
        return results
