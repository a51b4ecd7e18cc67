"""The SKU search picker: its search answer, its widget and field, and the transfer form using it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from inventory.models import Transfer
from inventory.services.catalog_variants import sku_set_variant
from inventory.widgets import SKUCodeField, SKUPickerWidget
from returns.forms import ReturnLinesForm
from tests.factories import stocked
from tests.factories.pages import make_sku

pytestmark = pytest.mark.django_db

PICKER_QUERIES = 6  # session, user, permissions (2), location access, the matches


def search(client, **params):
    return client.get(reverse("inventory:sku_picker"), params, HTTP_HX_REQUEST="true")


def test_picker_finds_skus_by_code_name_barcode_and_product_with_units_on_hand(
    back_office_client, sku, warehouse, store
):
    sweater = make_sku(code="MCS-M-NAVY", name="Sweater M navy", barcode="0400000099991")
    sku_set_variant(sku=sweater, product_name="Merino Crew Sweater", option1="M", option2="Navy")
    stocked(warehouse, sweater, 12)
    stocked(store, sweater, 3)
    for query in ("mcs-m", "merino", "0400000099991", "sweater m"):
        page = search(back_office_client, q=query).content.decode()
        assert 'data-code="MCS-M-NAVY"' in page, query
        assert "Merino Crew Sweater · M / Navy" in page
        assert "15 on hand" in page
        assert "TEE-BLK-M" not in page
    here = search(back_office_client, q="merino", at="nyc-store").content.decode()
    assert "3 on hand at nyc-store · 15 on hand in all" in here


def test_picker_puts_the_exact_code_first_and_says_when_nothing_matches(back_office_client, sku):
    make_sku(code="ATEE-BLK-M")
    page = search(back_office_client, q="tee-blk-m").content.decode()
    assert page.index('data-code="TEE-BLK-M"') < page.index('data-code="ATEE-BLK-M"')
    assert "No active SKU matches “zzz”" in search(back_office_client, q="zzz").content.decode()


def test_picker_counts_only_the_associates_own_store(client, associate_user, sku, warehouse, store):
    stocked(warehouse, sku, 50)
    stocked(store, sku, 4)
    client.force_login(associate_user)
    page = search(client, q="TEE", at="dal-dc").content.decode()
    assert "4 on hand" in page and "54" not in page and "dal-dc" not in page


def test_picker_leaves_out_inactive_skus_and_needs_a_login(back_office_client, sku):
    make_sku(code="TEE-OLD", is_active=False)
    assert "TEE-OLD" not in search(back_office_client, q="TEE").content.decode()
    assert search(Client(), q="TEE").status_code in (302, 403)


def test_picker_query_count_does_not_grow_with_matches(back_office_client, warehouse, django_assert_num_queries):
    for n in range(8):
        stocked(warehouse, make_sku(code=f"CUP-{n}"), n + 1)
    with django_assert_num_queries(PICKER_QUERIES):
        assert search(back_office_client, q="CUP", at="dal-dc").content.decode().count('role="option"') == 8


class LineForm(forms.Form):
    sku = SKUCodeField(label="SKU", widget=SKUPickerWidget(location_field="source"))


def test_the_field_takes_a_code_in_any_case_and_names_an_unknown_one(sku):
    assert LineForm({"sku": "tee-blk-m"}).is_valid()
    scanned = LineForm({"sku": sku.barcode})
    assert scanned.is_valid() and scanned.cleaned_data["sku"] == sku
    form = LineForm({"sku": "NOPE-1"})
    assert not form.is_valid()
    assert form.errors["sku"] == ["No SKU has the code 'NOPE-1'. Type part of its name or code and pick it."]
    make_sku(code="OLD-1", is_active=False)
    assert LineForm({"sku": "OLD-1"}).errors["sku"] == ["OLD-1 is inactive and cannot be used on new lines."]


def test_the_widget_is_a_plain_text_input_that_works_without_javascript():
    html = str(LineForm(initial={"sku": "TEE-BLK-M"})["sku"])
    assert 'type="text" name="sku" value="TEE-BLK-M"' in html
    assert 'data-location-field="source"' in html and reverse("inventory:sku_picker") in html
    assert 'role="combobox"' in html and "hidden" in html


def test_transfer_form_offers_the_picker_and_names_the_unknown_code(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 10)
    page = back_office_client.get(reverse("inventory:transfer_create")).content.decode()
    assert page.count("data-sku-picker") == 5 and 'data-location-field="source"' in page
    data = {"source": "dal-dc", "destination": "nyc-store", "note": "", "line_sku": ["TEE-BLK-M", "NOPE-9"]}
    data["line_qty"] = ["2", "1"]
    refused = back_office_client.post(reverse("inventory:transfer_create"), data)
    assert refused.status_code == 422
    assert "Unknown SKU: NOPE-9." in refused.content.decode()
    assert not Transfer.objects.exists()
    data["line_sku"], data["line_qty"] = ["TEE-BLK-M"], ["2"]
    assert back_office_client.post(reverse("inventory:transfer_create"), data).status_code == 302
    assert Transfer.objects.get().lines.get().quantity == 2


def test_the_staff_return_form_picks_the_exchange_with_the_sku_picker(sku):
    line = SimpleNamespace(pk=7, sku=sku)
    returnable: Any = SimpleNamespace(line=line, available=1)
    form = ReturnLinesForm(returnables=[returnable], reasons=[])
    html = str(form["exchange-7"])
    assert "data-sku-picker" in html and 'name="exchange-7"' in html and 'placeholder="Refund"' in html


def test_the_staff_return_form_names_an_unknown_exchange_code_and_takes_a_known_one(sku):
    returnable: Any = SimpleNamespace(line=SimpleNamespace(pk=7, sku=sku), available=2)
    reasons: Any = [SimpleNamespace(code="doesnt_fit", label="Doesn't fit")]
    typed = {"qty-7": "1", "reason-7": "doesnt_fit", "customer_note": ""}
    form = ReturnLinesForm({**typed, "exchange-7": "tee-blk-xl"}, returnables=[returnable], reasons=reasons)
    assert form.errors["exchange-7"] == ["No SKU has the code 'tee-blk-xl'. Type part of its name or code and pick it."]
    form = ReturnLinesForm({**typed, "exchange-7": "tee-blk-m"}, returnables=[returnable], reasons=reasons)
    assert form.is_valid(), form.errors
    assert [line.exchange_sku for line in form.line_inputs()] == ["TEE-BLK-M"]
