"""The inbox: each file a partner drops is read, applied set by set, acknowledged, and filed away.

For a file in `edi/<code>/inbox/`:
1. read it (`read_interchange`); a file that is not X12 at all is stored as one rejected
   document and moved to `failed/` with a `.error.txt` (no 997: there is no group to answer);
2. every set is checked (its own, its group's and the interchange's errors) and mapped to its
   document before anything is applied, so a file never stops half-way for a reason found
   later; a set with an error is stored as rejected (`document_reject`) with the segment and
   element, and applies nothing;
3. each good set goes to its service (`acknowledgment_apply`, `ship_notice_apply`,
   `invoice_apply`, `inventory_feed_apply`) with idempotency key "<ISA13>-<GS06>-<ST02>"
   (an 856 shipping several POs adds "/<PO>" per notice), so the same file twice changes
   nothing; a refusal by the service (more than ordered, a cancelled PO) is stored by it;
4. one 997 per group goes to `outbox/` (sets with errors rejected with AK3/AK4/AK5 codes);
5. the file moves to `processed/` (with `.warnings.txt` if something was only odd) or, if any
   set was rejected or refused, to `failed/` with a `.error.txt` saying which and why.
Sets are independent, as X12 means them: in a group of two, a bad one does not stop a good one.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache

from core.errors import ValidationFailed
from partners import services
from partners.documents import Acknowledgment, InventoryFeed, InvoiceInput, ShipNotice
from partners.edi import drop
from partners.edi.catalog import PartnerLineCatalog
from partners.edi.envelope import Interchange, TransactionSet, read_interchange
from partners.edi.mappers import (
    FunctionalAckReceived,
    MappingError,
    acknowledgment_from_855,
    functional_ack_from_997,
    inventory_feed_from_846,
    invoice_from_810,
    ship_notices_from_856,
)
from partners.edi.outbound import functional_ack_997, outbound_send
from partners.edi.syntax import EdiIssue, X12SyntaxError
from partners.models import DocumentKind, Exchange, Partner, PartnerDocument
from partners.services.documents import Incoming, document_apply, document_reject

logger = logging.getLogger(__name__)

KIND_OF = {
    "850": DocumentKind.PURCHASE_ORDER,
    "855": DocumentKind.ACKNOWLEDGMENT,
    "856": DocumentKind.SHIP_NOTICE,
    "810": DocumentKind.INVOICE,
    "846": DocumentKind.INVENTORY,
    "997": DocumentKind.FUNCTIONAL_ACK,
}
TAKEN = ("855", "856", "810", "846", "997")  # what a supplier sends us
LOCK_SECONDS = 10 * 60

Mapped = Acknowledgment | ShipNotice | InvoiceInput | InventoryFeed | FunctionalAckReceived


@dataclass
class SetResult:
    """What became of one transaction set: applied, duplicate, rejected (by us) or refused (by the service)."""

    code: str
    control: str
    status: str
    message: str = ""
    document_ids: list[int] = field(default_factory=list)


@dataclass
class FileResult:
    """What became of one file: where it went, each set's result, the 997s written, and notes."""

    name: str
    moved_to: str = ""
    sets: list[SetResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    acknowledgments: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every set was applied (or was a repeat) and nothing stopped the file."""
        return not self.errors and all(result.status in ("applied", "duplicate") for result in self.sets)


def _decode(data: bytes) -> str:
    """X12 is ASCII in practice; UTF-8 (with or without BOM) first, Latin-1 for the odd extended character."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _kind_guess(text: str) -> str:
    found = re.search(r"\bST[^A-Za-z0-9\s](\d{3})", text)
    return KIND_OF.get(found.group(1), "") if found else ""


def _sender_issue(interchange: Interchange, partner: Partner) -> EdiIssue | None:
    """An error when the file says it comes from someone other than the partner whose inbox it is in."""
    sender = interchange.sender[1]
    if interchange.isa is None or not partner.edi_their_id or sender == partner.edi_their_id.strip():
        return None
    return EdiIssue(
        f"ISA06 {sender!r} is not {partner.name}'s EDI id {partner.edi_their_id!r}: "
        "a file in this inbox must come from this partner",
        "ISA",
        "ISA06",
        1,
        value=sender,
    )


def _map(ts: TransactionSet, catalog: PartnerLineCatalog, warnings: list[str]) -> list[Mapped]:
    if ts.code == "855":
        return [acknowledgment_from_855(ts, catalog)]
    if ts.code == "856":
        return list(ship_notices_from_856(ts, catalog, warnings))
    if ts.code == "810":
        return [invoice_from_810(ts, catalog)]
    if ts.code == "846":
        feed = inventory_feed_from_846(ts)
        warnings += [f"ST*846*{ts.control}: {error}" for error in feed.errors]
        return [feed]
    return [functional_ack_from_997(ts)]


def _apply(partner: Partner, document: Mapped, raw: str, key: str) -> PartnerDocument:
    common: dict[str, Any] = {"partner": partner, "via": Exchange.EDI, "raw": raw, "idempotency_key": key}
    if isinstance(document, Acknowledgment):
        return services.acknowledgment_apply(ack=document, **common)
    if isinstance(document, ShipNotice):
        return services.ship_notice_apply(notice=document, **common)
    if isinstance(document, InvoiceInput):
        return services.invoice_apply(invoice=document, **common)
    if isinstance(document, InventoryFeed):
        return services.inventory_feed_apply(feed=document, **common)
    note = "" if document.accepted else f"Our group was not accepted: {document.summary()}"
    incoming = Incoming(
        partner=partner,
        kind=DocumentKind.FUNCTIONAL_ACK,
        via=Exchange.EDI,
        raw=raw,
        parsed={"summary": document.summary(), "status": document.status, "group": document.group_control},
        idempotency_key=key,
    )
    # The 997 answers one of our groups (AK102 = our GS06): kept on that PO's trail, e.g. a cancellation's.
    answered = (
        PartnerDocument.objects.filter(
            partner=partner, direction="out", parsed__group_control=document.group_control.lstrip("0")
        )
        .exclude(purchase_order=None)
        .select_related("purchase_order")
        .order_by("-pk")
        .first()
    )
    po_number = answered.purchase_order.number if answered and answered.purchase_order else None
    return document_apply(incoming, po_number=po_number, apply=lambda _po, _doc: note)


class _FileRun:
    """One file's processing (kept in an object so each step reads like the module docstring)."""

    def __init__(self, partner: Partner, name: str, text: str) -> None:
        self.partner, self.name, self.text = partner, name, text
        self.result = FileResult(name)
        self.catalog = PartnerLineCatalog(partner)
        self.set_issues: dict[int, dict[str, list[EdiIssue]]] = {}

    def reject(self, ts: TransactionSet | None, error: str, kind: str = "") -> None:
        raw = ts.text() if ts else self.text
        label = f"ST*{ts.code}*{ts.control}" if ts else self.name
        kind = KIND_OF.get(ts.code, "") if ts else kind
        message = f"{self.name}, {label}: {error}" if ts else f"{self.name}: {error}"
        ids = []
        if kind:
            ids.append(document_reject(partner=self.partner, kind=kind, via=Exchange.EDI, raw=raw, error=message).pk)
        self.result.sets.append(SetResult(ts.code if ts else "", ts.control if ts else "", "rejected", message, ids))

    def check_and_map(self, interchange: Interchange) -> list[tuple[TransactionSet, str, list[Mapped]]]:
        ready = []
        for group in interchange.groups:
            found = self.set_issues.setdefault(id(group), {})
            for ts in group.sets:
                blocking = interchange.blocking_issues(group, ts)
                if ts.code not in TAKEN:
                    issue = EdiIssue(
                        f"ST01 {ts.code!r} is not a document we take",
                        "ST",
                        "ST01",
                        ts.st.position,
                        set_position=1,
                        set_code="1",
                        value=ts.code,
                    )
                    found.setdefault(ts.control, []).append(issue)
                    blocking = [*blocking, issue]
                if blocking:
                    self.reject(ts, "; ".join(str(issue) for issue in blocking))
                    continue
                try:
                    mapped = _map(ts, self.catalog, self.result.warnings)
                except MappingError as error:
                    found.setdefault(ts.control, []).append(error.issue)
                    self.reject(ts, str(error.issue))
                    continue
                ready.append((ts, f"{interchange.control}-{group.control}-{ts.control}", mapped))
        return ready

    def apply(self, ready: list[tuple[TransactionSet, str, list[Mapped]]]) -> None:
        for ts, key, documents in ready:
            result = SetResult(ts.code, ts.control, "applied")
            for document in documents:
                po = getattr(document, "po_number", "")
                one_key = f"{key}/{po}" if len(documents) > 1 else key
                try:
                    stored = _apply(self.partner, document, ts.text(), one_key)
                except ValidationFailed as refusal:
                    result.status = "refused"
                    result.message = "; ".join(filter(None, [result.message, f"{po or ts.code}: {refusal.message}"]))
                    result.document_ids += [refusal.details["document"]] if "document" in refusal.details else []
                    continue
                result.document_ids.append(stored.pk)
                if stored.status == "duplicate" and result.status == "applied":
                    result.status = "duplicate"
            if result.status == "refused":
                result.message = f"{self.name}, ST*{ts.code}*{ts.control}: {result.message}"
            self.result.sets.append(result)

    def acknowledge(self, interchange: Interchange) -> None:
        for group in interchange.groups:
            if not group.sets or all(ts.code == "997" for ts in group.sets):
                continue  # a 997 is never answered with a 997
            if group.gs is None or interchange.isa is None:
                self.result.warnings.append("no 997 sent: the sets came without an ISA/GS envelope to answer")
                continue
            document = outbound_send(
                partner=self.partner,
                key=f"997-{interchange.control}-{group.control}",
                kind=DocumentKind.FUNCTIONAL_ACK,
                file_prefix=f"997_{interchange.control}_{group.control}",
                render=functools.partial(
                    functional_ack_997,
                    interchange,
                    group,
                    partner=self.partner,
                    set_issues=self.set_issues.get(id(group), {}),
                ),
                parsed={"answers": {"interchange": interchange.control, "group": group.control}, "file": self.name},
            )
            self.result.acknowledgments.append(document.control_number)

    def run(self) -> FileResult:
        try:
            interchange = read_interchange(self.text)
        except X12SyntaxError as error:
            self.reject(None, str(error.issue), kind=_kind_guess(self.text))
            self.result.errors.append(str(error.issue))
            return self.result
        sender = _sender_issue(interchange, self.partner)
        if sender:
            interchange.issues.append(sender)
        self.result.warnings += [str(issue) for issue in interchange.all_issues() if not issue.is_error]
        if not interchange.sets:
            self.reject(
                None,
                "; ".join(str(i) for i in interchange.all_issues()) or "no transaction set in the file",
                kind=_kind_guess(self.text),
            )
            self.result.errors.append("no transaction set in the file")
        ready = self.check_and_map(interchange)
        self.apply(ready)
        self.acknowledge(interchange)
        return self.result


def _note(result: FileResult) -> str:
    lines = [f"{result.name}: {'processed' if result.ok else 'not (fully) applied'}"]
    lines += [f"error: {error}" for error in result.errors]
    for item in result.sets:
        lines.append(f"ST*{item.code}*{item.control}: {item.status}" + (f" - {item.message}" if item.message else ""))
    lines += [f"warning: {warning}" for warning in result.warnings]
    lines += [f"997 sent: ISA13 {control}" for control in result.acknowledgments]
    return "\n".join(lines) + "\n"


def file_process(partner: Partner, name: str) -> FileResult:
    """Process one file of the partner's inbox (see the module docstring) and move it out of the inbox."""
    run = _FileRun(partner, name, _decode(drop.read(partner, drop.INBOX, name)))
    result = run.run()
    if result.ok:
        result.moved_to = drop.move(
            partner, name, drop.PROCESSED, _note(result) if result.warnings else "", note_suffix=".warnings.txt"
        )
    else:
        result.moved_to = drop.move(partner, name, drop.FAILED, _note(result))
    logger.info("EDI file %s of %s: %s", name, partner.code, "processed" if result.ok else "failed")
    return result


def inbox_process(partner: Partner) -> list[FileResult]:
    """Process every file waiting in the partner's inbox; one worker at a time per partner."""
    lock = f"partners:edi-inbox:{partner.pk}"
    if not cache.add(lock, 1, timeout=LOCK_SECONDS):
        return []  # another worker is reading this inbox now; beat comes back
    results = []
    try:
        for name in drop.inbox_files(partner):
            try:
                results.append(file_process(partner, name))
            except Exception:
                # A file that breaks something unexpected (storage down, a bug) stays in the inbox to be
                # tried again by the next run; it must not hold back the partner's other files.
                logger.exception("EDI file %s of %s could not be processed; left in the inbox", name, partner.code)
        return results
    finally:
        cache.delete(lock)


def inbox_process_all() -> dict[str, list[FileResult]]:
    """Process the inboxes of every active partner that exchanges EDI files."""
    partners = Partner.objects.filter(exchange=Exchange.EDI, is_active=True).order_by("code")
    return {partner.code: inbox_process(partner) for partner in partners}
