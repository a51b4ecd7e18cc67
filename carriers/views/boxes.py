"""The box catalog: the list with an "Add a box" form beside it, the edit page, and (de)activation.

Looking needs `carriers.view_boxtype`, adding `add_boxtype`, changing or deactivating
`change_boxtype`. Packers never come here: the pack screen reads `box_types_for(location)`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carriers.forms import BoxTypeForm
from carriers.models import BoxType
from carriers.selectors import box_type_get, box_type_list, shipping_locations
from carriers.services import box_type_create, box_type_set_active, box_type_update
from core.errors import DomainError

LIST_TEMPLATE = "carriers/box_list.html"
FORM_TEMPLATE = "carriers/box_form.html"


def _locations_for(box: BoxType | None = None) -> Any:
    return shipping_locations(keep=[box.location_id] if box and box.location_id else None)


def _list_page(request: HttpRequest, form: BoxTypeForm | None, *, status: int = 200) -> HttpResponse:
    can_add = request.user.has_perm("carriers.add_boxtype")
    context = {
        "boxes": list(box_type_list()),
        "form": form or (BoxTypeForm(locations=_locations_for()) if can_add else None),
        "can_add": can_add,
        "can_change": request.user.has_perm("carriers.change_boxtype"),
    }
    return render(request, LIST_TEMPLATE, context, status=status)


def _save_errors(form: BoxTypeForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
@permission_required("carriers.view_boxtype", raise_exception=True)
def box_list(request: HttpRequest) -> HttpResponse:
    """Every box, active first, smallest first, with the form to add one."""
    return _list_page(request, None)


@require_POST
@permission_required("carriers.add_boxtype", raise_exception=True)
def box_create(request: HttpRequest) -> HttpResponse:
    """Add a box; on a mistake the list comes back with the form and what to fix."""
    form = BoxTypeForm(request.POST, locations=_locations_for())
    if form.is_valid():
        try:
            box = box_type_create(spec=form.spec())
        except DomainError as exc:
            _save_errors(form, exc)
        else:
            messages.success(request, f"Box {box.name} added: packers can choose it now.")
            return redirect("carriers:box_list")
    return _list_page(request, form, status=422)


@require_http_methods(["GET", "POST"])
@permission_required("carriers.change_boxtype", raise_exception=True)
def box_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a box's name, size, weights or location."""
    box = box_type_get(pk=pk)
    form = BoxTypeForm(request.POST or None, initial=BoxTypeForm.initial_for(box), locations=_locations_for(box))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = box_type_update(box=box, spec=form.spec())
            except DomainError as exc:
                _save_errors(form, exc)
            else:
                messages.success(request, f"Box {saved.name} saved.")
                return redirect("carriers:box_list")
        status = 422
    return render(request, FORM_TEMPLATE, {"form": form, "box": box}, status=status)


@require_POST
@permission_required("carriers.change_boxtype", raise_exception=True)
def box_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a box (the pack screen stops offering it) or put it back."""
    box = box_type_get(pk=pk)
    activate = request.POST.get("active") == "1"
    box_type_set_active(box=box, is_active=activate)
    if activate:
        messages.success(request, f"Box {box.name} is offered to packers again.")
    else:
        messages.success(request, f"Box {box.name} deactivated: packers no longer see it; packed parcels keep it.")
    return redirect("carriers:box_list")
