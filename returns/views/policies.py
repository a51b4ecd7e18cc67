"""Return policies and reasons, per channel: who may return what, until when, and at what cost."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.htmx import render_page
from returns.policy_forms import PolicyForm, ReasonForm
from returns.selectors import policy_for_key, policy_reasons_all, policy_rows
from returns.services import return_policy_default_ensure, return_policy_set, return_reason_set
from returns.views._shared import form_refusal, require


def policies(request: HttpRequest) -> HttpResponse:
    """Every channel and the policy that applies to it (its own, or the default)."""
    require(request, "returns.manage_return_policies")
    return render_page(request, "returns/policies.html", {"rows": policy_rows()})


@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, key: str) -> HttpResponse:
    """Edit one channel's policy (created from the form on first save) or the default, and its reasons."""
    require(request, "returns.manage_return_policies")
    channel, policy = policy_for_key(key)
    shown = policy or return_policy_default_ensure()
    policy_form = PolicyForm.for_policy(shown)
    reason_form = ReasonForm(prefix="reason")
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "reason":
            reason_form = ReasonForm(request.POST, prefix="reason")
            if policy is None:
                reason_form.add_error(None, "Save this channel's own policy first; until then it uses the default.")
            elif reason_form.is_valid():
                try:
                    reason = return_reason_set(policy=policy, data=reason_form.reason_input())
                except DomainError as exc:
                    form_refusal(request, reason_form, exc, exc.field)
                else:
                    messages.success(request, f"Reason “{reason.label}” saved.")
                    return redirect("returns:policy_edit", key=key)
        else:
            policy_form = PolicyForm(request.POST)
            if policy_form.is_valid():
                try:
                    return_policy_set(channel=channel, data=policy_form.policy_input())
                except DomainError as exc:
                    form_refusal(request, policy_form, exc, exc.field)
                else:
                    what = channel.name if channel is not None else "the default policy"
                    messages.success(request, f"Return policy of {what} saved.")
                    return redirect("returns:policy_edit", key=key)
        status = 422
    context = {
        "key": key,
        "channel": channel,
        "policy": policy,
        "policy_form": policy_form,
        "reason_form": reason_form,
        "reasons": policy_reasons_all(policy),
        "uses_default": channel is not None and policy is None,
    }
    return render_page(request, "returns/policy_edit.html", context, status=status)
