"""The photo station: requests to shoot, uploads, review (approve, reject, primary), serving the files,
and the SKU gallery's actions (ask for photos, upload straight to the SKU)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from inventory.selectors import sku_get
from quality.forms import PhotoRequestForm, PhotoReviewForm, PhotoUploadForm
from quality.models import PhotoStatus
from quality.selectors import (
    photo_request_get,
    photo_requests_open,
    photos_awaiting_approval,
    product_photo_get,
    sku_primary_image_urls,
)
from quality.services import (
    photo_approve,
    photo_make_primary,
    photo_reject,
    photo_request_create,
    photos_upload,
)

PHOTOGRAPH = "quality.photograph"
MANAGE = "quality.manage_quality"


def _require_any(request: HttpRequest, *perms: str) -> None:
    if not any(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def _back(request: HttpRequest, default: str) -> str:
    """Where to go after a form: the page it came from (same site only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_GET
def photo_queue(request: HttpRequest) -> HttpResponse:
    """Requests to shoot (with an upload form each) and photos waiting for a reviewer."""
    _require_any(request, PHOTOGRAPH, MANAGE)
    requests = photo_requests_open(user=request.user)
    images = sku_primary_image_urls({item.sku_id for item in requests})
    context = {
        "requests": [{"request": item, "image": images.get(item.sku_id)} for item in requests],
        "pending": photos_awaiting_approval(user=request.user),
        "upload_form": PhotoUploadForm(),
        "can_photograph": request.user.has_perm(PHOTOGRAPH),
        "can_review": request.user.has_perm(MANAGE),
    }
    return render(request, "quality/photo_queue.html", context)


@require_POST
@permission_required(PHOTOGRAPH, raise_exception=True)
def photo_request_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the photos a request asked for; they wait for approval."""
    photo_request = photo_request_get(user=request.user, pk=pk)
    form = PhotoUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            saved = photos_upload(
                sku=photo_request.sku,
                uploads=form.cleaned_data.get("photos") or [],
                actor=request.user,
                request=photo_request,
            )
        except DomainError as exc:
            messages.error(request, f"{photo_request.sku.code}: {exc.message}")
        else:
            if saved:
                messages.success(request, f"{photo_request.sku.code}: {len(saved)} photo(s) sent for approval.")
            else:
                messages.info(request, f"{photo_request.sku.code}: those photos are already stored.")
    else:
        messages.error(request, "Choose the photos to upload.")
    return redirect(f"{reverse('quality:photo_queue')}#request-{photo_request.pk}")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def photo_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a photo (optionally as the primary image), reject it with a reason, or make it primary."""
    photo = product_photo_get(pk=pk)
    form = PhotoReviewForm(request.POST)
    back = _back(request, reverse("quality:photo_queue"))
    if not form.is_valid():
        messages.error(request, "Choose approve, reject or make primary.")
        return redirect(back)
    decision = form.cleaned_data["decision"]
    try:
        if decision == "approve":
            photo_approve(photo=photo, actor=request.user, make_primary=form.cleaned_data.get("make_primary", False))
            messages.success(request, f"{photo.sku.code}: photo approved.")
        elif decision == "reject":
            photo_reject(photo=photo, actor=request.user, reason=form.cleaned_data.get("reason") or "")
            messages.success(request, f"{photo.sku.code}: photo rejected; the request is open again.")
        else:
            photo_make_primary(photo=photo, actor=request.user)
            messages.success(request, f"{photo.sku.code}: primary image changed.")
    except DomainError as exc:
        messages.error(request, f"{photo.sku.code}: {exc.message}")
    return redirect(back)


@require_GET
@permission_required("inventory.view_sku", raise_exception=True)
def photo_file(request: HttpRequest, pk: int) -> FileResponse:
    """A product photo's file, from the configured storage (so any web node serves it)."""
    photo = product_photo_get(pk=pk)
    if photo.status != PhotoStatus.APPROVED and not (
        request.user.has_perm(PHOTOGRAPH) or request.user.has_perm(MANAGE)
    ):
        raise PermissionDenied
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
def sku_photos(request: HttpRequest, code: str) -> HttpResponse:
    """From the SKU page's gallery: ask the photo station for photos, or upload photos straight away."""
    sku = sku_get(code=code)
    back = reverse("inventory:sku_detail", args=[sku.code]) + "#gallery"
    if request.POST.get("action") == "request":
        _require_any(request, MANAGE)
        form = PhotoRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose why the photos are needed.")
            return redirect(back)
        photo_request_create(
            sku=sku, reason=form.cleaned_data["reason"], actor=request.user, note=form.cleaned_data.get("note") or ""
        )
        messages.success(request, f"{sku.code}: the photo station has the request.")
        return redirect(back)
    _require_any(request, PHOTOGRAPH)
    upload = PhotoUploadForm(request.POST, request.FILES)
    try:
        if not upload.is_valid():
            raise DomainError("Choose the photos to upload.", field="photos")
        saved = photos_upload(sku=sku, uploads=upload.cleaned_data.get("photos") or [], actor=request.user)
    except DomainError as exc:
        messages.error(request, f"{sku.code}: {exc.message}")
    else:
        messages.success(request, f"{sku.code}: {len(saved)} photo(s) sent for approval.")
    return redirect(back)
