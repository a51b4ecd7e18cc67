"""Editing a kind's wording for a channel in one language, with a live preview on a sample order."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from channels.models import Channel
from core.errors import DomainError
from core.htmx import render_page
from notifications.forms import TemplateForm
from notifications.models import NotificationKind
from notifications.rendering import VARIABLES, RenderedEmail, TemplateProblem, TemplateSource, render_email, sample_data
from notifications.selectors import brand_of, template_for
from notifications.services import (
    language_clean,
    notification_template_reset,
    notification_template_save,
    template_preview,
)
from notifications.views._shared import MANAGE, channel_or_404, kind_or_404, language_or_404, require


def _preview(channel: Channel, kind: str, language: str, form: TemplateForm) -> dict[str, Any]:
    """The preview of the form's parts on the sample order, or the error that stops it."""
    if not form.is_valid():
        return {"error": "Fill in the subject, the text part and the HTML part to see the preview."}
    try:
        rendered = template_preview(channel=channel, kind=kind, language=language, data=form.template_input())
    except DomainError as exc:
        return {"error": exc.message, "field": exc.field}
    return {"email": rendered}


def _source_preview(channel: Channel, source: TemplateSource) -> dict[str, Any]:
    try:
        email: RenderedEmail = render_email(source, sample_data(brand_of(channel)))
    except TemplateProblem as exc:
        return {"error": exc.message, "field": exc.field}
    return {"email": email}


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, code: str, kind: str, language: str) -> HttpResponse:
    """The channel's wording of one kind in one language: edit, preview, save, or go back to the default."""
    require(request, MANAGE)
    channel = channel_or_404(code)
    kind_enum = kind_or_404(kind)
    language = language_or_404(language)
    other = request.GET.get("lang")
    if request.method == "GET" and other is not None:
        try:
            wanted = language_clean(other)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("notifications:template", code=channel.code, kind=kind, language=wanted)
    source = template_for(channel, kind, language)
    own = source.custom and source.language == language
    form = TemplateForm.for_source(source)
    preview = _source_preview(channel, source)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "reset":
            if notification_template_reset(channel=channel, kind=kind, language=language):
                messages.success(request, f"{kind_enum.label} ({language}) of {channel.name} is back to the default.")
            return redirect("notifications:template", code=channel.code, kind=kind, language=language)
        form = TemplateForm(request.POST)
        preview = _preview(channel, kind, language, form)
        if action == "save" and form.is_valid():
            try:
                notification_template_save(
                    channel=channel, kind=kind, language=language, data=form.template_input(), actor=request.user
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"{kind_enum.label} ({language}) of {channel.name} saved.")
                return redirect("notifications:template", code=channel.code, kind=kind, language=language)
        status = 422 if action == "save" else 200
    context = {
        "channel": channel,
        "kind": kind_enum,
        "language": language,
        "source": source,
        "own": own,
        "form": form,
        "preview": preview,
        "variables": VARIABLES,
    }
    return render_page(request, "notifications/template_edit.html", context, status=status)


@require_POST
def template_preview_view(request: HttpRequest, code: str, kind: str, language: str) -> HttpResponse:
    """The live preview (htmx, as staff type): the typed parts rendered on the sample order."""
    require(request, MANAGE)
    channel = channel_or_404(code)
    kind_or_404(kind)
    language = language_or_404(language)
    preview = _preview(channel, kind, language, TemplateForm(request.POST))
    context = {"channel": channel, "kind": NotificationKind(kind), "language": language, "preview": preview}
    return render_page(request, "notifications/template_edit.html", context, partial="preview")
