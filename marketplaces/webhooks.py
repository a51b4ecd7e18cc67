"""The webhook endpoint marketplaces call: `/channels/<code>/webhooks/` (no login; signed bodies).

It answers at once (the work is queued for a worker): 200 for a new or duplicate event,
401 for a bad signature (nothing stored), 400 for a malformed body (logged on the channel),
404 for an unknown channel or one without webhooks.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels.models import Channel
from marketplaces.services.orders import webhook_receive

MAX_BODY_BYTES = 2_000_000


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest, code: str) -> JsonResponse:
    """Receive one marketplace webhook for a channel."""
    channel = Channel.objects.select_related("sync").filter(code=code, is_active=True).first()
    if channel is None or not hasattr(channel, "sync"):
        return JsonResponse({"detail": "Unknown channel."}, status=404)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    answer = webhook_receive(channel=channel, headers=request.headers, body=body)
    return JsonResponse({"detail": answer.message}, status=answer.status)
