"""The endpoint a 3PL posts its webhooks to: `/partners/3pl/webhooks/<partner code>/`.

No login (the body is signed with the partner's webhook secret) and no CSRF token (ShipBob cannot
have one). 404 for a partner that is unknown, inactive or has no connector; 401 for a signature
that does not verify (nothing stored); 400 for a body that is not ShipBob's; 503 when the event
could not be applied now (ShipBob retries it); otherwise 200 (applied, duplicate, ignored).
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from partners.models import Partner
from partners.threepl.webhooks import threepl_webhook_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2_000_000


@csrf_exempt
@login_not_required
@require_POST
def threepl_webhook(request: HttpRequest, partner_code: str) -> JsonResponse:
    """Receive one webhook for a 3PL partner."""
    partner = Partner.objects.filter(code=partner_code, is_active=True).exclude(connector="").first()
    if partner is None:
        return JsonResponse({"detail": "Unknown 3PL partner."}, status=404)
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    try:
        answer = threepl_webhook_receive(partner=partner, headers=dict(request.headers), body=request.body)
    except Exception:
        # Not taken (the event row rolled back with the failure): ShipBob's retry delivers it again.
        logger.exception("3PL webhook for %s could not be applied", partner.code)
        return JsonResponse({"detail": "Could not apply the event now; retry later."}, status=503)
    return JsonResponse({"detail": answer.message}, status=answer.status)
