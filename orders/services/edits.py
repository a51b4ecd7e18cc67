"""Order book edits made by staff on an order's page: ship-to, lines, comments with @mentions, tags.

These write the order book only. Whatever depends on where the order ships from (releasing
reservations, routing again) is fulfillment's (`fulfillment.services.order_edits`), which
calls these with the order's row locked and its open shipments already released, so that a
line never has allocated units while its quantity changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max

from core.errors import ValidationFailed
from core.geo import geocode_postal_code, not_on_map_reason
from core.types import AnyUser
from inventory.models import SKU
from orders.models import AddressStatus, Order, OrderEvent, OrderEventKind, OrderLine, OrderMention, OrderTag
from orders.services.create import MAX_LINE_QUANTITY, MAX_LINES
from orders.services.events import order_event_add
from orders.services.state import order_line_cancel_backorder, order_lock

#: "@ana" or "@ana.lee" at the start of the text or after a space or punctuation (not an email address).
MENTION_PATTERN = re.compile(r"(?<![\w@.])@([\w.+-]*\w)")
MAX_COMMENT_LENGTH = 500
MAX_TAGS = 10
MAX_TAG_LENGTH = 40


@dataclass(frozen=True)
class ShipTo:
    """A ship-to address as staff type it on the order page."""

    line1: str
    postal_code: str
    city: str = ""
    region: str = ""
    line2: str = ""
    country: str = "US"

    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, f"{self.region} {self.postal_code}".strip(), self.country]
        return ", ".join(part for part in parts if part)


def ship_to_of(order: Order) -> ShipTo:
    """The order's current ship-to address."""
    return ShipTo(
        line1=order.ship_line1,
        line2=order.ship_line2,
        city=order.ship_city,
        region=order.ship_region,
        postal_code=order.ship_postal_code,
        country=order.ship_country or "US",
    )


def order_ship_to_set(*, order: Order, ship_to: ShipTo) -> bool:
    """Write a new ship-to on the order and place it on the map; True if its coordinates moved.

    Refused (400, on the field at fault) without a street or postal code, with a country that
    is not two letters, or with a postal code that cannot be placed on the map. The carrier's
    earlier verdict no longer applies: the address is unchecked again. Precondition: the
    caller holds the order's row lock.
    """
    clean = ShipTo(
        line1=ship_to.line1.strip(),
        line2=ship_to.line2.strip(),
        city=ship_to.city.strip(),
        region=ship_to.region.strip(),
        postal_code=ship_to.postal_code.strip().upper(),
        country=(ship_to.country.strip() or "US").upper(),
    )
    if not clean.line1:
        raise ValidationFailed("Enter the street address.", field="line1")
    if not clean.postal_code:
        raise ValidationFailed("Enter the postal code.", field="postal_code")
    if not re.fullmatch(r"[A-Z]{2}", clean.country):
        raise ValidationFailed("Use the two-letter country code, e.g. US or CA.", field="country")
    place = geocode_postal_code(clean.postal_code, clean.country)
    if place is None:
        raise ValidationFailed(not_on_map_reason(clean.postal_code, clean.country), field="postal_code")
    moved = (order.ship_latitude, order.ship_longitude, order.ship_country) != (
        place.latitude,
        place.longitude,
        clean.country,
    )
    order.ship_line1, order.ship_line2, order.ship_city = clean.line1, clean.line2, clean.city
    order.ship_region, order.ship_postal_code, order.ship_country = clean.region, clean.postal_code, clean.country
    order.ship_latitude, order.ship_longitude = place.latitude, place.longitude
    order.address_status = AddressStatus.UNCHECKED
    order.address_suggestion = {}
    order.address_note = ""
    order.save()
    return moved


def order_line_quantity_set(*, line: OrderLine, quantity: int) -> None:
    """Change how many units a line orders. Precondition: the order is locked and the line has no
    allocated units (its shipments were released). The cancelled and shipped units stay; the
    quantity cannot go below them."""
    floor = line.quantity_cancelled + line.quantity_shipped
    if quantity < max(floor, 1) or quantity > MAX_LINE_QUANTITY:
        lowest = max(floor + 1, 1)
        raise ValidationFailed(
            f"Line {line.line_number} ({line.sku.code}): quantity must be between {lowest} and {MAX_LINE_QUANTITY}"
            + (f"; {floor} of its units are already cancelled or shipped." if floor else "."),
            field=f"quantity_{line.pk}",
        )
    OrderLine.objects.filter(pk=line.pk).update(quantity=quantity)
    line.quantity = quantity


def order_line_add(*, order: Order, sku: SKU, quantity: int, unit_price: Decimal | None = None) -> OrderLine:
    """Add a line of `quantity` units of `sku` (at its list price unless given); its units wait to be routed.

    Refused (400) for an inactive SKU, a SKU the order already has (change that line's quantity), a
    quantity out of range or an order at its line limit. Precondition: the order is locked.
    """
    if not sku.is_active:
        raise ValidationFailed(f"{sku.code} is not sold any more; choose an active SKU.", field="sku")
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationFailed(f"Quantity must be between 1 and {MAX_LINE_QUANTITY}.", field="quantity")
    lines = order.lines.all()
    # A line whose every unit is cancelled counts as removed: its SKU may be added again.
    if lines.filter(sku=sku, quantity__gt=F("quantity_cancelled")).exists():
        raise ValidationFailed(f"{order.number} already has {sku.code}; change that line's quantity.", field="sku")
    if lines.count() >= MAX_LINES:
        raise ValidationFailed(f"An order holds at most {MAX_LINES} lines.", field="sku")
    number = (lines.aggregate(top=Max("line_number"))["top"] or 0) + 1
    price = unit_price if unit_price is not None else sku.price
    return OrderLine.objects.create(order=order, line_number=number, sku=sku, quantity=quantity, unit_price=price)


def order_line_units_cancel(*, line: OrderLine, quantity: int) -> None:
    """Cancel `quantity` units of a line that are neither shipped nor cancelled. Precondition: the order
    is locked and the line's shipments were released (its units wait)."""
    open_units = line.quantity - line.quantity_shipped - line.quantity_cancelled
    if not 0 < quantity <= open_units:
        raise ValidationFailed(
            f"Line {line.line_number} ({line.sku.code}) has {open_units} unit{'' if open_units == 1 else 's'} "
            f"left to cancel; {quantity} is not possible.",
            field=f"cancel_{line.pk}",
        )
    order_line_cancel_backorder(line=line, quantity=quantity)
    line.quantity_cancelled += quantity


def order_totals_refresh(*, order: Order) -> None:
    """Items total = what the units not cancelled cost; grand total adds shipping and tax."""
    subtotal = sum(
        (line.unit_price * (line.quantity - line.quantity_cancelled) for line in order.lines.all()), Decimal("0.00")
    )
    order.subtotal = subtotal
    order.grand_total = subtotal + order.shipping_total + order.tax_total
    Order.objects.filter(pk=order.pk).update(subtotal=order.subtotal, grand_total=order.grand_total)


# --- Comments and tags ----------------------------------------------------------------------


def mentioned_usernames(text: str) -> list[str]:
    """The @usernames in a comment, in order, each once."""
    seen: dict[str, None] = {}
    for name in MENTION_PATTERN.findall(text):
        seen.setdefault(name, None)
    return list(seen)


def order_comment_add(*, order: Order, text: str, actor: AnyUser) -> OrderEvent:
    """Add a staff comment to the order's timeline; each active person named with @username is mentioned
    (stored, and listed on their mentions page). A name that is nobody's stays plain text.

    Refused (400) when empty or longer than `MAX_COMMENT_LENGTH`.
    """
    text = text.strip()
    if not text:
        raise ValidationFailed("Write the comment first.", field="comment")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationFailed(
            f"A comment holds at most {MAX_COMMENT_LENGTH} characters (this one has {len(text)}).", field="comment"
        )
    names = mentioned_usernames(text)
    user_model = get_user_model()
    people = list(user_model.objects.filter(username__in=names, is_active=True)) if names else []
    with transaction.atomic():
        event = order_event_add(
            order=order,
            kind=OrderEventKind.NOTE,
            message=text,
            actor=actor,
            data={"comment": True, "mentions": sorted(person.get_username() for person in people)},
        )
        OrderMention.objects.bulk_create([OrderMention(event=event, user=person) for person in people])
    return event


def tags_parse(text: str) -> list[str]:
    """Tags typed as "vip, gift wrap": trimmed, lower case, inner spaces kept single, each once."""
    tags: dict[str, None] = {}
    for raw in re.split(r"[,\n]", text):
        tag = " ".join(raw.split()).lower()
        if tag:
            tags.setdefault(tag, None)
    return list(tags)


def order_tags_set(*, order: Order, tags: Iterable[str], actor: AnyUser | None) -> list[str]:
    """Make the order's tags exactly `tags`; the change (added, removed) goes on the timeline.

    Refused (400) beyond `MAX_TAGS` tags or for a tag longer than `MAX_TAG_LENGTH`. Returns the tags.
    """
    wanted = list(dict.fromkeys(tags))
    if len(wanted) > MAX_TAGS:
        raise ValidationFailed(
            f"An order takes at most {MAX_TAGS} tags; remove {len(wanted) - MAX_TAGS}.", field="tags"
        )
    too_long = [tag for tag in wanted if len(tag) > MAX_TAG_LENGTH]
    if too_long:
        raise ValidationFailed(
            f"Tag '{too_long[0][:50]}' is longer than {MAX_TAG_LENGTH} characters; shorten it.", field="tags"
        )
    with transaction.atomic():
        locked = order_lock(order)
        current = set(locked.tags.values_list("name", flat=True))
        added = [tag for tag in wanted if tag not in current]
        removed = sorted(current - set(wanted))
        if removed:
            OrderTag.objects.filter(order=locked, name__in=removed).delete()
        OrderTag.objects.bulk_create([OrderTag(order=locked, name=tag) for tag in added])
        if added or removed:
            words = [f"added {', '.join(added)}"] if added else []
            words += [f"removed {', '.join(removed)}"] if removed else []
            order_event_add(order=locked, kind=OrderEventKind.NOTE, message=f"Tags {'; '.join(words)}.", actor=actor)
    return sorted(wanted)
