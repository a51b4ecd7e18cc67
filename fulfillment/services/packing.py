"""Packing at the bench: every unit scanned exactly once, into one or more boxes, each weighed.

A shipment may go out in several boxes (`Package` rows, numbered 1, 2, ...): the scans are
split at the points where the packer started a new box, each box has its own weight and, when
chosen from the location's box catalog, its inner dimensions (carriers price by dimensional
weight). Packing again after a re-pick replaces the boxes; labels already bought for the old
boxes are voided after commit.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carriers.models import BoxType
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser, actor_id
from fulfillment.models import Package, PackageStatus, Shipment, ShipmentStatus
from fulfillment.scanning import ScanMatcher
from fulfillment.services.labels import bought_label, label_void_later
from fulfillment.services.pack_scans import pack_scans_clear
from fulfillment.services.shipments import shipment_transition
from fulfillment.services.work import (
    MAX_PACKAGE_WEIGHT_GRAMS,
    MAX_SCANS,
    MAX_UNKNOWN_NAMED,
    _locked,
    _picklists_close_if_done,
    _refuse_if_on_hold,
    _status_label,
)
from fulfillment.signals import pack_checks
from inventory.models import SKU

MAX_BOXES = 50


@dataclass(frozen=True)
class BoxInput:
    """One box as the packer filled it: the codes scanned into it, its weight and its type."""

    codes: Sequence[str]
    weight_grams: object
    box_type: BoxType | None = None


def boxes_from_breaks(codes: Sequence[str], breaks: Sequence[int], weights: Sequence[object]) -> list[BoxInput]:
    """Split the scans at the positions where the packer started a new box (the pack screen's form)."""
    cuts = sorted({b for b in breaks if 0 < b < len(codes)})
    bounds = [0, *cuts, len(codes)]
    groups = [list(codes[start:end]) for start, end in itertools.pairwise(bounds)]
    return [
        BoxInput(codes=group, weight_grams=weights[index] if index < len(weights) else None)
        for index, group in enumerate(groups)
    ]


def _package_weight(weight_grams: object, box: str = "") -> int:
    where = f"Box {box}: " if box else ""
    if isinstance(weight_grams, bool) or not isinstance(weight_grams, int):
        raise ValidationFailed(f"{where}enter the weight in whole grams.", field="weight_grams")
    if weight_grams <= 0:
        raise ValidationFailed(f"{where}weigh the box: its weight must be more than 0 g.", field="weight_grams")
    if weight_grams > MAX_PACKAGE_WEIGHT_GRAMS:
        raise ValidationFailed(
            f"{where}{weight_grams:,} g is over the {MAX_PACKAGE_WEIGHT_GRAMS:,} g (150 lb) parcel limit; "
            "check the scale.",
            field="weight_grams",
        )
    return weight_grams


def _verify_scans(shipment: Shipment, codes: Sequence[str]) -> None:
    """Refuse unless every unit of the shipment was scanned exactly once (by barcode or SKU code)."""
    expected: Counter[int] = Counter()
    skus: dict[int, SKU] = {}
    for line in shipment.lines.select_related("sku"):
        expected[line.sku_id] += line.quantity
        skus[line.sku_id] = line.sku
    matcher = ScanMatcher((sku, sku.pk) for sku in sorted(skus.values(), key=lambda s: s.code))
    found = matcher.partition(codes)
    scanned: Counter[int] = Counter(sku_id for _, sku_id in found.matched)
    unknown: Counter[str] = Counter(found.unknown)
    problems: list[str] = []
    named = sorted(unknown.items())[:MAX_UNKNOWN_NAMED]
    wanted = [code for code, _ in named]
    others: dict[str, str] = {}
    for code, barcode in SKU.objects.filter(
        Q(barcode__in=wanted) | Q(code__in=wanted + [c.upper() for c in wanted])
    ).values_list("code", "barcode"):
        others.setdefault(barcode, code)
        others.setdefault(code, code)
    for code, times in named:
        other = others.get(code) or others.get(code.upper())
        what = f"{code} ({other})" if other and other != code else code
        problems.append(f"{what} is not in {shipment.number}" + (f" (scanned {times} times)." if times > 1 else "."))
    if len(unknown) > MAX_UNKNOWN_NAMED:
        problems.append(f"And {len(unknown) - MAX_UNKNOWN_NAMED} more codes that are not in {shipment.number}.")
    missing: dict[str, int] = {}
    extra: dict[str, int] = {}
    for sku_id, want in sorted(expected.items(), key=lambda item: skus[item[0]].code):
        got, code = scanned[sku_id], skus[sku_id].code
        if got < want:
            missing[code] = want - got
            problems.append(f"{code}: scanned {got} of {want}, {want - got} missing.")
        elif got > want:
            extra[code] = got - want
            problems.append(f"{code}: scanned {got} but the shipment has {want}, {got - want} extra.")
    if problems:
        raise ValidationFailed(
            f"{shipment.number} cannot be packed: " + " ".join(problems),
            field="scanned",
            details={"problems": problems, "missing": missing, "extra": extra, "unknown": sorted(unknown)},
        )


def _refuse_if_checks_say_so(shipment: Shipment) -> None:
    """Apps above may hold a shipment back from packing (quality: an inspection before it ships)."""
    problems = [str(answer) for _, answer in pack_checks.send(sender=Shipment, shipment=shipment) if answer]
    if problems:
        raise Conflict(" ".join(problems))


def _void_labels_later(packages: Sequence[Package]) -> None:
    for package in packages:
        if package.tracking_number:
            label_void_later(package.account_id, bought_label(package))


def shipment_pack(
    *,
    shipment: Shipment,
    scanned: Sequence[str] = (),
    weight_grams: object = None,
    boxes: Sequence[BoxInput] | None = None,
    actor: AnyUser | None,
    actor_label: str = "",
) -> Package:
    """Pack a shipment being picked: every unit scanned exactly once, each box weighed.

    Give `scanned` and `weight_grams` for one box, or `boxes`. A missing unit, an extra unit or a
    code that is not in the shipment is refused with a ValidationFailed naming the SKU and the
    counts, and nothing changes; so is an empty box or a weight that is not a whole number of
    grams in (0, 150 lb]. An accepted shipment may be packed straight away (a store without a
    pick list). Packing again replaces the boxes. Closes the pick list once none of its
    shipments is left to pick. Returns the first box.
    """
    if isinstance(scanned, str):
        raise ValidationFailed("Give one scanned code per unit (a list).", field="scanned")
    if boxes is None:
        boxes = [BoxInput(codes=scanned, weight_grams=weight_grams)]
    if not boxes or len(boxes) > MAX_BOXES:
        raise ValidationFailed(f"Pack into 1 to {MAX_BOXES} boxes.", field="boxes")
    cleaned: list[tuple[list[str], int, BoxType | None]] = []
    for number, box in enumerate(boxes, start=1):
        label = str(number) if len(boxes) > 1 else ""
        weight = _package_weight(box.weight_grams, label)
        codes = [str(code).strip() for code in box.codes if str(code).strip()]
        if not codes and len(boxes) > 1:
            raise ValidationFailed(f"Box {number} is empty: scan units into it or remove it.", field="scanned")
        cleaned.append((codes, weight, box.box_type))
    every_code = [code for codes, _, _ in cleaned for code in codes]
    if len(every_code) > MAX_SCANS:
        raise ValidationFailed(f"At most {MAX_SCANS:,} scans per shipment.", field="scanned")
    with transaction.atomic():
        locked = _locked(shipment)
        if locked.status not in (ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING):
            raise Conflict(f"{locked.number} is {_status_label(locked)}; only a shipment being picked can be packed.")
        _refuse_if_on_hold(locked)
        _verify_scans(locked, every_code)
        _refuse_if_checks_say_so(locked)
        if locked.status == ShipmentStatus.ACCEPTED:
            shipment_transition(
                shipment=locked,
                to=ShipmentStatus.PICKING,
                actor=actor,
                actor_label=actor_label,
                reason="picked to pack",
            )
        old = list(Package.objects.select_for_update().filter(shipment=locked))
        _void_labels_later([p for p in old if p.status in (PackageStatus.LABELLED, PackageStatus.BUYING)])
        Package.objects.filter(pk__in=[p.pk for p in old]).delete()
        pack_scans_clear(shipment=locked)  # the boxes keep the codes now
        now = timezone.now()
        created = Package.objects.bulk_create(
            [
                Package(
                    shipment=locked,
                    box_number=number,
                    box_type=box_type,
                    length_cm=box_type.length_cm if box_type else Decimal(0),
                    width_cm=box_type.width_cm if box_type else Decimal(0),
                    height_cm=box_type.height_cm if box_type else Decimal(0),
                    weight_grams=weight,
                    scanned=codes,
                    packed_by_id=actor_id(actor),
                    packed_at=now,
                )
                for number, (codes, weight, box_type) in enumerate(cleaned, start=1)
            ]
        )
        total = sum(weight for _, weight, _ in cleaned)
        reason = f"{len(every_code)} units scanned, {total:,} g"
        if len(cleaned) > 1:
            reason += f" in {len(cleaned)} boxes"
        shipment_transition(
            shipment=locked, to=ShipmentStatus.PACKED, actor=actor, actor_label=actor_label, reason=reason
        )
        _picklists_close_if_done(locked)
    return created[0]
