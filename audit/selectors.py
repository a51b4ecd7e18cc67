"""Reads of the audit trail: changes with their field-level before and after.

Every audited model has its own history table, so a search asks each table for its newest
matching rows (a bounded number of queries per table, whatever the page shows), joins in
Python by date, and reads the record before each one in one more query per table to diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import OuterRef, Prefetch, Q, Subquery

from audit.registry import AUDITED, Audited, audited_for_subject, model_title

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
MASKED = "(hidden)"


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str
    after: str


@dataclass
class Change:
    """One recorded change of one object."""

    history_id: int
    when: datetime
    user: str
    reason: str
    model: str
    model_key: str
    object_id: Any
    object_label: str
    action: str
    fields: list[FieldChange] = field(default_factory=list)
    #: The page whose history holds this change: (app label, model name, pk), e.g. a cell's rate card.
    page: tuple[str, str, Any] | None = None


@dataclass(frozen=True)
class AuditFilters:
    """What the search page asks for; every part optional."""

    model: str = ""
    object_id: str = ""
    user: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    before: datetime | None = None  # the page cursor: only changes older than this


def history_model(entry: Audited) -> Any:
    """The history table's model (simple-history builds it; typed loosely)."""
    return entry.model.history.model  # type: ignore[attr-defined]


def _m2m_accessors(entry: Audited) -> list[tuple[str, str, str, Any]]:
    """Per many-to-many: its name, the accessor on a history row, the target field and model of its rows."""
    model = history_model(entry)
    found: list[tuple[str, str, str, Any]] = []
    for m2m in model._history_m2m_fields:
        for rel in model._meta.related_objects:
            if rel.related_model._meta.model_name.endswith(f"_{m2m.name}".lower()):
                found.append((m2m.name, rel.get_accessor_name(), m2m.m2m_reverse_field_name(), rel.related_model))
    return found


def _history_rows(entry: Audited, where: Q, limit: int) -> list[Any]:
    model = history_model(entry)
    pk = entry.model._meta.pk.attname
    older = model.objects.filter(**{pk: OuterRef(pk)}).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    query = (
        model.objects.filter(where)
        .select_related("history_user", *entry.related)
        .annotate(previous_id=Subquery(older.order_by("-history_date", "-history_id").values("history_id")[:1]))
        .order_by("-history_date", "-history_id")
    )
    return list(_with_m2m(entry, query)[:limit])


def _with_m2m(entry: Audited, query: Any) -> Any:
    for _name, accessor, target, rows_model in _m2m_accessors(entry):
        query = query.prefetch_related(Prefetch(accessor, queryset=rows_model.objects.select_related(target)))
    return query


def _text_query(entry: Audited, text: str) -> Q:
    query = Q(history_change_reason__icontains=text)
    hidden = set(entry.secret) | set(entry.excluded)
    for model_field in entry.model._meta.concrete_fields:
        if isinstance(model_field, (models.CharField, models.TextField)) and model_field.name not in hidden:
            query |= Q(**{f"{model_field.attname}__icontains": text})
    return query


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)) and not value:
        return "none"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _values(entry: Audited, row: Any) -> dict[str, tuple[str, Any]]:
    """Field label -> (shown value, comparable value) of a history row."""
    values: dict[str, tuple[str, Any]] = {}
    for model_field in history_model(entry).tracked_fields:
        if model_field.primary_key or not model_field.editable:
            continue  # the id, and stamps such as created_at: not something a person changed
        label = str(model_field.verbose_name)
        raw = getattr(row, model_field.attname)
        if model_field.name in entry.secret:
            values[label] = (MASKED, raw)
        elif model_field.is_relation:
            related = getattr(row, model_field.name, None) if model_field.name in _first_hops(entry) else None
            values[label] = (_shown(related if related is not None else raw), raw)
        elif model_field.choices:
            values[label] = (_shown(dict(model_field.flatchoices).get(raw, raw)), raw)
        else:
            values[label] = (_shown(raw), raw)
    for name, accessor, target, _rows_model in _m2m_accessors(entry):
        items = sorted((getattr(item, target) for item in getattr(row, accessor).all()), key=str)
        label = str(getattr(entry.model._meta.get_field(name), "verbose_name", name))
        values[label] = (_shown([str(item) for item in items]), sorted(getattr(i, "pk", i) for i in items))
    return values


def _first_hops(entry: Audited) -> set[str]:
    return {path.split("__")[0] for path in entry.related}


def _diff(entry: Audited, row: Any, previous: Any | None) -> list[FieldChange]:
    after = _values(entry, row)
    if row.history_type == "-":
        return [FieldChange(name, shown, "—") for name, (shown, raw) in after.items() if raw not in (None, "", [])]
    if previous is None:
        return [FieldChange(name, "—", shown) for name, (shown, raw) in after.items() if raw not in (None, "", [])]
    before = _values(entry, previous)
    return [
        FieldChange(name, before[name][0], shown)
        for name, (shown, raw) in after.items()
        if name in before and before[name][1] != raw
    ]


def _user_label(row: Any) -> str:
    user = row.history_user
    if user is not None:
        return user.get_full_name() or user.get_username()
    return "system"


def _changes(entry: Audited, rows: list[Any]) -> list[Change]:
    previous_ids = [row.previous_id for row in rows if row.previous_id]
    previous: dict[int, Any] = {}
    if previous_ids:
        query = history_model(entry).objects.filter(history_id__in=previous_ids).select_related(*entry.related)
        previous = {row.history_id: row for row in _with_m2m(entry, query)}
    title = model_title(entry)
    changes = []
    for row in rows:
        changes.append(
            Change(
                history_id=row.history_id,
                when=row.history_date,
                user=_user_label(row),
                reason=row.history_change_reason or "",
                model=title,
                model_key=entry.key,
                object_id=getattr(row, entry.model._meta.pk.attname),
                object_label=_label(entry, row),
                action=ACTIONS.get(row.history_type, row.history_type),
                fields=_diff(entry, row, previous.get(row.previous_id) if row.previous_id else None),
                page=_page(entry, row),
            )
        )
    if entry.replaced_as_set:
        changes = _replacements_paired(changes)
    return _coalesced(changes, m2m_labels=_m2m_labels(entry))


#: Changes by one person (or key) this close together are one edit: a form saves its row, then sets a
#: relation (removals, then additions); a service replaces a set (deletes all, creates all).
SAME_EDIT_SECONDS = 2


def _page(entry: Audited, row: Any) -> tuple[str, str, Any] | None:
    """The first page this row's history shows on (its own, or its parent's), if it points at one."""
    for subject, attname in entry.subjects:
        object_id = getattr(row, attname, None)
        if object_id is not None:
            app_label, model_name = subject.split(".")
            return app_label, model_name, object_id
    return None


def _same_edit(newer: Change, older: Change) -> bool:
    return (newer.user, newer.reason) == (older.user, older.reason) and (
        newer.when - older.when
    ).total_seconds() <= SAME_EDIT_SECONDS


def _replacements_paired(changes: list[Change]) -> list[Change]:
    """A set replaced whole (a rate table): each row deleted and re-created under the same label in the
    same edit becomes one change of the fields that differ, and disappears if none does."""
    deleted = [change for change in changes if change.action == "Deleted"]
    gone: set[int] = set()
    shown: list[Change] = []
    for change in changes:
        if change.history_id in gone:
            continue
        if change.action == "Created":
            twin = next(
                (
                    old
                    for old in deleted
                    if old.history_id not in gone
                    and old.object_label == change.object_label
                    and old.when <= change.when
                    and _same_edit(change, old)
                ),
                None,
            )
            if twin is not None:
                gone.add(twin.history_id)
                before = {f.name: f.before for f in twin.fields}
                after = {f.name: f.after for f in change.fields}
                change.fields = [
                    FieldChange(name, before.get(name, "—"), after.get(name, "—"))
                    for name in dict.fromkeys([*before, *after])
                    if before.get(name, "—") != after.get(name, "—")
                ]
                change.action = "Changed"
                if not change.fields:
                    continue
        shown.append(change)
    return shown


def _m2m_labels(entry: Audited) -> set[str]:
    return {str(getattr(entry.model._meta.get_field(name), "verbose_name", name)) for name in entry.m2m}


def _coalesced(changes: list[Change], *, m2m_labels: set[str]) -> list[Change]:
    """Changes (newest first) with the many-to-many steps of an edit folded into it, field by field."""
    if not m2m_labels:
        return changes
    folded: list[Change] = []
    for change in changes:
        newer = folded[-1] if folded else None
        if (
            newer is not None
            and newer.action == "Changed"
            and newer.fields
            and all(f.name in m2m_labels for f in newer.fields)
            and change.action in ("Changed", "Created")
            and newer.object_id == change.object_id
            and _same_edit(newer, change)
        ):
            later = {f.name: f for f in newer.fields}
            merged = [
                FieldChange(f.name, f.before, later.pop(f.name).after) if f.name in later else f for f in change.fields
            ]
            newer.fields = [f for f in merged if f.before != f.after] + list(later.values())
            newer.action = change.action
            continue
        folded.append(change)
    return folded


def _label(entry: Audited, row: Any) -> str:
    try:
        return str(entry.label(row)) if entry.label else f"#{getattr(row, entry.model._meta.pk.attname)}"
    except AttributeError:  # a related row that is gone
        return f"#{getattr(row, entry.model._meta.pk.attname)}"


def _merge(found: list[Change], limit: int) -> list[Change]:
    found.sort(key=lambda change: (change.when, change.history_id), reverse=True)
    return found[:limit]


def audit_search(*, filters: AuditFilters, limit: int = 50) -> list[Change]:
    """The newest `limit` changes matching `filters`, newest first, each with its field changes."""
    entries = [AUDITED[filters.model]] if filters.model in AUDITED else list(AUDITED.values())
    found: list[Change] = []
    for entry in entries:
        where = Q()
        if filters.object_id and filters.model in AUDITED:
            if not filters.object_id.isdigit():
                return []
            where &= Q(**{entry.model._meta.pk.attname: int(filters.object_id)})
        if filters.user:
            where &= Q(history_user__username__icontains=filters.user) | Q(
                history_change_reason__icontains=filters.user
            )
        if filters.text:
            where &= _text_query(entry, filters.text)
        if filters.since:
            where &= Q(history_date__gte=filters.since)
        if filters.until:
            where &= Q(history_date__lt=filters.until)
        if filters.before:
            where &= Q(history_date__lt=filters.before)
        found.extend(_changes(entry, _history_rows(entry, where, limit)))
    return _merge(found, limit)


def audit_for_subject(*, subject: str, object_id: int | None, limit: int = 50) -> list[Change]:
    """The newest changes shown on one object's page (`subject` is its `app_label.model_name`).

    With `object_id` None: every object of that kind (the routing page's rules and costs).
    """
    found: list[Change] = []
    for entry, attname in audited_for_subject(subject):
        where = Q() if object_id is None else Q(**{attname: object_id})
        found.extend(_changes(entry, _history_rows(entry, where, limit)))
    return _merge(found, limit)


def audit_models() -> list[tuple[str, str]]:
    """(key, title) of every audited model, for the search form."""
    return sorted(((key, model_title(entry)) for key, entry in AUDITED.items()), key=lambda item: item[1])


def audit_subjects() -> set[str]:
    return {subject for entry in AUDITED.values() for subject, _attname in entry.subjects}
