"""The customer's return form: the lines to return, an exchange picker instead of a typed SKU, and how it comes back.

Exchanges are chosen from `returns.selectors.exchange_options` (another size or colour of
the same product, with its availability), never typed. The customer also chooses to mail
the items with a prepaid label or to bring them to a store that takes returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from inventory.models import Location
from returns.forms import ReturnLinesForm
from returns.models import ReturnMethod, ReturnReason
from returns.selectors.exchange_options import ExchangeOption
from returns.services import Returnable, ReturnLineInput


class CustomerReturnForm(ReturnLinesForm):
    """What comes back, why, what the customer wants instead, and whether by mail or at a store counter."""

    method = forms.ChoiceField(
        label="How it comes back",
        choices=ReturnMethod.choices,
        initial=ReturnMethod.MAIL,
        required=False,  # not chosen: mailed, as before the choice existed
        widget=forms.RadioSelect,
    )
    store = forms.ChoiceField(label="Which store", required=False)

    def __init__(
        self,
        *args: Any,
        returnables: Sequence[Returnable],
        reasons: Sequence[ReturnReason],
        options: Mapping[int, Sequence[ExchangeOption]],
        stores: Sequence[Location],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, returnables=returnables, reasons=reasons, allow_exchange=False, **kwargs)
        self.options = {pk: list(found) for pk, found in options.items() if found}
        self.stores = list(stores)
        for item in self.returnables:
            found = self.options.get(item.line.pk)
            if item.available and found:
                self.fields[f"exchange-{item.line.pk}"] = forms.ChoiceField(
                    label=f"Instead of {item.line.sku.code}",
                    required=False,
                    choices=[("", "A refund"), *((option.code, option.label) for option in found)],
                    error_messages={
                        "invalid_choice": "%(value)s is not offered for this item: choose a size shown, or a refund."
                    },
                )
        store_field = self.fields["store"]
        method_field = self.fields["method"]
        assert isinstance(store_field, forms.ChoiceField) and isinstance(method_field, forms.ChoiceField)
        if self.stores:
            store_field.choices = [
                ("", "Choose a store…"),
                *((store.code, f"{store.name}, {store.city}" if store.city else store.name) for store in self.stores),
            ]
        else:
            method_field.choices = [(ReturnMethod.MAIL, ReturnMethod.MAIL.label)]

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields per line, with the exchange picker and its options where the product has variants."""
        rows = super().rows()
        for row in rows:
            pk = row["item"].line.pk
            name = f"exchange-{pk}"
            row["exchange"] = self[name] if name in self.fields else None
            row["options"] = self.options.get(pk, [])
            chosen = str(row["exchange"].value() or "") if row["exchange"] is not None else ""
            row["chosen"] = chosen
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["method"] = data.get("method") or ReturnMethod.MAIL
        for item in self.returnables:
            pk = item.line.pk
            code = data.get(f"exchange-{pk}") or ""
            if not code or not data.get(f"qty-{pk}"):
                continue
            option = next((o for o in self.options.get(pk, []) if o.code == code), None)
            if option is None or not option.in_stock:
                self.add_error(
                    f"exchange-{pk}",
                    f"{option.variant if option else code} is not available any more: choose another, or a refund.",
                )
        if data.get("method") == ReturnMethod.IN_STORE and not self.chosen_store():
            self.add_error("store", "Choose the store you will bring the items to.")
        return data

    def chosen_store(self) -> Location | None:
        """The store chosen for a return in store (None for a mailed return or before one is chosen)."""
        if self.cleaned_data.get("method") != ReturnMethod.IN_STORE:
            return None
        code = self.cleaned_data.get("store") or ""
        return next((store for store in self.stores if store.code == code), None)

    def exchange_code(self, line_pk: int) -> str:
        """The customer's exchange choice is already a SKU code, one of the line's options."""
        return self.cleaned_data.get(f"exchange-{line_pk}") or ""

    def draft(self) -> tuple[list[ReturnLineInput], bool]:
        """What the customer has chosen so far, read leniently for the live estimate: (lines, in store).

        Nothing here is trusted: quantities are capped and reasons looked up again by the
        estimate; an exchange counts only if it is one of the line's options.
        """
        lines = []
        for item in self.returnables:
            pk = item.line.pk
            try:
                quantity = int(str(self.data.get(f"qty-{pk}") or 0))
            except ValueError:
                continue
            if quantity <= 0:
                continue
            exchange = str(self.data.get(f"exchange-{pk}") or "")
            known = {option.code for option in self.options.get(pk, []) if option.in_stock}
            lines.append(
                ReturnLineInput(
                    order_line_id=pk,
                    quantity=quantity,
                    reason=str(self.data.get(f"reason-{pk}") or ""),
                    exchange_sku=exchange if exchange in known else "",
                )
            )
        return lines, self.data.get("method") == ReturnMethod.IN_STORE and bool(self.stores)
