"""Cycle count pages: the list of sessions, opening one, counting on a phone, and a supervisor's approval.

Counters (`inventory.count_stock`) open sessions, count and submit; supervisors (who may also
adjust stock, `inventory.adjust_stock`) approve or reject variances and send lines back for a
recount. Counters do not see what the system expects (a blind count).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.htmx import is_htmx
from inventory.count_selectors import (
    SkuChoice,
    count_line_bin,
    count_lines,
    count_progress,
    count_review,
    count_session_get,
    count_session_list,
    count_session_status_counts,
    skus_by_codes,
    skus_in_bins,
    skus_moved_at,
    skus_stocked_at,
)
from inventory.forms.counts import COUNT_STATUS_TABS, REASON_CHOICES, CountSessionForm, parse_count
from inventory.models import CountLine, CountLineStatus, CountSession, CountSessionStatus, Location
from inventory.selectors import GridFilters, grid_locations
from inventory.services.count_sessions import (
    count_line_record,
    count_line_recount,
    count_lines_approve,
    count_lines_reject,
    count_session_cancel,
    count_session_create,
    count_session_submit,
)

SESSIONS_PER_PAGE = 25
SUPERVISOR = "inventory.adjust_stock"


@require_GET
@permission_required("inventory.count_stock", raise_exception=True)
def count_session_list_view(request: HttpRequest) -> HttpResponse:
    """Count sessions at the user's locations, a tab per status with its count."""
    status = request.GET.get("status", "")
    status = status if status in CountSessionStatus.values else ""
    counts = count_session_status_counts(user=request.user)
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0) if value else sum(counts.values())}
        for value, label in COUNT_STATUS_TABS
    ]
    page = Paginator(count_session_list(user=request.user, status=status), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "inventory/count_list.html", {"page": page, "tabs": tabs, "status": status})


@require_http_methods(["GET", "POST"])
@permission_required("inventory.count_stock", raise_exception=True)
def count_session_create_view(request: HttpRequest) -> HttpResponse:
    """Open a session: a location of the user's, and the SKUs by list, by recent movement or all stocked."""
    locations = {loc.code: loc for loc in grid_locations(user=request.user, filters=GridFilters())}
    if request.method != "POST":
        only = next(iter(locations)) if len(locations) == 1 else ""  # a store associate's one store
        initial = {"location": request.GET.get("location", only)}
        form = CountSessionForm(initial=initial, locations=locations.values())
        return render(request, "inventory/count_form.html", {"form": form})
    form = CountSessionForm(request.POST, locations=locations.values())
    if form.is_valid():
        data = form.cleaned_data
        location = locations[data["location"]]
        choice = _choose(location, data)
        if choice.unknown:
            form.add_error("codes", f"Unknown SKU code or barcode: {', '.join(choice.unknown[:20])}.")
        elif not choice.sku_ids:
            form.add_error("choose_by", f"No SKU matches this choice at {location.code}; choose another way.")
        else:
            try:
                session = count_session_create(
                    location=location,
                    sku_ids=choice.sku_ids,
                    actor=request.user,
                    scope=choice.scope,
                    note=data["note"],
                    reason_above_units=data["reason_above_units"],
                    reason_above_value=data["reason_above_value"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{session.number} opened: {len(choice.sku_ids)} SKUs to count.")
                return redirect("inventory:count_detail", pk=session.pk)
    return render(request, "inventory/count_form.html", {"form": form}, status=422)


def _choose(location: Location, data: dict[str, Any]) -> SkuChoice:
    if data["choose_by"] == "moved":
        return skus_moved_at(location, data["since"])
    if data["choose_by"] == "bins":
        return skus_in_bins(location, data["bin_prefix"])
    if data["choose_by"] == "stocked":
        return skus_stocked_at(location)
    return skus_by_codes(data["codes"])


@require_GET
@permission_required("inventory.count_stock", raise_exception=True)
def count_session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One session: counting (scan to jump to a SKU) while open, the variances to approve once submitted."""
    session = count_session_get(user=request.user, pk=pk)
    lines = count_lines(session=session)
    focus: CountLine | None = None
    scan = request.GET.get("scan", "").strip()
    scan_error = ""
    if scan:
        focus = next((line for line in lines if scan.upper() in (line.sku.code.upper(), line.sku.barcode)), None)
        if focus is None:
            scan_error = f"{scan} is not in this count. Check the label, or count it in another session."
    return _render_detail(request, session, lines, focus=focus, scan=scan, scan_error=scan_error)


def _render_detail(
    request: HttpRequest,
    session: CountSession,
    lines: list[CountLine],
    *,
    focus: CountLine | None = None,
    scan: str = "",
    scan_error: str = "",
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    supervisor = request.user.has_perm(SUPERVISOR)
    _annotate(lines, errors or {}, typed or {})
    counted = sum(1 for line in lines if line.status != CountLineStatus.PENDING)
    context: dict[str, Any] = {
        "session": session,
        "lines": [line for line in lines if line is not focus],
        "focus": focus,
        "scan": scan,
        "scan_error": scan_error,
        "counted": counted,
        "to_count": len(lines) - counted,
        "counting": session.status == CountSessionStatus.COUNTING,
        "supervisor": supervisor,
        "reasons": REASON_CHOICES,
    }
    if session.status != CountSessionStatus.COUNTING:
        context["rows"], context["totals"] = count_review(session=session, lines=lines)
        context["deciding"] = supervisor and session.status == CountSessionStatus.SUBMITTED
    return render(request, "inventory/count_detail.html", context, status=status)


@require_POST
@permission_required("inventory.count_stock", raise_exception=True)
def count_line_save(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Save what was counted on one line: htmx swaps the line, otherwise back to the page with a message."""
    session = count_session_get(user=request.user, pk=pk)
    line = get_object_or_404(CountLine.objects.select_related("sku"), pk=line_pk, session=session)
    line.session = session
    counted, error = parse_count(str(request.POST.get("counted", "")))
    if counted is not None:
        try:
            line = count_line_record(line=line, counted=counted, actor=request.user)
        except DomainError as exc:
            error = exc.message
    if is_htmx(request):
        _annotate([line], {line.pk: error} if error else {}, {line.pk: str(request.POST.get("counted", ""))})
        line.bin_path = count_line_bin(line=line)  # type: ignore[attr-defined]
        context = {"line": line, "session": session, "counting": True, "just_saved": not error}
        html = render_to_string("inventory/count_detail.html#count_line", context, request=request)
        # The page's "n of m counted" follows along (an out-of-band swap), so the counter sees what is left.
        counted, total = count_progress(session=session)
        progress = {"counted": counted, "to_count": total - counted, "oob": True}
        html += render_to_string("inventory/count_detail.html#count_progress", progress, request=request)
        return HttpResponse(html, status=422 if error else 200)
    if error:
        lines = count_lines(session=session)
        focus = next((item for item in lines if item.pk == line.pk), None)
        typed = {line.pk: str(request.POST.get("counted", ""))}
        return _render_detail(request, session, lines, focus=focus, errors={line.pk: error}, typed=typed, status=422)
    messages.success(request, f"{line.sku.code}: {line.counted} counted. Scan the next SKU.")
    return redirect(reverse("inventory:count_detail", args=[session.pk]) + "#scan")


def _annotate(lines: list[CountLine], errors: dict[int, str], typed: dict[int, str]) -> None:
    """Give each line its error and the figure typed, for the template (which cannot look up a dict by key)."""
    for line in lines:
        line.error = errors.get(line.pk, "")  # type: ignore[attr-defined]
        line.typed = typed.get(line.pk, "") if line.pk in errors else ""  # type: ignore[attr-defined]


COUNT_ACTIONS = {
    "submit": (
        count_session_submit,
        "inventory.count_stock",
        "{number} submitted: a supervisor approves the variances.",
    ),
    "cancel": (count_session_cancel, SUPERVISOR, "{number} cancelled: no stock changed."),
}


@require_POST
@permission_required("inventory.count_stock", raise_exception=True)
def count_session_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit a finished count for approval, or cancel a session (supervisors)."""
    session = count_session_get(user=request.user, pk=pk)
    service, permission, template = COUNT_ACTIONS[action]
    if not request.user.has_perm(permission):
        messages.error(request, f"Only a supervisor can {action} {session.number}.")
        return redirect("inventory:count_detail", pk=session.pk)
    try:
        service(session=session, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, template.format(number=session.number))
    return redirect("inventory:count_detail", pk=session.pk)


@require_POST
@permission_required(SUPERVISOR, raise_exception=True)
def count_session_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the selected lines (or all counted lines), or reject the selected ones, with reasons."""
    session = count_session_get(user=request.user, pk=pk)
    selected = [int(value) for value in request.POST.getlist("line") if value.isdigit()]
    reasons = {
        int(key.removeprefix("reason-")): str(value)
        for key, value in request.POST.items()
        if key.startswith("reason-") and key.removeprefix("reason-").isdigit() and value
    }
    note = str(request.POST.get("note", ""))
    try:
        if "reject" in request.POST:
            decided = count_lines_reject(session=session, actor=request.user, line_ids=selected, note=note)
            verb = "rejected: on hand stays as the system had it"
        else:
            line_ids = None if "approve_all" in request.POST else selected
            decided = count_lines_approve(
                session=session, actor=request.user, line_ids=line_ids, reasons=reasons, note=note
            )
            verb = "approved and posted to the ledger"
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{session.number}: {len(decided)} line{'s' if len(decided) != 1 else ''} {verb}.")
    return redirect("inventory:count_detail", pk=session.pk)


@require_POST
@permission_required(SUPERVISOR, raise_exception=True)
def count_line_recount_view(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Send one counted line back to be counted again."""
    session = count_session_get(user=request.user, pk=pk)
    line = get_object_or_404(CountLine.objects.select_related("sku"), pk=line_pk, session=session)
    line.session = session
    try:
        count_line_recount(line=line, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{line.sku.code} sent back for a recount; {session.number} is counting again.")
    return redirect("inventory:count_detail", pk=session.pk)
