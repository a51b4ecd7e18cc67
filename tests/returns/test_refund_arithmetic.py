"""Refund arithmetic in Decimal: items, restocking fee, tax share, return label, never below zero."""

from __future__ import annotations

from decimal import Decimal

from returns.refunds import RefundLine, RefundTerms, money, refund_quote

D = Decimal
TERMS = RefundTerms(restocking_fee_percent=D("15.00"), fee_on_opened=True, refund_tax=True)


def quote(lines, terms=TERMS, subtotal="100.00", tax="0.00", label=None):
    return refund_quote(
        lines=lines, terms=terms, order_subtotal=D(subtotal), order_tax=D(tax), label_rate=D(label) if label else None
    )


def test_items_are_refunded_at_the_price_paid():
    result = quote([RefundLine("TEE", D("19.99"), ("new", "new"))], subtotal="39.98")
    assert result.items == D("39.98")
    assert result.amount == D("39.98")
    assert result.restocking_fee == D("0.00")
    assert all(isinstance(value, Decimal) for value in (result.items, result.tax, result.amount))


def test_restocking_fee_on_units_whose_reason_carries_it_rounds_half_up_per_line():
    # 15% of 3 x 19.99 = 8.9955 -> 9.00 (half up), not 8.99.
    result = quote([RefundLine("TEE", D("19.99"), ("new", "new", "new"), reason_fee=True)], subtotal="59.97")
    assert result.restocking_fee == D("9.00")
    assert result.amount == D("50.97")
    assert {"label": "Restocking fee 15% on TEE \u00d7 3", "amount": "-9.00"} in result.breakdown


def test_fee_on_opened_units_only_when_the_policy_says_so_and_never_on_defective_ones():
    line = RefundLine("MUG", D("10.00"), ("opened", "new", "defective"))
    assert quote([line]).restocking_fee == D("1.50")  # only the opened one
    no_opened = RefundTerms(restocking_fee_percent=D("15"), fee_on_opened=False)
    assert quote([line], terms=no_opened).restocking_fee == D("0.00")
    faulty_with_fee_reason = RefundLine("MUG", D("10.00"), ("defective",), reason_fee=True)
    assert quote([faulty_with_fee_reason]).restocking_fee == D("0.00")


def test_tax_is_refunded_in_proportion_to_the_items_share_of_the_subtotal():
    # Order: 60.00 items + 4.95 tax; returning 20.00 of it -> 4.95 x 20/60 = 1.65.
    result = quote([RefundLine("TEE", D("20.00"), ("new",))], subtotal="60.00", tax="4.95")
    assert result.tax == D("1.65")
    assert result.amount == D("21.65")
    assert quote(
        [RefundLine("TEE", D("20.00"), ("new",))], terms=RefundTerms(refund_tax=False), subtotal="60.00", tax="4.95"
    ).tax == D("0.00")


def test_tax_share_rounds_half_up_to_the_cent_cumulatively_over_the_orders_returns():
    one = [RefundLine("A", D("1.00"), ("new",))]
    # 1.00 tax x 1/3 = 0.3333 -> 0.33; then 2/3 of the tax is 0.67, less 0.33 refunded = 0.34; then the last 0.33.
    assert quote(one, subtotal="3.00", tax="1.00").tax == D("0.33")
    second = refund_quote(
        lines=one,
        terms=RefundTerms(),
        order_subtotal=D("3.00"),
        order_tax=D("1.00"),
        label_rate=None,
        items_refunded_before=D("1.00"),
        tax_refunded_before=D("0.33"),
    )
    assert second.tax == D("0.34")
    third = refund_quote(
        lines=one,
        terms=RefundTerms(),
        order_subtotal=D("3.00"),
        order_tax=D("1.00"),
        label_rate=None,
        items_refunded_before=D("2.00"),
        tax_refunded_before=D("0.67"),
    )
    assert third.tax == D("0.33")  # 1.00 in all, exactly the order's tax
    # 0.05 x 1/2 = 0.025 -> 0.03 (half up).
    assert quote(one, subtotal="2.00", tax="0.05").tax == D("0.03")


def test_items_and_tax_are_never_refunded_past_what_the_order_paid_across_returns():
    result = refund_quote(
        lines=[RefundLine("A", D("10.00"), ("new", "new"))],
        terms=RefundTerms(),
        order_subtotal=D("30.00"),
        order_tax=D("3.00"),
        label_rate=None,
        items_refunded_before=D("25.00"),
        tax_refunded_before=D("2.50"),
    )
    assert result.items == D("5.00")
    assert result.tax == D("0.50")
    assert result.amount == D("5.50")


def test_the_label_is_kept_only_when_every_refunded_line_is_the_customers_doing():
    changed_mind = RefundLine("TEE", D("20.00"), ("new",), customer_pays_shipping=True)
    faulty = RefundLine("MUG", D("10.00"), ("defective",), customer_pays_shipping=False)
    assert quote([changed_mind], label="7.25").return_shipping == D("7.25")
    assert quote([changed_mind], label="7.25").amount == D("12.75")
    assert quote([changed_mind, faulty], label="7.25").return_shipping == D("0.00")
    assert quote([changed_mind], label=None).return_shipping == D("0.00")  # returned in store


def test_exchanged_and_unreceived_units_are_not_refunded():
    exchanged = RefundLine("TEE", D("20.00"), ("new",), exchange=True)
    not_received = RefundLine("MUG", D("10.00"), ())
    result = quote([exchanged, not_received], label="7.25")
    assert result.items == D("0.00")
    assert result.amount == D("0.00")
    assert result.nothing_to_refund


def test_the_refund_never_goes_below_zero():
    cheap = RefundLine("PEN", D("2.00"), ("opened",), reason_fee=True, customer_pays_shipping=True)
    result = quote([cheap], label="9.45")
    assert result.amount == D("0.00")
    assert result.restocking_fee == D("0.30")
    assert result.return_shipping == D("9.45")


def test_money_rounds_half_up():
    assert money(D("0.005")) == D("0.01")
    assert money(D("2.675")) == D("2.68")  # float would give 2.67
