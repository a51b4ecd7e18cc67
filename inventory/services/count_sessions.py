"""Cycle count sessions: open one for many SKUs, count them, submit, approve or reject the variances.

Counting never changes stock: it records what was found and what the system had at that
moment (`expected`, read with the level locked, with the newest ledger row as a mark). Only a
supervisor's approval writes, through `stock_set_on_hand` with `counted_against`, so each
variance is applied to on hand as it is then: units shipped or received between the count
and the approval are kept, never counted twice. Lines are approved all at once or one by one;
a line whose variance is above the session's threshold needs a reason. A line sent back for
a recount goes back to "not counted" and the session back to counting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import (
    AdjustmentReason,
    CountLine,
    CountLineStatus,
    CountSession,
    CountSessionStatus,
    Location,
    MovementKind,
    StockMovement,
)
from inventory.services.counts import stock_set_on_hand
from inventory.services.levels import DocumentRef, StockLine, _lock_levels, _whole_number

MAX_SKUS_PER_SESSION = 2000


def _document(session: CountSession) -> DocumentRef:
    return DocumentRef("count", session.number)


def _locked(session: CountSession, *allowed: str) -> CountSession:
    """Re-read the session under a row lock and check its status (a double click does nothing twice)."""
    locked = CountSession.objects.select_for_update().select_related("location").get(pk=session.pk)
    if locked.status not in allowed:
        raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}.")
    return locked


def count_session_create(
    *,
    location: Location,
    sku_ids: Sequence[int],
    actor: Actor,
    scope: str,
    note: str = "",
    reason_above_units: int = 5,
    reason_above_value: Decimal = Decimal("100.00"),
) -> CountSession:
    """Open a count session at `location` with one line per SKU (given once each, in any order)."""
    if not location.is_active:
        raise ValidationFailed(f"Location {location.code} is inactive.", field="location")
    unique = list(dict.fromkeys(sku_ids))
    if not unique:
        raise ValidationFailed("Choose at least one SKU to count.", field="skus")
    if len(unique) > MAX_SKUS_PER_SESSION:
        raise ValidationFailed(
            f"{len(unique):,} SKUs chosen; a session counts at most {MAX_SKUS_PER_SESSION:,}. Narrow the choice.",
            field="skus",
        )
    with transaction.atomic():
        session = CountSession.objects.create(
            location=location,
            scope=scope[:255],
            note=note[:255],
            reason_above_units=reason_above_units,
            reason_above_value=reason_above_value,
            created_by_id=actor_id(actor),
        )
        CountLine.objects.bulk_create([CountLine(session=session, sku_id=sku_id) for sku_id in unique])
    return session


def count_line_record(*, line: CountLine, counted: int, actor: Actor) -> CountLine:
    """Record what a counter found on one line; a second count of the same line replaces the first.

    `expected` is the on hand at this moment, read with the stock level locked together with
    the newest ledger row of the level, so the pair is consistent.
    """
    counted = _whole_number(counted, field_name="counted", minimum=0, message="Enter the counted quantity (0 or more).")
    with transaction.atomic():
        session = _locked(line.session, CountSessionStatus.COUNTING)
        locked = CountLine.objects.select_for_update().select_related("sku").get(pk=line.pk, session=session)
        key = (session.location_id, locked.sku_id)
        level = _lock_levels([key], create_missing=False).get(key)
        mark = (
            StockMovement.objects.filter(location_id=key[0], sku_id=key[1]).aggregate(last=Max("id"))["last"]
            if level is not None
            else None
        )
        locked.counted = counted
        locked.expected = level.on_hand if level is not None else 0
        locked.ledger_mark = mark
        locked.unit_value = locked.sku.price
        locked.counted_by_id = actor_id(actor)
        locked.counted_at = timezone.now()
        locked.status = CountLineStatus.COUNTED
        locked.save()
        locked.session = session
    return locked


def count_session_submit(*, session: CountSession, actor: Actor) -> CountSession:
    """Hand a finished count to a supervisor: every line must be counted (0 is a count)."""
    with transaction.atomic():
        locked = _locked(session, CountSessionStatus.COUNTING)
        missing = list(
            locked.lines.filter(status=CountLineStatus.PENDING)
            .order_by("sku__code")
            .values_list("sku__code", flat=True)
        )
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise ValidationFailed(
                f"{len(missing)} SKU{'s' if len(missing) != 1 else ''} not counted yet: {shown}. "
                "Count them (enter 0 if there are none) before submitting.",
                field="lines",
            )
        locked.status = CountSessionStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
    return locked


def _decidable(session: CountSession, line_ids: Sequence[int] | None) -> list[CountLine]:
    """The counted lines to decide, locked: the given ones (each must be counted), or every counted one."""
    lines = session.lines.select_for_update().filter(status=CountLineStatus.COUNTED)
    if line_ids is None:
        return list(lines.select_related("sku").order_by("pk"))
    chosen = list(lines.filter(pk__in=line_ids).select_related("sku").order_by("pk"))
    if not line_ids or len(chosen) != len(set(line_ids)):
        raise ValidationFailed("Choose counted lines of this session that are not decided yet.", field="lines")
    return chosen


def count_lines_approve(
    *,
    session: CountSession,
    actor: Actor,
    line_ids: Sequence[int] | None = None,
    reasons: Mapping[int, str] | None = None,
    note: str = "",
) -> list[CountLine]:
    """Approve variances (the given lines, or every counted line) and post them to the ledger, all or nothing.

    A line whose variance is above the session's threshold (units or value) needs a reason in
    `reasons` (line id -> `AdjustmentReason`); refusals name every such line. Posting goes
    through `stock_set_on_hand` (kind count, the session as the document), which refuses a
    count that would take away units reserved for orders. The session closes once no line is
    left to decide.
    """
    reasons = reasons or {}
    with transaction.atomic():
        locked = _locked(session, CountSessionStatus.SUBMITTED)
        lines = _decidable(locked, line_ids)
        if not lines:
            raise ValidationFailed("There is no counted line left to approve.", field="lines")
        missing: list[str] = []
        for line in lines:
            line.session = locked
            reason = reasons.get(line.pk, "")
            if reason and reason not in AdjustmentReason.values:
                raise ValidationFailed(f"{line.sku.code}: choose a reason from the list.", field=f"reason-{line.pk}")
            if line.needs_reason and not reason:
                missing.append(line.sku.code)
        if missing:
            raise ValidationFailed(
                f"Choose a reason for the large variance{'s' if len(missing) > 1 else ''} of {', '.join(missing)}.",
                field="reasons",
            )
        posted = stock_set_on_hand(
            location=locked.location,
            counts=[StockLine(line.sku_id, line.counted or 0) for line in lines],
            counted_against={line.sku_id: line.expected or 0 for line in lines},
            actor=actor,
            document=_document(locked),
            kind=MovementKind.COUNT,
            refuse_below_reserved=True,
            notes={line.sku_id: _ledger_note(locked, line, reasons.get(line.pk, ""), note) for line in lines},
        )
        by_sku = {movement.sku_id: movement for movement in posted.movements}
        now = timezone.now()
        for line in lines:
            line.status = CountLineStatus.APPROVED
            line.reason_code = reasons.get(line.pk, "")
            line.movement = by_sku.get(line.sku_id)
            _decided(line, actor=actor, note=note, now=now)
        CountLine.objects.bulk_update(
            lines, ["status", "reason_code", "movement", "decided_by", "decided_at", "decision_note"]
        )
        _close_if_done(locked, now=now)
    return lines


def count_lines_reject(
    *, session: CountSession, actor: Actor, line_ids: Sequence[int], note: str = ""
) -> list[CountLine]:
    """Reject counted lines: their variance is not posted and on hand stays as the system has it."""
    if not note.strip():
        raise ValidationFailed("Say why the count is rejected.", field="note")
    with transaction.atomic():
        locked = _locked(session, CountSessionStatus.SUBMITTED)
        lines = _decidable(locked, line_ids)
        now = timezone.now()
        for line in lines:
            line.status = CountLineStatus.REJECTED
            _decided(line, actor=actor, note=note, now=now)
        CountLine.objects.bulk_update(lines, ["status", "decided_by", "decided_at", "decision_note"])
        _close_if_done(locked, now=now)
    return lines


def count_line_recount(*, line: CountLine, actor: Actor) -> CountLine:
    """Send a counted line back to be counted again; the session goes back to counting."""
    with transaction.atomic():
        session = _locked(line.session, CountSessionStatus.COUNTING, CountSessionStatus.SUBMITTED)
        locked = CountLine.objects.select_for_update().get(pk=line.pk, session=session)
        if locked.status != CountLineStatus.COUNTED:
            raise Conflict("Only a counted line that is not decided yet can be counted again.")
        locked.status = CountLineStatus.PENDING
        locked.counted = locked.expected = locked.ledger_mark = None
        locked.counted_by_id = locked.counted_at = None
        locked.save()
        if session.status == CountSessionStatus.SUBMITTED:
            session.status = CountSessionStatus.COUNTING
            session.submitted_at = None
            session.save(update_fields=["status", "submitted_at", "updated_at"])
        locked.session = session
    return locked


def count_session_cancel(*, session: CountSession, actor: Actor) -> CountSession:
    """Cancel a session nothing of which was approved yet: no stock changes."""
    with transaction.atomic():
        locked = _locked(session, CountSessionStatus.COUNTING, CountSessionStatus.SUBMITTED)
        if locked.lines.filter(status=CountLineStatus.APPROVED).exists():
            raise Conflict(f"{locked.number} has approved lines; decide the rest instead of cancelling.")
        locked.status = CountSessionStatus.CANCELLED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
    return locked


def _ledger_note(session: CountSession, line: CountLine, reason: str, note: str) -> str:
    variance = line.variance or 0
    text = f"{session.number}: counted {line.counted}, system had {line.expected} (variance {variance:+d})"
    if reason:
        text += f"; {AdjustmentReason(reason).label.lower()}"
    return f"{text}. {note.strip()}".strip() if note.strip() else f"{text}."


def _decided(line: CountLine, *, actor: Actor, note: str, now: datetime) -> None:
    line.decided_by_id = actor_id(actor)
    line.decided_at = now
    line.decision_note = note.strip()[:255]


def _close_if_done(session: CountSession, *, now: datetime) -> None:
    """Close the session when every line is approved or rejected."""
    undecided = session.lines.filter(status__in=[CountLineStatus.PENDING, CountLineStatus.COUNTED]).exists()
    if not undecided:
        session.status = CountSessionStatus.CLOSED
        session.closed_at = now
        session.save(update_fields=["status", "closed_at", "updated_at"])
