"""The sandboxes over HTTP at `/channels/sandbox/<name>/…` (when MARKETPLACE_SANDBOX is on).

The demo's worker and beat processes reach the web process's sandboxes this way, exactly as
they would reach a marketplace. `POST /channels/sandbox/<name>/_sandbox/…` are the
sandbox's own controls (not part of any marketplace API).
"""

from __future__ import annotations

import json

import httpx
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from marketplaces.models import Listing
from marketplaces.sandbox import SANDBOX_KINDS, sandbox_for
from marketplaces.sandbox.base import SandboxApp


@csrf_exempt
@login_not_required
def marketplace(request: HttpRequest, name: str, path: str) -> HttpResponse:
    """Hand the request to the sandbox called `name` and return its answer."""
    if not settings.MARKETPLACE_SANDBOX or name.split(".")[0] not in SANDBOX_KINDS:
        raise Http404("No such sandbox.")
    sandbox = sandbox_for(name)
    _learn_catalog(sandbox, name)
    if path.startswith("_sandbox/"):
        return _control(request, sandbox, path.removeprefix("_sandbox/"))
    url = f"sandbox://{name}/{path}"
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    headers = {key: value for key, value in request.headers.items() if key.lower() not in ("host", "content-length")}
    # Where the sandbox is reached from outside, for the URLs it hands out (Amazon's presigned documents).
    headers["X-Sandbox-Base"] = request.build_absolute_uri(request.path[: len(request.path) - len(path)].rstrip("/"))
    answer = sandbox.handle(httpx.Request(request.method or "GET", url, headers=headers, content=request.body))
    response = HttpResponse(
        answer.content, status=answer.status_code, content_type=answer.headers.get("Content-Type", "application/json")
    )
    for key, value in answer.headers.items():
        if key.lower() not in ("content-type", "content-length", "content-encoding"):
            response[key] = value
    return response


_learned: set[str] = set()


def _learn_catalog(sandbox: object, name: str) -> None:
    """The first time a sandbox answers here, it learns the products our channels list on it (demo)."""

    if name in _learned:
        return
    _learned.add(name)
    codes = Listing.objects.filter(channel__sync__base_url__endswith=f"/channels/sandbox/{name}").values_list(
        "external_sku", flat=True
    )
    for code in codes:
        sandbox.add_product(code, 0)  # type: ignore[attr-defined]


def _control(request: HttpRequest, sandbox: object, action: str) -> JsonResponse:

    assert isinstance(sandbox, SandboxApp)
    if request.method != "POST":
        return JsonResponse({"detail": "POST only."}, status=405)
    data = json.loads(request.body or b"{}")
    if action == "products":
        for item in data.get("products", []):
            sandbox.add_product(item["sku"], int(item.get("quantity", 0)))
        return JsonResponse({"products": len(data.get("products", []))})
    if action == "orders":
        extra = {"zip": str(data["zip"])} if data.get("zip") else {}
        # The demo's shoppers: a name and an address (`shopper`), and what they paid per SKU (`prices`).
        extra |= {key: data[key] for key in ("shopper", "prices", "name") if data.get(key)}
        order_id = sandbox.create_order([(line["sku"], int(line["quantity"])) for line in data["lines"]], **extra)
        return JsonResponse({"id": order_id}, status=201)
    if action == "webhooks":
        hooks = sandbox.take_webhooks(duplicate=bool(data.get("duplicate")), shuffle=bool(data.get("shuffle")))
        return JsonResponse({"webhooks": [{"headers": h.headers, "body": h.body.decode()} for h in hooks]})
    raise Http404("Unknown sandbox control.")
