"""Shared REST API plumbing: one error body for every answer under /api/, strict input.

Every error answers `{"detail": str, "code": str, "errors": {field: [message]}}` (errors
only when a field is at fault): serializer errors and domain refusals alike, and DRF's own
401/403/404/405 carry a `code` too. A business-rule refusal never surfaces as a 500. Django's
own error pages (a path that matches no route, a server error) answer the same JSON body for
any path under /api/ (`page_not_found`, `server_error`, ... are the project's handlers).

Input is read strictly: every list pages with `StrictLimitOffsetPagination` (at most
`MAX_PAGE_SIZE` rows, a bad `limit` or `offset` is a 400 naming it), query parameters are
validated by `QuerySerializer`s (a parameter given empty is a value to check, not an absent
one), JSON bodies are parsed with a nesting limit (`core.parsers.JSONParser`), and a time of day with a UTC
offset is refused rather than silently stripped of it (`LocalTimeField`).
"""

from __future__ import annotations

import copy
import re
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.views import defaults
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

API_PREFIX = "/api/"
#: The largest page any list answers; `limit` beyond it is a 400, not the whole table.
MAX_PAGE_SIZE = 500
#: PostgreSQL's bigint: an offset past it cannot even be asked for.
MAX_OFFSET = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"[0-9]{1,20}")


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into `{"lines[1].quantity": ["..."]}` (one level, dotted)."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors" and prefix:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            if detail:
                flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    flat.update(flatten_errors(item, f"{prefix}[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Translate domain errors (400/409), serializer and model validation errors (400); add codes."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, ValidationError):
        body = {"detail": "Invalid input.", "code": "invalid", "errors": flatten_errors(exc.detail)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"detail": "Invalid input.", "code": "invalid", "errors": errors}, status=status.HTTP_400_BAD_REQUEST
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        # DRF's own answers (401, 403, 404, 405, 415) carry the code on the message only.
        response.data["code"] = getattr(response.data.get("detail"), "code", "error")
    return response


# --- Strict input ------------------------------------------------------------------------------


def _whole_number(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    """The query parameter `name` as a whole number in [low, high]; absent is `default`, else a 400."""
    if name not in request.query_params:
        return default
    text = request.query_params[name]
    if not _WHOLE_NUMBER.fullmatch(text) or not low <= int(text) <= high:
        raise ValidationError({name: [f"Give a whole number from {low} to {high}."]})
    return int(text)


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=` paging with a largest page; a limit or offset that is not a whole number
    in range (negative, `null`, empty, 2^63) is a 400 naming it rather than a default or a 500."""

    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request: Request) -> int:
        """The page size asked for (default `PAGE_SIZE`), 1 to `MAX_PAGE_SIZE`."""
        return _whole_number(
            request, self.limit_query_param, default=self.default_limit or self.max_limit, low=1, high=self.max_limit
        )

    def get_offset(self, request: Request) -> int:
        """The first row asked for (default 0)."""
        return _whole_number(request, self.offset_query_param, default=0, low=0, high=MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """Tell clients the bounds, so a generated client never asks for a page it cannot have."""
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"].update(minimum=1, maximum=self.max_limit, default=self.default_limit)
        offset["schema"].update(minimum=0, default=0)
        return [limit, offset]


class QuerySerializer(serializers.Serializer):
    """Base of every query-parameter serializer: a parameter given empty (`?updated_since=`) is
    validated as the empty value it is, instead of being read as absent as DRF does for forms."""

    def __init__(self, instance: Any = None, data: Any = empty, **kwargs: Any) -> None:
        if isinstance(data, QueryDict):
            data = data.dict()
        super().__init__(instance, data=data, **kwargs)


class BodySerializer(serializers.Serializer):
    """Base of a request body read on a hot path (an order per request): its plain fields are copied
    shallowly per request instead of rebuilt.

    DRF deep-copies a serializer's declared fields for every instance, which re-runs each field's
    constructor (its validators, messages, choices): most of the CPU of validating an order. A
    declared field is never bound or changed (it is the pattern the instance's fields are copied
    from), and a plain field keeps nothing of one request that the next could see: binding sets
    the copy's own name and parent, and validating reads its validators and messages without
    changing them. Fields holding other fields (nested serializers, lists, dicts) are still
    deep-copied, as they bind their children, and so is a field whose default is a mutable object
    (a request could change the list or dict it was given).
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            name: copy.deepcopy(field) if _shares_state(field) else copy.copy(field)
            for name, field in self._declared_fields.items()
        }


_HOLDS_FIELDS = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, serializers.HStoreField)


def _shares_state(field: serializers.Field) -> bool:
    """True when a shallow copy would share something a request may change."""
    return isinstance(field, _HOLDS_FIELDS) or isinstance(getattr(field, "default", None), list | dict | set)


class LocalTimeField(serializers.TimeField):
    """A wall-clock time of day at a place: one with a UTC offset ("15:00+02:00") is refused, since
    keeping it would silently drop the offset and converting it would depend on the date."""

    default_error_messages = {
        "offset": "Give the local time without a UTC offset (for example 15:00): "
        "it is read in the location's time zone."
    }

    def to_internal_value(self, value: Any) -> time:
        """Parse as DRF does, after refusing a text time that carries an offset or Z."""
        if isinstance(value, str):
            try:
                aware = time.fromisoformat(value.strip()).tzinfo is not None
            except ValueError:
                aware = False  # DRF's own parser words the error
            if aware:
                self.fail("offset")
        return super().to_internal_value(value)


# --- Django's error pages under /api/ ----------------------------------------------------------


def _api_error(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _api_error(400, "bad_request", "The request could not be read.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _api_error(403, "permission_denied", "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a path under /api/ that matches no route answers the API's JSON body."""
    if request.path.startswith(API_PREFIX):
        return _api_error(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/ (nothing of the error is shown; it is logged), Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _api_error(500, "server_error", "A server error occurred. It has been logged.")
    return defaults.server_error(request)
