"""How a partner document reads on a page: its key facts from what was parsed (the raw text is shown as is)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from partners.models import PartnerDocument

#: Items of a list shown before "and N more".
MAX_ITEMS = 12
MAX_TEXT = 160
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _short(value: Any) -> str:
    text = str(value)
    if ISO_MOMENT.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:  # a time as people read it, in UTC (the raw document keeps the original)
            moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
            return moment.strftime("%-d %b %Y, %H:%M UTC")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _item(value: Any) -> str:
    """One list item: a dict as "line number 1 · accepted 2", anything else as text."""
    if isinstance(value, dict):
        return " · ".join(
            f"{_label(key).lower()} {_short(part)}" for key, part in value.items() if part not in (None, "", [], {})
        )
    return _short(value)


def document_facts(document: PartnerDocument) -> list[tuple[str, str]]:
    """The parsed document as (label, value) rows: scalars as they are, lists one item a row (at most a dozen)."""
    parsed = document.parsed if isinstance(document.parsed, dict) else {}
    facts: list[tuple[str, str]] = []
    for key, value in parsed.items():
        if value in (None, "", [], {}):
            continue
        label = _label(key)
        if isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
            facts.append((label, _short(", ".join(str(item) for item in value))))
        elif isinstance(value, list):
            facts.extend((f"{label} {index + 1}", _item(item)) for index, item in enumerate(value[:MAX_ITEMS]))
            if len(value) > MAX_ITEMS:
                facts.append((label, f"and {len(value) - MAX_ITEMS} more"))
        elif isinstance(value, dict):
            facts.append((label, _item(value)))
        else:
            facts.append((label, _short(value)))
    return facts


def trail_rows(documents: list[PartnerDocument]) -> list[dict[str, Any]]:
    """Each document with its facts, for the trail template."""
    return [{"document": document, "facts": document_facts(document)} for document in documents]
