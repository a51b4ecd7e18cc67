"""Top-level URLs: staff pages, the REST API, the schema and its offline docs, the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: Django tries the patterns in order on every request, and the order API answers the most
    # requests. No pattern below matches a path under api/, so nothing else changes.
    path("api/", include("config.api_urls")),
    path("", include("ui.urls")),
    path("accounts/", include("accounts.signin_urls")),  # sign-in with a second factor; before Django's
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("inventory.urls")),
    path("orders/", include("ui.order_urls")),
    path("search/", include("ui.search.urls")),
    path("lists/", include("ui.lists.urls")),
    path("fulfillment/", include("fulfillment.urls")),
    path("carriers/", include("carriers.urls")),
    path("channels/", include("marketplaces.urls")),
    path("returns/", include("returns.urls")),
    path("notifications/", include("notifications.urls")),
    path("analytics/", include("analytics.urls")),
    path("quality/", include("quality.urls")),
    path("partners/", include("partners.urls")),
    path("planning/", include("planning.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("audit/", include("audit.urls")),
    path("settings/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

# Django's error pages; under /api/ they answer the API's JSON error body instead (core.api).
handler400 = "core.api.bad_request"
handler403 = "core.api.permission_denied"
handler404 = "core.api.page_not_found"
handler500 = "core.api.server_error"
