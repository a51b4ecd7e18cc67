"""The API's JSON parser, in a module of its own.

DRF reads `DEFAULT_PARSER_CLASSES` while `rest_framework.views` is first imported; a parser that
lived in a module importing `rest_framework.views` (as `core.api` does) would be looked up while
that module is half-loaded. This module imports only DRF's parsers, so any import order works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from core.safe_json import PayloadError, loads


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit: a `[[[[...]]]]` body is a 400, not a RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        """The body as JSON, or a ParseError (400) saying why it is not acceptable."""
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return loads(stream.read().decode(encoding))
        except (PayloadError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
