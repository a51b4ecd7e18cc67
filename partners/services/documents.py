"""The document trail: every message a partner sends is stored (raw and parsed) with what became of it.

`document_apply` is the one way an incoming document is applied: under the PO's lock (the
order's row first, as everywhere), a repeat is recognised (same `Idempotency-Key`, or the same
content for the same PO) and changes nothing; otherwise the document row and everything the
document does are written in one transaction. A refusal (any `core.errors.DomainError`
raised while applying) rolls all of that back, then the document is stored as rejected with
the reason, outside the failed transaction, and `DocumentRefused` (a `ValidationFailed`)
is raised naming the field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError, ValidationFailed
from core.safe_json import clean, clean_text
from core.types import AnyUser
from orders.models import Order
from partners.models import DocumentStatus, Partner, PartnerDocument, PurchaseOrder

PO_PREFIX = "PO-"


class DocumentRefused(ValidationFailed):
    """A partner's document was refused and stored as rejected (`document_id`) with the reason.

    `rejection` holds what `document_reject` needs to store it again: a caller whose own
    transaction rolled the row back (a REST view's idempotency record) stores it after.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None,
        document_id: int,
        rejection: dict[str, Any],
        errors: dict[str, list[str]] | None = None,
    ):
        details: dict[str, Any] = {"document": document_id}
        if errors:
            details["errors"] = errors  # every field at fault, not only the first
        super().__init__(message, field=field, details=details)
        self.document_id = document_id
        self.rejection = rejection
        self.errors = errors


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def parsed_of(document: Any) -> dict[str, Any]:
    """A dataclass from `partners.documents` as JSON-ready data (Decimals and dates as strings)."""
    plain = _plain(dataclasses.asdict(document))
    assert isinstance(plain, dict)
    return plain


def content_hash(parsed: dict[str, Any]) -> str:
    """What a document says, hashed: key order and whitespace do not matter."""
    return hashlib.sha256(json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def po_id_from_number(number: str) -> int | None:
    """42 from "PO-000042", "000042" or "42"; None if it is not one of our PO numbers."""
    value = number.strip().upper()
    if value.startswith(PO_PREFIX):
        value = value[len(PO_PREFIX) :]
    return int(value) if value.isdigit() and 0 < int(value) < 2**62 else None


def partner_touch(partner: Partner) -> None:
    """The partner was heard from just now (the health panel's last contact)."""
    Partner.objects.filter(pk=partner.pk).update(last_contact_at=timezone.now())


def document_reject(
    *,
    partner: Partner,
    kind: str,
    via: str,
    raw: str,
    error: str,
    purchase_order: PurchaseOrder | None = None,
    parsed: dict[str, Any] | None = None,
) -> PartnerDocument:
    """Store a bad document with its error; nothing else changes (the partner sees the error).

    A bad body may hold what PostgreSQL cannot store (a NUL byte): it is kept without it.
    """
    document = PartnerDocument.objects.create(
        partner=partner,
        purchase_order=purchase_order,
        direction="in",
        via=via,
        kind=kind,
        status=DocumentStatus.REJECTED,
        raw=clean_text(raw),
        parsed=clean(parsed or {}),
        error=clean_text(error)[:2000],
    )
    partner_touch(partner)
    return document


def document_record_out(
    *,
    partner: Partner,
    kind: str,
    via: str,
    raw: str,
    parsed: dict[str, Any],
    purchase_order: PurchaseOrder | None = None,
    status: str = DocumentStatus.SENT,
    error: str = "",
    control_number: str = "",
    idempotency_key: str = "",
) -> PartnerDocument:
    """Keep a message we sent (or could not send) on the trail.

    With an `idempotency_key` the message is kept once, however often a retry records it: a
    second call returns the row already there.
    """
    fields = {
        "partner": partner,
        "purchase_order": purchase_order,
        "direction": "out",
        "via": via,
        "kind": kind,
        "status": status,
        "raw": raw,
        "parsed": parsed,
        "error": error[:2000],
        "control_number": control_number[:20],
        "idempotency_key": idempotency_key,
    }
    if not idempotency_key:
        return PartnerDocument.objects.create(**fields)
    try:
        with transaction.atomic():
            return PartnerDocument.objects.create(**fields)
    except IntegrityError:
        return PartnerDocument.objects.get(partner=partner, direction="out", idempotency_key=idempotency_key)


def document_refuse_input(
    *,
    partner: Partner,
    kind: str,
    via: str,
    raw: str,
    errors: dict[str, list[str]],
    purchase_order: PurchaseOrder | None = None,
) -> DocumentRefused:
    """A body that could not be read (a bad JSON or CSV): store it rejected with every field's error and
    return the exception to raise (`ValidationFailed`, 400, naming the fields)."""
    error = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    rejection: dict[str, Any] = {
        "partner": partner,
        "kind": kind,
        "via": via,
        "raw": raw,
        "error": error,
        "purchase_order": purchase_order,
    }
    stored = document_reject(**rejection)
    return DocumentRefused(
        "Invalid input.", field=next(iter(errors), None), document_id=stored.pk, rejection=rejection, errors=errors
    )


def document_refusal_kept(refused: DocumentRefused) -> DocumentRefused:
    """The refusal to raise once the caller's own transaction is over: if that transaction took the rejected
    document with it (a REST view's idempotency record rolls back on an error), it is stored again."""
    if PartnerDocument.objects.filter(pk=refused.document_id).exists():
        return refused
    stored = document_reject(**refused.rejection)
    return DocumentRefused(
        refused.message,
        field=refused.field,
        document_id=stored.pk,
        rejection=refused.rejection,
        errors=refused.errors,
    )


@dataclass(frozen=True)
class Incoming:
    """One document as it arrived, before it is applied."""

    partner: Partner
    kind: str
    via: str
    raw: str
    parsed: dict[str, Any]
    idempotency_key: str = ""
    actor: AnyUser | None = None
    # Whether the same content for the same PO is a repeat (not for a feed, which may say the same twice).
    dedupe_content: bool = True

    @property
    def hash(self) -> str:
        return content_hash(self.parsed)


class Refusal(DomainError):
    """Raised inside `document_apply`'s transaction: roll back, store the document as rejected."""


def purchase_order_locked(partner: Partner, number: str) -> PurchaseOrder:
    """The partner's PO by its number, under its row lock (its order's row locked first); refused if unknown.

    Another partner's PO is "unknown" too: a partner never learns it exists.
    """
    pk = po_id_from_number(number)
    found = None
    if pk is not None:
        # One row: (order id,) for a dropship PO, (None,) for a stock PO, None for no such PO.
        found = PurchaseOrder.objects.filter(pk=pk, partner=partner).values_list("shipment__order_id").first()
    if pk is None or found is None:
        raise Refusal(f"No purchase order {number.strip() or '(blank)'} for {partner.name}.", field="po_number")
    if found[0] is not None:
        Order.objects.select_for_update(of=("self",)).values_list("pk", flat=True).get(pk=found[0])
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("partner", "shipment__location", "shipment__order", "location")
        .get(pk=pk)
    )


def _first_with_key(incoming: Incoming) -> PartnerDocument | None:
    if not incoming.idempotency_key:
        return None
    return PartnerDocument.objects.filter(
        partner=incoming.partner, direction="in", idempotency_key=incoming.idempotency_key
    ).first()


def _duplicate_of(incoming: Incoming, po: PurchaseOrder | None) -> PartnerDocument | None:
    """The first document this one repeats, if any; a reused key with other content is refused."""
    first = _first_with_key(incoming)
    if first is not None:
        if first.content_hash != incoming.hash or first.kind != incoming.kind:
            raise Refusal(
                "This Idempotency-Key was already used for a different document; use a new key.",
                field="Idempotency-Key",
            )
        return first
    if not incoming.dedupe_content:
        return None
    return (
        PartnerDocument.objects.filter(
            partner=incoming.partner,
            direction="in",
            kind=incoming.kind,
            purchase_order=po,
            content_hash=incoming.hash,
            status=DocumentStatus.APPLIED,
        )
        .order_by("pk")
        .first()
    )


def _as_duplicate(incoming: Incoming, first: PartnerDocument, po: PurchaseOrder | None) -> PartnerDocument:
    """Keep the repeat on the trail; hand back the first document, marked duplicate (not saved so)."""
    PartnerDocument.objects.create(
        partner=incoming.partner,
        purchase_order=po,
        direction="in",
        via=incoming.via,
        kind=incoming.kind,
        status=DocumentStatus.DUPLICATE,
        raw=incoming.raw,
        parsed={**incoming.parsed, "duplicate_of": first.pk},
        content_hash=incoming.hash,
    )
    first.status = DocumentStatus.DUPLICATE
    return first


def document_apply(
    incoming: Incoming,
    *,
    po_number: str | None,
    apply: Callable[[PurchaseOrder | None, PartnerDocument], str],
) -> PartnerDocument:
    """Store and apply one incoming document, exactly once, all or nothing (see the module docstring).

    `apply(po, document)` does what the document says (the PO locked, the document row written
    as received so the ledger can name it) and returns a note for the trail (kept as `error`
    on an applied document only when it says what was left out, e.g. unknown SKUs of a feed).
    It raises a `DomainError` to refuse, or sets the document's status to duplicate when it
    changes nothing. Returns the applied document, or the first one with
    status duplicate when this one repeats it.
    """
    po: PurchaseOrder | None = None
    try:
        with transaction.atomic():
            if po_number is not None:
                po = purchase_order_locked(incoming.partner, po_number)
            first = _duplicate_of(incoming, po)
            if first is not None:
                partner_touch(incoming.partner)
                return _as_duplicate(incoming, first, po)
            document = PartnerDocument.objects.create(
                partner=incoming.partner,
                purchase_order=po,
                direction="in",
                via=incoming.via,
                kind=incoming.kind,
                status=DocumentStatus.RECEIVED,
                raw=incoming.raw,
                parsed=incoming.parsed,
                idempotency_key=incoming.idempotency_key[:120],
                content_hash=incoming.hash,
            )
            note = apply(po, document)
            if document.status == DocumentStatus.RECEIVED:  # `apply` may say it changed nothing (a stale feed)
                document.status = DocumentStatus.APPLIED
            document.error = note[:2000]
            document.save(update_fields=["status", "error"])
            partner_touch(incoming.partner)
            return document
    except IntegrityError:
        # A twin with the same Idempotency-Key committed first: this one is its repeat.
        first = _first_with_key(incoming)
        if first is None:
            raise
        first.status = DocumentStatus.DUPLICATE
        return first
    except DomainError as exc:
        rejection: dict[str, Any] = {
            "partner": incoming.partner,
            "kind": incoming.kind,
            "via": incoming.via,
            "raw": incoming.raw,
            "error": (f"{exc.field}: " if exc.field else "") + exc.message,
            "purchase_order": po if po is not None and po.pk else None,
            "parsed": incoming.parsed,
        }
        rejected = document_reject(**rejection)
        raise DocumentRefused(exc.message, field=exc.field, document_id=rejected.pk, rejection=rejection) from exc
