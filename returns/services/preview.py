"""What a customer will get back, shown before they ask for a return, from the same arithmetic as the refund.

`return_preview` prices what the customer has chosen so far (items, reasons, exchanges, by
mail or in a store) with `returns.refunds.refund_quote` and the policy's terms, exactly as
`refund_quote_for` will price the return once it exists: the figure shown is the figure
kept. Everything is read from the order and the policy on the server; the page only says
which lines, how many and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orders.models import Order
from returns.models import ReturnAuthorization, ReturnPolicy, ReturnReason
from returns.refunds import RefundLine, RefundQuote, RefundTerms, refund_quote
from returns.services.eligibility import Returnable, ReturnLineInput
from returns.services.money import label_fee, refunded_on_other_returns


@dataclass(frozen=True)
class ReturnPreview:
    """The estimate shown beside the return form."""

    quote: RefundQuote
    units: int
    exchanged_units: int
    #: Units chosen without a reason yet: their fees are not known.
    units_without_reason: int
    #: The reasons have the customer pay a label whose price is known only once bought (no flat fee in the policy).
    label_price_unknown: bool

    @property
    def empty(self) -> bool:
        return self.units == 0


def return_preview(
    *,
    order: Order,
    policy: ReturnPolicy,
    returnables: Sequence[Returnable],
    reasons: Sequence[ReturnReason],
    lines: Sequence[ReturnLineInput],
    in_store: bool,
) -> ReturnPreview:
    """Price the chosen lines as if every unit comes back as new; lines that are not valid yet are left out.

    A line with units but no reason counts its items (no fee known yet) and is reported in
    `units_without_reason`, so the page can say the fees follow the reason.
    """
    by_line = {item.line.pk: item for item in returnables}
    by_code = {reason.code: reason for reason in reasons}
    refund_lines: list[RefundLine] = []
    units = exchanged = unexplained = 0
    for wanted in lines:
        item = by_line.get(wanted.order_line_id or 0)
        quantity = min(max(wanted.quantity, 0), item.available) if item is not None else 0
        if item is None or quantity == 0:
            continue
        reason = by_code.get(wanted.reason)
        units += quantity
        exchanged += quantity if wanted.exchange_sku else 0
        unexplained += 0 if reason is not None else quantity
        refund_lines.append(
            RefundLine(
                sku=item.line.sku.code,
                unit_price=item.line.unit_price,
                conditions=tuple("" for _ in range(quantity)),
                reason_fee=reason is not None and reason.restocking_fee,
                customer_pays_shipping=reason is not None and reason.customer_pays_shipping,
                exchange=bool(wanted.exchange_sku),
            )
        )
    items_before, tax_before = refunded_on_other_returns(ReturnAuthorization(order=order))
    fee = label_fee(policy, in_store=in_store, label_rate=None)
    refunded = [line for line in refund_lines if not line.exchange]
    label_unknown = (
        not in_store
        and fee is None
        and bool(refunded)
        and unexplained == 0
        and all(line.customer_pays_shipping for line in refunded)
    )
    quote = refund_quote(
        lines=refund_lines,
        terms=RefundTerms(
            restocking_fee_percent=policy.restocking_fee_percent,
            fee_on_opened=policy.fee_on_opened,
            refund_tax=policy.refund_tax,
        ),
        order_subtotal=order.subtotal,
        order_tax=order.tax_total,
        label_rate=fee,
        items_refunded_before=items_before,
        tax_refunded_before=tax_before,
    )
    return ReturnPreview(
        quote=quote,
        units=units,
        exchanged_units=exchanged,
        units_without_reason=unexplained,
        label_price_unknown=label_unknown,
    )
