"""The endpoint carriers post tracking webhooks to: `/fulfillment/carriers/webhooks/<account code>/`.

No login (the body is signed with the account's webhook secret) and no CSRF token (a carrier
cannot have one). 404 for an account that is unknown or inactive, 401 for a signature that
does not verify (nothing stored), 400 for a body that is not the carrier's, otherwise 200
(recorded, duplicate, ignored or an unknown tracking number) so the carrier stops retrying.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carriers.models import CarrierAccount
from fulfillment.services.tracking import carrier_webhook_receive

MAX_BODY_BYTES = 2_000_000


@csrf_exempt
@login_not_required
@require_POST
def carrier_webhook(request: HttpRequest, account_code: str) -> JsonResponse:
    """Receive one tracking webhook for a carrier account."""
    account = CarrierAccount.objects.filter(code=account_code, is_active=True).first()
    if account is None:
        return JsonResponse({"detail": "Unknown carrier account."}, status=404)
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    answer = carrier_webhook_receive(account=account, headers=dict(request.headers), body=request.body)
    return JsonResponse({"detail": answer.message}, status=answer.status)
