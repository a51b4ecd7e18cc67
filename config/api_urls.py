"""REST API under /api/v1/, the OpenAPI schema at /api/schema/ and docs at /api/docs/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("v1/auth/token", obtain_auth_token, name="api-token"),
    path("v1/", include("inventory.api_urls")),
    path("v1/", include("returns.api_urls")),
    path("v1/", include("fulfillment.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
