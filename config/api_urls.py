"""REST API under /api/v1/, the OpenAPI schema at /api/schema/ and docs at /api/docs/."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser

from core.parsers import JSONParser
from inventory.serializers import ErrorSerializer


@extend_schema(responses={200: AuthTokenSerializer, 400: ErrorSerializer})
class TokenView(ObtainAuthToken):
    """DRF's token view, with its 400 (a wrong password, a missing field) in the schema."""


urlpatterns = [
    # DRF's token view names its own parsers: give it the JSON parser with a nesting limit.
    path(
        "v1/auth/token",
        TokenView.as_view(parser_classes=[FormParser, MultiPartParser, JSONParser]),
        name="api-token",
    ),
    path("v1/", include("inventory.api_urls")),
    path("v1/", include("returns.api_urls")),
    path("v1/", include("fulfillment.api_urls")),
    path("v1/", include("partners.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
