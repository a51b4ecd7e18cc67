"""Shared plumbing of the inventory API: permissions, query-parameter helpers, schema bits."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.request import Request

from inventory.serializers import ErrorSerializer


class InventoryAPIMixin:
    """Shared plumbing: uniform error bodies and Django permissions per action or method."""

    #: Django permissions per viewset action ("list", "create", ...) or HTTP method ("GET", "POST").
    required_permissions: dict[str, tuple[str, ...]] = {}


class HasRequiredPermissions(permissions.IsAuthenticated):
    """Authenticated, and holding every Django permission the view names for this action.

    An action or method the view does not list is refused (least privilege by default).
    Anonymous requests get 401 (DRF turns a refusal without credentials into NotAuthenticated).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        """Check authentication, then the permissions mapped for the action or method."""
        if not super().has_permission(request, view):
            return False
        mapping: dict[str, tuple[str, ...]] = getattr(view, "required_permissions", {})
        action = getattr(view, "action", None)
        method = request.method or ""
        if method not in view.allowed_methods:
            return True  # the view answers 405 Method Not Allowed itself
        key = action if action in mapping else method
        if method == "HEAD" and key not in mapping:
            key = "GET"
        required = mapping.get(key or "")
        if required is None:
            return False
        return request.user.has_perms(required)


def _bool_filter(qs: QuerySet[Any], active: bool | None) -> QuerySet[Any]:
    """Keep active rows (True), inactive rows (False) or all (None)."""
    return qs if active is None else qs.filter(is_active=active)


def _query_params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validate query parameters; a bad one is a 400 with a field error."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


ERROR_RESPONSES: dict[int | str, Any] = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input; `errors` names each field."),
    401: OpenApiResponse(ErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Missing permission."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Unknown, or outside your locations.")}
