"""The companion documentation page: every event type with an example body, the headers, how to verify.

A companion page rather than drf-spectacular components: webhooks are requests we send, not
endpoints of our API, and OpenAPI 3.0 (what drf-spectacular emits) has no place for them. The
examples are built by the publisher's own code (`webhooks.payloads.examples`).
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from webhooks.conf import (
    API_VERSION,
    TIMESTAMP_TOLERANCE_SECONDS,
    disable_after_failures,
    retry_schedule,
    timeout_seconds,
)
from webhooks.payloads.catalog import EVENT_SPECS, FUTURE_EVENT_TYPES
from webhooks.payloads.examples import example_body
from webhooks.payloads.verification import PYTHON_VERIFY_SNIPPET

MANAGE = "webhooks.manage_webhooks"


def _wait(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


@require_GET
@permission_required(MANAGE, raise_exception=True)
def webhook_docs(request: HttpRequest) -> HttpResponse:
    """What we send, how it is signed, how to verify it, and an example of each event type."""
    events = [{"spec": spec, "example": json.dumps(example_body(spec.type), indent=2)} for spec in EVENT_SPECS]
    context = {
        "api_version": API_VERSION,
        "events": events,
        "future": FUTURE_EVENT_TYPES,
        "snippet": PYTHON_VERIFY_SNIPPET,
        "tolerance_minutes": TIMESTAMP_TOLERANCE_SECONDS // 60,
        "schedule": [_wait(seconds) for seconds in retry_schedule()],
        "attempts": len(retry_schedule()) + 1,
        "disable_after": disable_after_failures(),
        "timeout": f"{timeout_seconds():g}",
    }
    return render(request, "webhooks/docs.html", context)
