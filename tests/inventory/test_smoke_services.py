import pytest

from core.errors import InsufficientStock
from inventory.models import StockLevel
from inventory.services import DocumentRef, StockLine, ledger_verify, stock_reserve
from tests.factories import stocked


@pytest.mark.django_db
def test_reserve_beyond_available_is_refused_and_writes_nothing(warehouse, sku):
    stocked(warehouse, sku, 3)
    with pytest.raises(InsufficientStock):
        stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=DocumentRef("order", "1"))
    level = StockLevel.objects.get(location=warehouse, sku=sku)
    assert (level.on_hand, level.reserved) == (3, 0)
    assert ledger_verify() == []
