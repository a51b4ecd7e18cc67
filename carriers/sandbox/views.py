"""The carrier sandboxes over HTTP at `/carriers/sandbox/<name>/…` (when CARRIER_SANDBOX is on).

The demo's web process holds the sandboxes; its worker and beat reach them here, exactly as
they would reach EasyPost, Shippo or UPS, so a label bought from the web process is known to the
worker that tracks it. An account points here with a base URL such as
`http://127.0.0.1:8000/carriers/sandbox/easypost`.

Links a sandbox hands out (EasyPost's label files, Shippo's signed label links and list pages)
name the sandbox as `sandbox://<name>/…`, which only an in-process client can follow: answers
going out here carry the address they were asked at instead, as a reverse proxy rewrites the
links of the service behind it.

`POST /carriers/sandbox/<name>/_sandbox/…` are the sandbox's own controls (no carrier has them):
`webhooks` returns and empties the webhooks it owes; `deliver` posts them to the product's
webhook endpoint of the account served by this sandbox.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from carriers.models import CarrierAccount
from carriers.sandbox import carrier_sandboxes
from carriers.services import stored_credentials
from core.http import http_client
from core.sandbox import HttpSandbox, Webhook

#: Headers that describe the hop to this view, not the request the carrier would get.
HOP_HEADERS = frozenset({"host", "content-length"})
#: Headers of the sandbox's answer Django sets itself (or that no longer hold once rewritten).
ANSWER_HEADERS_SKIPPED = frozenset({"content-type", "content-length", "content-encoding"})
#: Answers whose links are rewritten to the outside address (label files and PDFs are not).
TEXT_TYPES = ("application/json", "text/", "application/xml")
#: The product's endpoint for an account's tracking webhooks (the `deliver` control posts there).
WEBHOOK_ROUTE = "fulfillment:carrier_webhook"
DELIVER_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@csrf_exempt
@login_not_required
def carrier_sandbox(request: HttpRequest, name: str, path: str) -> HttpResponse:
    """Hand the request to the carrier sandbox called `name` and return its answer."""
    if not settings.CARRIER_SANDBOX or not carrier_sandboxes.knows(name):
        raise Http404("No such sandbox.")
    sandbox = carrier_sandboxes.get(name)
    _learn_webhook_secret(sandbox, name)
    outside = request.build_absolute_uri(request.path[: len(request.path) - len(path)].rstrip("/"))
    if path.startswith("_sandbox/"):
        return _control(request, sandbox, name, path.removeprefix("_sandbox/"))
    url = f"sandbox://{name}/{path}"
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    headers = {key: value for key, value in request.headers.items() if key.lower() not in HOP_HEADERS}
    try:
        answer = sandbox.handle(httpx.Request(request.method or "GET", url, headers=headers, content=request.body))
    except httpx.TimeoutException:
        # An injected lost answer: the work is done, the caller hears nothing useful back.
        return JsonResponse({"detail": "The sandbox's answer was lost (injected timeout)."}, status=504)
    content_type = answer.headers.get("Content-Type", "application/json")
    content = answer.content
    if content_type.startswith(TEXT_TYPES):
        content = content.replace(f"sandbox://{name}/".encode(), f"{outside}/".encode())
    response = HttpResponse(content, status=answer.status_code, content_type=content_type)
    for key, value in answer.headers.items():
        if key.lower() not in ANSWER_HEADERS_SKIPPED:
            response[key] = value
    return response


def _accounts_served_by(name: str) -> list[CarrierAccount]:
    """Active accounts whose base URL is this sandbox over HTTP (the demo's), oldest first."""
    return list(
        CarrierAccount.objects.filter(is_active=True, base_url__endswith=f"/carriers/sandbox/{name}").order_by("pk")
    )


def _learn_webhook_secret(sandbox: HttpSandbox, name: str) -> None:
    """Sign webhooks with the secret the merchant gave the account, as the carrier would once told.

    The seed that creates the demo's accounts runs in another process than this sandbox, so the
    sandbox learns the secret from the account when it is asked, not when the account is made.
    """
    if not hasattr(sandbox, "webhook_secret"):
        return
    for account in _accounts_served_by(name):
        secret = stored_credentials(account).get("webhook_secret", "") if account.credentials else ""
        if secret:
            sandbox.webhook_secret = secret
            return


def _owed(sandbox: HttpSandbox, data: dict[str, Any]) -> list[Webhook]:
    """The webhooks the sandbox owes by now, emptied from its queue (parcels that moved with its
    clock owe theirs too), optionally duplicated and shuffled as carriers deliver them."""
    emit = getattr(sandbox, "emit_tracker_updates", None)
    if callable(emit):
        emit()
    return sandbox.take_webhooks(duplicate=bool(data.get("duplicate")), shuffle=bool(data.get("shuffle")))


def _control(request: HttpRequest, sandbox: HttpSandbox, name: str, action: str) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"detail": "POST only."}, status=405)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"detail": "The body must be a JSON object."}, status=400)
    if action == "webhooks":
        hooks = _owed(sandbox, data)
        return JsonResponse({"webhooks": [{"headers": hook.headers, "body": hook.body.decode()} for hook in hooks]})
    if action == "deliver":
        return _deliver(request, sandbox, name, data)
    raise Http404("Unknown sandbox control.")


def _deliver(request: HttpRequest, sandbox: HttpSandbox, name: str, data: dict[str, Any]) -> JsonResponse:
    """Post the owed webhooks to the product's endpoint of the account this sandbox serves.

    The account is `{"account": "<code>"}`, or the only active one pointing at this sandbox.
    Each delivery's status and the endpoint's answer are returned.
    """
    accounts = _accounts_served_by(name)
    if data.get("account"):
        accounts = [account for account in accounts if account.code == data["account"]]
    if len(accounts) != 1:
        detail = "No active account" if not accounts else "Several accounts"
        return JsonResponse(
            {"detail": f'{detail} point at this sandbox: name one with {{"account": "<code>"}}.'}, status=400
        )
    url = request.build_absolute_uri(reverse(WEBHOOK_ROUTE, kwargs={"account_code": accounts[0].code}))
    delivered: list[dict[str, Any]] = []
    hooks = _owed(sandbox, data)
    with http_client(timeout=DELIVER_TIMEOUT) as client:
        for index, hook in enumerate(hooks):
            try:
                answer = client.post(url, content=hook.body, headers=hook.headers)
            except httpx.HTTPError as exc:
                # Owed until delivered: what could not be posted stays queued for the next call.
                for unsent in hooks[index:]:
                    sandbox.enqueue_webhook(unsent.headers, unsent.body)
                return JsonResponse({"detail": f"Could not reach {url}: {exc}", "delivered": delivered}, status=502)
            try:
                detail = str(answer.json().get("detail", ""))
            except (ValueError, AttributeError):
                detail = answer.text[:200]
            delivered.append({"status": answer.status_code, "detail": detail})
    return JsonResponse({"account": accounts[0].code, "url": url, "delivered": delivered})
