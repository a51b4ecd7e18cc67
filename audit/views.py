"""The audit trail's pages: the search over every change, and one object's history."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import permission_required
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.views.decorators.http import require_GET

from audit.forms import AuditSearchForm
from audit.selectors import audit_for_subject, audit_search, audit_subjects
from core.htmx import is_htmx, render_page

PAGE_SIZE = 50
PANEL_SIZE = 20


@require_GET
@permission_required("audit.view_audit_trail", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    """Every recorded change, newest first: filter by record, object, who, words and dates."""
    form = AuditSearchForm(request.GET or None)
    changes = audit_search(filters=form.filters(), limit=PAGE_SIZE + 1)
    more = len(changes) > PAGE_SIZE
    changes = changes[:PAGE_SIZE]
    older = request.GET.copy()
    if more:
        older["before"] = changes[-1].when.isoformat()
    context = {"form": form, "changes": changes, "older_query": older.urlencode() if more else ""}
    return render_page(request, "audit/list.html", context, partial="results")


@require_GET
@permission_required("audit.view_audit_trail", raise_exception=True)
def object_history(request: HttpRequest, app_label: str, model_name: str, pk: int | None = None) -> HttpResponse:
    """One object's changes (with those of the rows shown on its page), field by field.

    Asked by htmx (the History panel of the object's page), only the panel is answered.
    """
    subject = f"{app_label}.{model_name}"
    if subject not in audit_subjects():
        raise Http404("Nothing of this kind is audited.")
    model = apps.get_model(app_label, model_name)
    obj = model._default_manager.filter(pk=pk).first() if pk is not None else None
    panel = is_htmx(request)
    changes = audit_for_subject(subject=subject, object_id=pk, limit=PANEL_SIZE if panel else PAGE_SIZE)
    context = {
        "changes": changes,
        "subject": subject,
        "object": obj,
        "object_id": pk,
        "title": _title(model, obj, pk),
        "panel_size": PANEL_SIZE,
    }
    return render_page(request, "audit/object.html", context, partial="panel")


def _title(model: type[Model], obj: Model | None, pk: int | None) -> str:
    """What the history is of: the object, one that is gone (its history stays), or every object of a kind."""
    if obj is not None:
        return str(obj)
    if pk is not None:
        return f"{model._meta.verbose_name} #{pk} (deleted)"
    return capfirst(str(model._meta.verbose_name_plural))
