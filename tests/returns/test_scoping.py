"""A store associate acts only on their own store's returns: another store's by URL is a 404, and nothing changes."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.roles import STORE_ASSOCIATE
from inventory.models import StockLevel, StockMovement
from returns.models import Disposition, ReturnPhoto, ReturnUnit
from returns.services import ReturnLineInput, UnitInspection, return_counter_receive, return_inspect
from tests.factories import user_with_role
from tests.factories.pages import make_location
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def boston_return(net):
    """Two tees taken back at the Boston store: one refurbished (with a photo), one waiting for inspection."""
    boston = make_location(code="bos-store", name="Boston", kind="store", accepts_returns=True, postal_code="02108")
    order = delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00")], postal_code="75201")
    rma = return_counter_receive(
        store=boston, order=order, lines=[ReturnLineInput(2, "doesnt_fit", sku="TEE-BLK-M")], actor=None
    ).rma
    first, _second = rma.units.order_by("sequence")
    return_inspect(
        rma=rma,
        inspections=[UnitInspection(first.pk, "opened", "refurbish")],
        photos=[SimpleUploadedFile("tag.png", _png())],
        actor=None,
    )
    return rma


@pytest.fixture
def new_york_associate(net, client):
    client.force_login(user_with_role(STORE_ASSOCIATE, username="nyc-sam", locations=[net.store]))
    return client


def snapshot(rma):
    units = list(ReturnUnit.objects.filter(rma=rma).order_by("pk").values_list("disposition", "restocked_at"))
    return units, StockMovement.objects.count(), list(StockLevel.objects.order_by("pk").values_list("on_hand"))


def test_another_stores_associate_cannot_inspect_its_returns(boston_return, new_york_associate):
    before = snapshot(boston_return)
    waiting = boston_return.units.get(disposition="")
    response = new_york_associate.post(
        f"/returns/{boston_return.pk}/inspect/",
        {f"unit-{waiting.pk}-condition": "new", f"unit-{waiting.pk}-disposition": "restock"},
    )
    assert response.status_code in (403, 404)
    assert snapshot(boston_return) == before


@pytest.mark.parametrize("action", ["restock", "scrap"])
def test_another_stores_associate_cannot_restock_or_scrap_its_refurbish_units(
    boston_return, new_york_associate, action
):
    unit = boston_return.units.get(disposition=Disposition.REFURBISH)
    before = snapshot(boston_return)
    response = new_york_associate.post(f"/returns/stock/refurbish/{unit.pk}/{action}/", {"reason": "cracked"})
    assert response.status_code in (403, 404)
    assert snapshot(boston_return) == before


def test_another_stores_associate_cannot_see_its_photos(boston_return, new_york_associate):
    photo = ReturnPhoto.objects.get(rma=boston_return)
    assert new_york_associate.get(f"/returns/photos/{photo.pk}/").status_code == 404
    assert new_york_associate.post(f"/returns/photos/{photo.pk}/").status_code in (403, 404, 405)
    assert ReturnPhoto.objects.filter(rma=boston_return).count() == 1
