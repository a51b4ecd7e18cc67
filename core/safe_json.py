"""JSON from outside, read safely: bounded nesting, text PostgreSQL can store, shapes checked by field.

Every body the product parses itself (the API's parser, marketplace and carrier webhooks)
goes through `loads`: a document nested deeper than `MAX_DEPTH` is refused as a `PayloadError`
(a ValueError, so callers that refuse malformed JSON refuse it too) instead of exhausting the
interpreter's stack with a RecursionError (a 500). `clean` then makes every string storable:
PostgreSQL refuses NUL in text and jsonb, and a lone UTF-16 surrogate cannot be encoded at all,
so NUL is dropped and a lone surrogate becomes U+FFFD before anything is stored.

The `as_*` readers check one value of a parsed document and name the field at fault, so a
webhook of an unexpected shape is answered 400 "line_items[0]: expected an object" rather
than an AttributeError deep in a parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

#: Deepest nesting of arrays and objects accepted. The deepest document the product reads
#: (a marketplace order with addresses and tax lines) is about 8 levels.
MAX_DEPTH = 64

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class PayloadError(ValueError):
    """A JSON document of a shape the reader does not take; `field` names where (dotted path)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field


def _check_depth(value: Any, max_depth: int) -> None:
    """Walk the parsed document without recursion; refuse it past `max_depth` levels."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise PayloadError(f"The JSON is nested more than {max_depth} levels deep.")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"{name} is not a JSON number.")


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text (bytes are UTF-8) with at most `max_depth` levels of nesting.

    NaN and Infinity (which Python's json takes but JSON does not) are refused too.
    Raises `PayloadError` (a ValueError) for anything that is not such a document.
    """
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        # The C scanner stops at the interpreter's recursion limit: far deeper than we accept.
        raise PayloadError(f"The JSON is nested more than {max_depth} levels deep.") from None
    except UnicodeDecodeError as exc:
        raise PayloadError(f"The body is not UTF-8: {exc.reason}.") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"Not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from None
    _check_depth(value, max_depth)
    return value


def clean_text(text: str) -> str:
    """`text` without NUL characters and with each lone surrogate replaced by U+FFFD."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)


def clean(value: Any) -> Any:
    """A parsed JSON document with every string (keys too) made storable by `clean_text`.

    Recursive, so call it on documents that `loads` bounded in depth.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def loads_clean(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """`loads`, then `clean`: a document safe to keep in a jsonb or text column."""
    return clean(loads(data, max_depth=max_depth))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def as_object(value: Any, field: str, *, optional: bool = True) -> Mapping[str, Any]:
    """`value` as an object; missing or null is `{}` when `optional`, any other shape a PayloadError."""
    if isinstance(value, Mapping):
        return value
    if optional and value is None:
        return {}
    raise PayloadError(f"expected an object, got {_kind(value)}.", field=field)


def as_objects(value: Any, field: str) -> list[Mapping[str, Any]]:
    """`value` as a list of objects (null is an empty list); names the first item that is not one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"expected a list, got {_kind(value)}.", field=field)
    for index, item in enumerate(value):
        as_object(item, f"{field}[{index}]", optional=False)
    return value


def as_text(value: Any, field: str) -> str:
    """A string, number or null as text (null is ""); an object or a list is a PayloadError."""
    if value is None:
        return ""
    if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise PayloadError(f"expected text, got {_kind(value)}.", field=field)


def as_identifier(value: Any, field: str) -> str:
    """A non-empty id (a string or a whole number) as text."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise PayloadError(f"expected an id, got {_kind(value) if value != '' else 'an empty string'}.", field=field)


def as_int(value: Any, field: str) -> int:
    """A whole number (or its text); null and "" are 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise PayloadError(f"expected a whole number, got {_kind(value)}.", field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"expected a whole number, got {value!r}.", field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise PayloadError(f"expected a whole number, got {value!r}.", field=field)
    return int(number)


def as_decimal(value: Any, field: str, *, places: str = "0.01") -> Decimal:
    """A price (a number or its text; null and "" are 0) rounded to `places`."""
    if value is None or value == "":
        return Decimal(places) * 0
    if isinstance(value, bool) or not isinstance(value, int | str | float | Decimal):
        raise PayloadError(f"expected a number, got {_kind(value)}.", field=field)
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
        return number.quantize(Decimal(places))
    except InvalidOperation:
        raise PayloadError(f"expected a number, got {str(value)[:40]!r}.", field=field) from None
