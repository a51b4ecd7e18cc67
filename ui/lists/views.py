"""Saving and removing a list's views, and the list's CSV export (the rows of every page, as filtered)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.csv_safe import csv_writer
from core.errors import DomainError
from ui.lists.selectors import saved_view_owned
from ui.lists.services import saved_view_delete, saved_view_query, saved_view_save
from ui.lists.specs import LISTS, ListSpec

#: Rows read from the database at a time while the file streams (a constant number of queries per chunk).
EXPORT_CHUNK = 2000


def _spec(request: HttpRequest, key: str) -> ListSpec:
    spec = LISTS.get(key)
    if spec is None:
        raise Http404("No such list.")
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    return spec


def _list_url(spec: ListSpec, query: str) -> str:
    return reverse(spec.url_name) + (f"?{query}" if query else "")


@require_POST
def saved_view_create(request: HttpRequest, key: str) -> HttpResponse:
    """Save the list as the person sees it (filters, sort, columns) under a name, then show it."""
    spec = _spec(request, key)
    query = saved_view_query(QueryDict(request.POST.get("query", "")[:1000]))
    try:
        view = saved_view_save(
            owner=request.user,
            list_key=spec.key,
            name=request.POST.get("name", ""),
            query=query,
            shared=request.POST.get("shared") == "on",
        )
    except DomainError as exc:
        messages.error(request, f"The view was not saved: {exc.message}")
        return redirect(_list_url(spec, query))
    who = "everyone who reads the list" if view.shared else "you"
    messages.success(request, f"Saved the view “{view.name}”: it is in Views for {who}.")
    return redirect(_list_url(spec, view.query))


@require_POST
def saved_view_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of the person's own views."""
    view = saved_view_owned(user=request.user, pk=pk)
    spec = _spec(request, view.list_key)
    saved_view_delete(view=view)
    messages.success(request, f"Removed the view “{view.name}”.")
    return redirect(_list_url(spec, ""))


class _Echo:
    """A file whose `write` hands the line back, so the CSV writer feeds the streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(spec: ListSpec, request: HttpRequest) -> Iterator[Any]:
    columns = spec.visible(request.GET.getlist("cols"))
    writer = csv_writer(cast(IO[str], _Echo()))
    yield writer.writerow([header for column in columns for header in column.headers])
    for row in spec.rows(request).iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow([cell for column in columns for cell in column.cells(row)])


@require_GET
def export_csv(request: HttpRequest, key: str) -> StreamingHttpResponse:
    """The list as a CSV file: every row its filters find (not just the page), in its sort, with its
    visible columns; written as it is read, so a large list starts downloading at once.
    """
    spec = _spec(request, key)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(spec, request), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{spec.key}-{stamp}.csv"'
    return response
