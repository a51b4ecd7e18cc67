"""Uploaded CSV files: one reader for every import, and one way an upload page answers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import IO, Any, Protocol, TypeVar, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from core.errors import DomainError, ValidationFailed


def csv_upload_rows(
    stream: IO[str] | IO[bytes] | str | bytes, *, required: tuple[str, ...], header: str, max_rows: int
) -> list[dict[str, str]]:
    """The file's rows as dicts of lower-cased column -> stripped value, or a `ValidationFailed` on `file`.

    Refuses, each with a message that says what to fix: text that is not UTF-8 (a BOM is
    dropped), NUL bytes, an empty file, a header missing any `required` column (naming them
    and the expected `header`), more than `max_rows` rows, malformed CSV, a header without rows.
    """
    raw = stream if isinstance(stream, str | bytes) else stream.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("The file is not UTF-8 text. Save it as CSV (UTF-8).", field="file") from exc
    text = str(raw).lstrip("\ufeff")
    if "\x00" in text:
        raise ValidationFailed("The file contains NUL bytes; save it as CSV (UTF-8) and try again.", field="file")
    if not text.strip():
        raise ValidationFailed("The file is empty.", field="file")
    try:
        reader = csv.DictReader(io.StringIO(text))
        headers = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
        missing = [column for column in required if column not in headers]
        if missing:
            raise ValidationFailed(
                f"Missing column(s): {', '.join(missing)}. The header must be: {header}.", field="file"
            )
        reader.fieldnames = headers
        rows = []
        for index, row in enumerate(reader):
            if index >= max_rows:
                raise ValidationFailed(f"At most {max_rows:,} rows per file; split it.", field="file")
            rows.append({key: (value or "").strip() for key, value in row.items() if key})
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not valid CSV: {exc}.", field="file") from exc
    if not rows:
        raise ValidationFailed("The file has a header but no rows.", field="file")
    return rows


class UploadReport(Protocol):
    """What an import service answers: whether it wrote anything, and the problems found if not."""

    @property
    def ok(self) -> bool: ...

    errors: Any


ReportT = TypeVar("ReportT", bound=UploadReport)
FormT = TypeVar("FormT", bound=forms.Form)


def csv_upload_post(
    request: HttpRequest,
    *,
    form_class: type[FormT],
    run: Callable[[IO[bytes]], ReportT],
    done: Callable[[ReportT], str],
) -> tuple[FormT, ReportT | None, int]:
    """Handle an upload page's POST: validate the form, run the import, say what happened.

    Returns the form to show (a fresh one after a success), the report (None if the file never
    got to the import) and the HTTP status: 200 with the `done` message on success, 422 with
    the problems counted (every problem is in the report, nothing written) or a form error.
    """
    form = form_class(request.POST, request.FILES)
    report = None
    if form.is_valid():
        try:
            report = run(cast(IO[bytes], form.cleaned_data["file"]))
        except DomainError as exc:
            form.add_error("file", exc.message)
    if report is not None and report.ok:
        messages.success(request, done(report))
        return form_class(), report, 200
    if report is not None:
        count = len(report.errors)
        messages.error(request, f"Nothing was imported: {count} problem{'' if count == 1 else 's'} in the file.")
    return form, report, 422
