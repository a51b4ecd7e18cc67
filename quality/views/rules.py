"""QC rules, the defect policy (and the locations it keeps out of routing), and defect rates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from inventory.models import Location
from quality.forms import PolicyForm, RuleForm
from quality.models import DefectExclusion, QcRule
from quality.selectors import defect_rates, qc_rule_list
from quality.services import defect_exclusions_apply, qc_rule_save, quality_policy_get, quality_policy_set

MANAGE = "quality.manage_quality"


def _rules_page(request: HttpRequest, policy_form: PolicyForm | None = None, status: int = 200) -> HttpResponse:
    policy = quality_policy_get()
    context = {
        "rules": list(qc_rule_list()),
        "policy": policy,
        "policy_form": policy_form or PolicyForm(initial=PolicyForm.initial_for(policy)),
        "exclusions": list(DefectExclusion.objects.select_related("location").order_by("location__code")),
        "rates": defect_rates(days=policy.window_days, by_sku=False)[:20],
        "sku_rates": defect_rates(days=policy.window_days, by_sku=True)[:20],
    }
    return render(request, "quality/rules.html", context, status=status)


@require_GET
@permission_required(MANAGE, raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    """Every rule; the defect policy with the locations it excludes; the worst defect rates."""
    return _rules_page(request)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a rule."""
    rule = None
    if pk is not None:
        rule = QcRule.objects.select_related("sku").prefetch_related("locations").filter(pk=pk).first()
        if rule is None:
            raise Http404("No such rule.")
    locations = list(Location.objects.filter(is_active=True).order_by("code"))
    if rule:
        locations += [loc for loc in rule.locations.all() if not loc.is_active]
    initial = RuleForm.initial_for(rule) if rule else {"on_inbound": True, "is_active": True, "sample_size": 1}
    form = RuleForm(request.POST or None, initial=initial, locations=locations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = qc_rule_save(data=form.rule_input(), rule=rule)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Rule “{saved.name}” saved.")
                return redirect("quality:rules")
        status = 422
    return render(request, "quality/rule_form.html", {"form": form, "rule": rule}, status=status)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def policy_edit(request: HttpRequest) -> HttpResponse:
    """Save the defect policy, then apply it to routing at once (beat applies it hourly too)."""
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, form, status=422)
    data = form.cleaned_data
    try:
        policy = quality_policy_set(
            exclude_above_percent=data.get("exclude_above_percent"),
            window_days=data["window_days"],
            minimum_units=data["minimum_units"],
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _rules_page(request, form, status=422)
    report = defect_exclusions_apply(
        threshold=policy.exclude_above_percent, days=policy.window_days, minimum_units=policy.minimum_units
    )
    parts = []
    if report.excluded:
        parts.append(f"excluded from routing: {', '.join(report.excluded)}")
    if report.lifted:
        parts.append(f"routed to again: {', '.join(report.lifted)}")
    messages.success(request, "Defect policy saved" + (f"; {'; '.join(parts)}." if parts else "."))
    return redirect("quality:rules")
