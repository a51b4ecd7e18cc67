"""The demo's carrier accounts, box catalog and customs data (`carriers.demo`), and `seed_demo` adding them."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from carriers.demo import DEMO_CUSTOMS, seed_carrier_accounts
from carriers.models import BoxType, CarrierAccount
from carriers.selectors import box_types_for
from carriers.services import account_check, stored_credentials
from inventory.demo.catalog import CATALOG
from inventory.models import SKU, LocationKind
from tests.factories import LocationFactory, SKUFactory

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def network(warehouse, store):
    """A warehouse, a store, a 3PL, two demo SKUs, one SKU of the merchant's own and one already declared."""
    third_party = LocationFactory(code="3pl-ontario", kind=LocationKind.THIRD_PARTY)
    SKUFactory(code="APP-TEE-BLK-M", price=Decimal("24.00"))
    SKUFactory(code="ELC-PBNK-WHT-20K", price=Decimal("61.99"))
    SKUFactory(code="GIFTCARD", price=Decimal("50.00"))
    SKUFactory(code="HOM-MUG-SPK", hs_code="691110", origin_country="PT", customs_value=Decimal("12.00"))
    return {"warehouse": warehouse, "store": store, "3pl": third_party}


@pytest.mark.django_db
def test_warehouses_ship_with_easypost_and_ups_and_stores_with_shippo(network):
    result = seed_carrier_accounts(BASE + "/")

    accounts = {account.code: account for account in CarrierAccount.objects.all()}
    assert sorted(result.accounts) == ["demo-easypost", "demo-shippo", "demo-ups"]
    assert {code: account.provider for code, account in accounts.items()} == {
        "demo-easypost": "easypost",
        "demo-shippo": "shippo",
        "demo-ups": "ups",
    }
    for code, account in accounts.items():
        assert account.base_url == f"{BASE}/carriers/sandbox/{account.provider}", code
        assert account.is_active
    assert list(accounts["demo-easypost"].locations.all()) == [network["warehouse"]]
    assert list(accounts["demo-ups"].locations.all()) == [network["warehouse"]]
    assert list(accounts["demo-shippo"].locations.all()) == [network["store"]]
    assert not network["3pl"].carrier_accounts.exists()


@pytest.mark.django_db
def test_credentials_are_stored_encrypted_and_are_the_sandboxes_own(network):
    seed_carrier_accounts(BASE)

    easypost = CarrierAccount.objects.get(code="demo-easypost")
    shippo = CarrierAccount.objects.get(code="demo-shippo")
    ups = CarrierAccount.objects.get(code="demo-ups")
    assert "EZTK" not in easypost.credentials and "shippo_test_" not in shippo.credentials
    assert "ups-sandbox" not in ups.credentials
    assert stored_credentials(easypost) == {
        "api_key": "EZTKsandbox0123456789abcdef",
        "webhook_secret": "easypost-sandbox-webhook-secret",
    }
    assert stored_credentials(shippo)["api_token"] == "shippo_test_sandbox0123456789abcdef"
    assert stored_credentials(shippo)["webhook_secret"]
    assert stored_credentials(ups) == {
        "client_id": "ups-sandbox-client",
        "client_secret": "ups-sandbox-secret",
        "account_number": "W4R8X2",
    }


@pytest.mark.django_db
def test_every_location_packs_into_the_demo_boxes_smallest_first(network):
    seed_carrier_accounts(BASE)

    for location in network.values():
        boxes = box_types_for(location)
        assert [(box.name, box.length_cm, box.width_cm, box.height_cm) for box in boxes] == [
            ("Mailer", Decimal("35.0"), Decimal("25.0"), Decimal("3.0")),
            ("Small", Decimal("20.0"), Decimal("15.0"), Decimal("10.0")),
            ("Medium", Decimal("30.0"), Decimal("20.0"), Decimal("15.0")),
            ("Large", Decimal("40.0"), Decimal("30.0"), Decimal("25.0")),
        ]
    assert all(80 <= box.tare_grams <= 400 < box.max_weight_grams for box in BoxType.objects.all())


@pytest.mark.django_db
def test_demo_skus_get_customs_data_and_what_staff_declared_stays(network):
    result = seed_carrier_accounts(BASE)

    tee = SKU.objects.get(code="APP-TEE-BLK-M")
    power_bank = SKU.objects.get(code="ELC-PBNK-WHT-20K")
    mugs = SKU.objects.get(code="HOM-MUG-SPK")
    gift_card = SKU.objects.get(code="GIFTCARD")
    assert result.customs == 2
    assert (tee.hs_code, tee.origin_country, tee.customs_value) == ("610910", "BD", Decimal("24.00"))
    assert tee.customs_description == "Cotton knit T-shirt"
    assert (power_bank.hs_code, power_bank.customs_value) == ("850760", Decimal("61.99"))
    assert (mugs.hs_code, mugs.origin_country, mugs.customs_value) == ("691110", "PT", Decimal("12.00"))
    assert gift_card.hs_code == "" and gift_card.customs_value is None
    for sku in (tee, power_bank):
        sku.full_clean()  # the HS code and country pass the SKU's own validators


def test_every_product_line_of_the_demo_catalog_has_customs_data():
    assert {product.key for product in CATALOG} <= set(DEMO_CUSTOMS)
    assert all(hs.isdigit() and len(hs) == 6 and len(origin) == 2 for hs, origin, _ in DEMO_CUSTOMS.values())


@pytest.mark.django_db
def test_seeding_again_adds_nothing_and_keeps_what_staff_changed(network):
    seed_carrier_accounts(BASE)
    shippo = CarrierAccount.objects.get(code="demo-shippo")
    shippo.locations.add(network["warehouse"])
    BoxType.objects.filter(name="Large").update(tare_grams=450)
    CarrierAccount.objects.filter(code="demo-ups").update(base_url="https://wwwcie.ups.com")  # staff's own choice

    again = seed_carrier_accounts("http://elsewhere.example:9000")

    assert (again.accounts, again.boxes, again.customs) == ([], 0, 0)
    assert CarrierAccount.objects.count() == 3
    assert BoxType.objects.count() == 4
    assert BoxType.objects.get(name="Large").tare_grams == 450
    assert shippo.locations.count() == 2
    # The demo's sandboxes follow the web process to its new address (DEMO_PORT changed); staff's address stays.
    assert sorted(again.moved) == ["demo-easypost", "demo-shippo"]
    assert CarrierAccount.objects.get(code="demo-ups").base_url == "https://wwwcie.ups.com"
    assert (
        CarrierAccount.objects.get(code="demo-shippo").base_url
        == "http://elsewhere.example:9000/carriers/sandbox/shippo"
    )


@pytest.mark.django_db(transaction=True)
def test_the_seeded_accounts_connect_to_the_sandboxes_served_by_the_web_process(live_server, warehouse, store):
    seed_carrier_accounts(live_server.url)

    checked = {account.code: account_check(account) for account in CarrierAccount.objects.all()}

    assert {code: account.last_check_ok for code, account in checked.items()} == {
        "demo-easypost": True,
        "demo-shippo": True,
        "demo-ups": True,
    }, {code: account.last_check_message for code, account in checked.items()}


@pytest.mark.django_db
def test_make_demo_adds_the_carrier_accounts_after_the_seeds_that_ship(monkeypatch):
    monkeypatch.setenv("DEMO_PORT", "8123")
    call_command("seed_demo", "--seed", "7", "--skus", "30", stdout=StringIO())
    assert not CarrierAccount.objects.exists()  # the returns seed ships next, before any web process answers
    out = StringIO()

    call_command("seed_demo", "--carrier-accounts", stdout=out)
    call_command("seed_demo", "--carrier-accounts", stdout=StringIO())

    easypost = CarrierAccount.objects.get(code="demo-easypost")
    shippo = CarrierAccount.objects.get(code="demo-shippo")
    assert CarrierAccount.objects.count() == 3
    assert easypost.base_url == "http://127.0.0.1:8123/carriers/sandbox/easypost"
    assert easypost.locations.count() == 4 and {loc.kind for loc in easypost.locations.all()} == {"warehouse"}
    assert shippo.locations.count() == 8 and {loc.kind for loc in shippo.locations.all()} == {"store"}
    assert not SKU.objects.filter(hs_code="").exists()
    assert "demo-easypost, demo-ups, demo-shippo" in out.getvalue()


def test_make_demo_seeds_the_carrier_accounts_after_the_other_seeds():
    with open("Makefile") as makefile:
        recipe = makefile.read().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    steps = [line.split("manage.py ", 1)[1] for line in recipe.splitlines() if "manage.py " in line]

    assert steps[-1] == "seed_demo --carrier-accounts"
    assert steps.index("seed_demo --carrier-accounts") > steps.index("seed_demo_returns")
