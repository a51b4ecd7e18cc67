"""Amazon's usage plans: a token bucket per operation, 429 `QuotaExceeded` when it is empty."""

from __future__ import annotations

import uuid

import httpx

from marketplaces.sandbox.amazon.core import AmazonCore
from marketplaces.sandbox.base import Bucket

#: (rate per second, burst) of each operation's default usage plan.
USAGE_PLANS: dict[str, tuple[float, float]] = {
    "patchListingsItem": (5.0, 10.0),
    "getListingsItem": (5.0, 10.0),
    "createFeedDocument": (0.5, 15.0),
    "createFeed": (0.0083, 15.0),
    "getFeed": (2.0, 15.0),
    "getFeedDocument": (0.0222, 10.0),
    "getOrders": (0.0167, 20.0),
    "getOrder": (0.5, 30.0),
    "getOrderItems": (0.5, 30.0),
    "getOrderAddress": (0.5, 30.0),
    "getOrderBuyerInfo": (0.5, 30.0),
    "confirmShipment": (2.0, 10.0),
    "createDestination": (1.0, 5.0),
    "getDestinations": (1.0, 5.0),
    "deleteDestination": (1.0, 5.0),
    "createSubscription": (1.0, 5.0),
    "getSubscription": (1.0, 5.0),
    "deleteSubscriptionById": (1.0, 5.0),
    "lwa": (100.0, 100.0),
}


class AmazonThrottling(AmazonCore):
    def setup(self) -> None:
        super().setup()
        self.plans = dict(USAGE_PLANS)
        self.buckets = {op: Bucket(rate, burst) for op, (rate, burst) in self.plans.items()}

    def set_plan(self, op: str, rate: float, burst: float) -> None:
        self.plans[op] = (rate, burst)
        self.buckets[op] = Bucket(rate, burst)

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        bucket = self.buckets.get(op)
        if bucket is not None and not bucket.take():
            return self.error(429, "You exceeded your quota for the requested resource.", op)
        return None

    def decorate(self, response: httpx.Response, op: str) -> httpx.Response:
        if op in self.plans and op != "lwa":
            response.headers["x-amzn-RateLimit-Limit"] = f"{self.plans[op][0]:g}"
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response
