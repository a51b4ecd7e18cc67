"""Inventory REST endpoints, mounted at /api/v1/ (no trailing slashes)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory import apis

router = SimpleRouter(trailing_slash=False)
router.register("locations", apis.LocationViewSet, basename="api-location")
router.register("skus", apis.SKUViewSet, basename="api-sku")

urlpatterns = [
    *router.urls,
    path("availability", apis.AvailabilityView.as_view(), name="api-availability"),
    path("stock/receive", apis.StockReceiveView.as_view(), name="api-stock-receive"),
    path("stock/adjust", apis.StockAdjustView.as_view(), name="api-stock-adjust"),
    path("stock/reserve", apis.StockReserveView.as_view(), name="api-stock-reserve"),
    path("stock/release", apis.StockReleaseView.as_view(), name="api-stock-release"),
]
