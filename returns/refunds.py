"""Refund arithmetic, pure and in `Decimal` (no database): what a return gives back, and why.

Rules (the policy's, written down in docs/returns.md):

- Items: each refunded unit at the price the customer paid (the order line's unit price).
  Exchanged units are not refunded: the replacement is the customer's due.
- Restocking fee: `restocking_fee_percent` of the unit price on a unit whose reason carries
  the fee, or that was inspected "opened" when the policy charges opened units. Never on a
  defective unit (not the customer's doing). Rounded per line, half up.
- Never more than was paid, across every return of the order: the items of this return are
  capped at the order's subtotal minus the items its other returns refunded already.
- Tax: with `refund_tax`, cumulative over the order's returns: the order's tax in proportion
  to everything refunded so far on the order (this return's items included) over its
  subtotal, rounded half up to the cent, minus the tax its other returns refunded already,
  and never past the order's tax total. So three returns of a third each refund
  0.33 + 0.34 + 0.33 of a 1.00 tax, never three times 0.33 (short) nor more than 1.00.
- Return shipping: the label's price is kept when every refunded line's reason has the
  customer pay for return shipping (a parcel that holds a faulty item ships at the
  merchant's cost). No label (returned in store): nothing.
- The refund never goes below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
#: Conditions that never carry a restocking fee: the merchant's or the carrier's fault.
NO_FEE_CONDITIONS = frozenset({"defective"})


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (how shops and card networks round)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RefundLine:
    """One return line as the arithmetic needs it.

    `conditions` holds one entry per unit to refund: its inspected condition, or "" when
    not inspected yet (a quote before the parcel arrives assumes it comes back as new).
    """

    sku: str
    unit_price: Decimal
    conditions: tuple[str, ...]
    reason_fee: bool = False
    customer_pays_shipping: bool = False
    exchange: bool = False


@dataclass(frozen=True)
class RefundTerms:
    restocking_fee_percent: Decimal = ZERO
    fee_on_opened: bool = False
    refund_tax: bool = True


@dataclass(frozen=True)
class RefundQuote:
    items: Decimal
    tax: Decimal
    restocking_fee: Decimal
    return_shipping: Decimal
    amount: Decimal
    breakdown: list[dict[str, str]] = field(default_factory=list)

    @property
    def nothing_to_refund(self) -> bool:
        return self.amount == ZERO


def _fee_units(line: RefundLine, terms: RefundTerms) -> int:
    units = 0
    for condition in line.conditions:
        if condition in NO_FEE_CONDITIONS:
            continue
        if line.reason_fee or (terms.fee_on_opened and condition == "opened"):
            units += 1
    return units


def refund_quote(
    *,
    lines: Sequence[RefundLine],
    terms: RefundTerms,
    order_subtotal: Decimal,
    order_tax: Decimal,
    label_rate: Decimal | None,
    items_refunded_before: Decimal = ZERO,
    tax_refunded_before: Decimal = ZERO,
) -> RefundQuote:
    """The refund for these lines under these terms (see the module docstring for the rules).

    `items_refunded_before` and `tax_refunded_before` are what the order's other returns
    refunded (or will refund) already.
    """
    refunded = [line for line in lines if not line.exchange and line.conditions]
    breakdown: list[dict[str, str]] = []
    items = ZERO
    fee = ZERO
    percent = terms.restocking_fee_percent
    for line in refunded:
        line_items = money(line.unit_price * len(line.conditions))
        items += line_items
        breakdown.append({"label": f"{line.sku} \u00d7 {len(line.conditions)}", "amount": str(line_items)})
        fee_units = _fee_units(line, terms)
        if fee_units and percent > 0:
            line_fee = money(line.unit_price * fee_units * percent / HUNDRED)
            fee += line_fee
            breakdown.append(
                {
                    "label": f"Restocking fee {percent.normalize():f}% on {line.sku} \u00d7 {fee_units}",
                    "amount": f"-{line_fee}",
                }
            )
    items_left = max(order_subtotal - items_refunded_before, ZERO) if order_subtotal > 0 else items
    if items > items_left:
        breakdown.append(
            {
                "label": "Capped at what the order paid (other returns refunded the rest)",
                "amount": f"-{items - items_left}",
            }
        )
        items = items_left
    tax = ZERO
    if terms.refund_tax and order_tax > 0 and order_subtotal > 0 and items > 0:
        so_far = min(items_refunded_before + items, order_subtotal)
        due = min(money(order_tax * so_far / order_subtotal), order_tax)
        tax = max(due - tax_refunded_before, ZERO)
        if tax > 0:
            breakdown.append({"label": "Tax on the returned items", "amount": str(tax)})
    shipping = ZERO
    if refunded and label_rate and all(line.customer_pays_shipping for line in refunded):
        shipping = money(label_rate)
        breakdown.append({"label": "Return label (paid by the customer)", "amount": f"-{shipping}"})
    amount = max(items + tax - fee - shipping, ZERO)
    return RefundQuote(
        items=money(items),
        tax=tax,
        restocking_fee=money(fee),
        return_shipping=shipping,
        amount=money(amount),
        breakdown=breakdown,
    )
