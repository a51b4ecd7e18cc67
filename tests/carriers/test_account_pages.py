"""Carrier account pages: who may open them, creating and editing accounts with encrypted credentials,
the locations they serve, the webhook address, and the "Test connection" button."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.urls import reverse

from carriers.models import CarrierAccount
from carriers.sandbox import carrier_sandboxes
from carriers.services import account_check, carrier_account_create, stored_credentials
from tests.factories.pages import make_location

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("carriers:account_list")
NEW = reverse("carriers:account_create")
API_KEY = "EZTK-secret-test-key-7f3a9c"
#: The key the EasyPost sandbox accepts (see carriers.sandbox.easypost).
SANDBOX_KEY = "EZTKsandbox0123456789abcdef"
WEBHOOK_SECRET = "whsec-very-secret-4412"


def edit_url(code: str) -> str:
    return reverse("carriers:account_edit", args=[code])


def check_url(code: str) -> str:
    return reverse("carriers:account_check", args=[code])


def easypost_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "provider": "easypost",
        "name": "EasyPost (Dallas)",
        "code": "easypost-dal",
        "base_url": "",
        "easypost_api_key": API_KEY,
        "easypost_webhook_secret": WEBHOOK_SECRET,
        "label_format": "pdf",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def edit_form(account: CarrierAccount, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": account.name,
        "base_url": account.base_url,
        "label_format": account.label_format,
        "is_active": "on",
        "locations": [location.pk for location in account.locations.all()],
    }
    data.update(overrides)
    return data


def easypost_account(
    *, code: str = "easypost-dal", base_url: str = "", locations: tuple[Any, ...] = (), api_key: str = API_KEY
) -> Any:
    return carrier_account_create(
        code=code,
        name=f"EasyPost {code}",
        provider="easypost",
        base_url=base_url,
        credentials={"api_key": api_key, "webhook_secret": WEBHOOK_SECRET},
        location_ids=[location.pk for location in locations],
    )


@pytest.fixture
def manager(client, back_office_user):
    client.force_login(back_office_user)
    return client


# --- Who may come here ------------------------------------------------------------------------


def test_a_manager_opens_the_pages_and_finds_them_in_the_navigation(manager, warehouse):
    account = easypost_account(locations=(warehouse,))
    listing = manager.get(ACCOUNTS)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f'href="{ACCOUNTS}" aria-current="page">Carriers</a>' in page
    assert "EasyPost easypost-dal" in page and "dal-dc" in page and "Not tested" in page
    assert manager.get(NEW).status_code == 200
    assert manager.get(edit_url(account.code)).status_code == 200


def test_operators_and_associates_get_403_and_no_link_to_the_pages(client, operator_user, associate_user, warehouse):
    account = easypost_account(locations=(warehouse,))
    for user in (operator_user, associate_user):
        client.force_login(user)
        for url in (ACCOUNTS, NEW, edit_url(account.code)):
            assert client.get(url).status_code == 403, url
        assert client.post(NEW, easypost_form(code="sneaky")).status_code == 403
        assert client.post(check_url(account.code)).status_code == 403
        home = client.get(reverse("ui:dashboard")).content.decode()
        assert f'href="{ACCOUNTS}"' not in home
    assert CarrierAccount.objects.count() == 1


# --- Creating and editing ---------------------------------------------------------------------


def test_creating_an_account_stores_its_credentials_encrypted_and_shows_them_masked(manager, warehouse):
    response = manager.post(NEW, easypost_form(locations=[warehouse.pk]), follow=True)
    assert response.redirect_chain[-1][0] == edit_url("easypost-dal")
    account = CarrierAccount.objects.get(code="easypost-dal")
    assert API_KEY not in account.credentials and WEBHOOK_SECRET not in account.credentials
    assert stored_credentials(account) == {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET}
    assert list(account.locations.all()) == [warehouse]
    page = response.content.decode()
    assert "Carrier account EasyPost (Dallas) added" in page
    assert API_KEY not in page and WEBHOOK_SECRET not in page
    assert "••••3a9c" in page and "••••4412" in page  # the last four characters only


@pytest.mark.parametrize(
    ("provider", "fields", "missing"),
    [
        ("easypost", {"easypost_webhook_secret": "x" * 12}, "Enter the EasyPost API key"),
        ("shippo", {"shippo_api_token": "shippo_test_abcdef"}, "Enter the Shippo Webhook secret"),
        ("ups", {"ups_client_id": "client-1", "ups_client_secret": "s3cr3t-value"}, "Enter the UPS Account number"),
    ],
)
def test_a_missing_credential_is_named_and_nothing_is_saved(manager, provider, fields, missing):
    data = {"provider": provider, "name": "Account", "code": "acct", "label_format": "pdf", **fields}
    response = manager.post(NEW, data)
    assert response.status_code == 422
    assert missing in response.content.decode()
    assert not CarrierAccount.objects.exists()


def test_every_missing_field_is_asked_for_at_once(manager):
    response = manager.post(NEW, {"provider": "ups", "label_format": "pdf"})
    assert response.status_code == 422
    page = response.content.decode()
    for message in (
        "Enter a short code, e.g. easypost-dal.",
        "Enter a name staff will recognise",
        "Enter the UPS Client ID",
        "Enter the UPS Client secret",
        "Enter the UPS Account number",
    ):
        assert message in page


def test_the_built_in_carrier_needs_no_credentials_nor_address(manager):
    response = manager.post(
        NEW,
        {"provider": "builtin", "name": "Test carrier", "code": "test", "base_url": "https://x", "label_format": "zpl"},
    )
    assert response.status_code == 302
    account = CarrierAccount.objects.get(code="test")
    assert (account.base_url, account.credentials) == ("", "")


def test_editing_keeps_a_secret_left_blank_and_replaces_one_typed(manager, warehouse, store):
    account = easypost_account(locations=(warehouse,))
    page = manager.get(edit_url(account.code)).content.decode()
    assert "Stored: ••••3a9c. Leave blank to keep it." in page
    assert API_KEY not in page
    response = manager.post(edit_url(account.code), edit_form(account, name="EasyPost main", locations=[store.pk]))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "EasyPost main"
    assert list(account.locations.all()) == [store]
    assert stored_credentials(account) == {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET}
    manager.post(edit_url(account.code), edit_form(account, easypost_webhook_secret="rotated-secret-0001"))
    account.refresh_from_db()
    assert stored_credentials(account) == {"api_key": API_KEY, "webhook_secret": "rotated-secret-0001"}


def test_code_and_provider_cannot_change_once_created(manager):
    account = easypost_account()
    manager.post(edit_url(account.code), edit_form(account, code="other", provider="ups"))
    account.refresh_from_db()
    assert (account.code, account.provider) == ("easypost-dal", "easypost")


def test_use_the_in_product_sandbox_sets_its_address(manager):
    response = manager.post(NEW, easypost_form(base_url="https://api.easypost.com", use_sandbox="on"))
    assert response.status_code == 302
    assert CarrierAccount.objects.get().base_url == "sandbox://easypost"


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("sandbox://shippo", "sandbox://shippo answers as shippo, not EasyPost: use sandbox://easypost."),
        ("ftp://api.easypost.com", "Enter an https:// address, a sandbox:// address, or leave it blank"),
        ("sandbox://Easy Post", "Write the sandbox address as sandbox://easypost"),
    ],
)
def test_a_wrong_address_is_refused_with_the_fix(manager, base_url, message):
    response = manager.post(NEW, easypost_form(base_url=base_url))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CarrierAccount.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [("boxes", "&#x27;boxes&#x27; is reserved"), ("easypost-dal", "Another account already uses the code")],
)
def test_a_code_that_collides_is_refused(manager, code, message):
    easypost_account()
    response = manager.post(NEW, easypost_form(code=code, name="Second"))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert CarrierAccount.objects.count() == 1


def test_only_locations_that_ship_are_offered_but_a_current_one_is_kept(manager, warehouse):
    make_location(code="returns-hub", ships_orders=False)
    make_location(code="closed-dc", is_active=False)
    page = manager.get(NEW).content.decode()
    assert "dal-dc" in page and "returns-hub" not in page and "closed-dc" not in page
    account = easypost_account(locations=(warehouse,))
    warehouse.ships_orders = False
    warehouse.save()
    response = manager.post(edit_url(account.code), edit_form(account, name="Renamed"))
    assert response.status_code == 302
    assert list(account.locations.all()) == [warehouse]


def test_the_list_says_which_accounts_are_live_test_or_sandbox(manager):
    easypost_account(code="ep-live")
    easypost_account(code="ep-sandbox", base_url="sandbox://easypost")
    carrier_account_create(
        code="ups-cie",
        name="UPS test",
        provider="ups",
        base_url="https://wwwcie.ups.com",
        credentials={"client_id": "id-1", "client_secret": "secret-123", "account_number": "A12345"},
        location_ids=[],
    )
    page = manager.get(ACCOUNTS).content.decode()
    rows = {code: page[page.index(f'data-account="{code}"') :][:1500] for code in ("ep-live", "ep-sandbox", "ups-cie")}
    assert ">Live</span>" in rows["ep-live"]
    assert ">Sandbox</span>" in rows["ep-sandbox"]
    assert ">Test</span>" in rows["ups-cie"]


def test_the_account_page_shows_the_webhook_address_to_register(manager):
    account = easypost_account()
    page = manager.get(edit_url(account.code)).content.decode()
    shown = re.search(r'id="webhook-url" aria-label="Webhook address">([^<]+)</code>', page)
    assert shown is not None
    assert shown.group(1).startswith("http://testserver/")
    assert shown.group(1).endswith(f"/carriers/webhooks/{account.code}/")
    ups = carrier_account_create(
        code="ups-main",
        name="UPS",
        provider="ups",
        base_url="",
        credentials={"client_id": "id-1", "client_secret": "secret-123", "account_number": "A12345"},
        location_ids=[],
    )
    assert "tracking is polled instead" in manager.get(edit_url(ups.code)).content.decode()


def test_the_list_costs_the_same_queries_for_one_account_or_many(manager, django_assert_num_queries):
    easypost_account(code="ep-0", locations=(make_location(code="site-0"),))
    manager.get(ACCOUNTS)
    with django_assert_num_queries(6) as one:  # session, user, 2 x permissions, accounts, locations
        manager.get(ACCOUNTS)
    for index in range(1, 7):
        easypost_account(code=f"ep-{index}", locations=(make_location(code=f"site-{index}"),))
    with django_assert_num_queries(len(one.captured_queries)):
        page = manager.get(ACCOUNTS).content.decode()
    assert "site-6" in page and "ep-6" in page


# --- Test connection ---------------------------------------------------------------------------


def sandbox_account(api_key: str = SANDBOX_KEY) -> tuple[Any, Any]:
    """An EasyPost account on a sandbox of its own (so tests never share its state)."""
    name = f"easypost.{uuid.uuid4().hex[:12]}"
    return easypost_account(base_url=f"sandbox://{name}", api_key=api_key), carrier_sandboxes.get(name)


def htmx_check(client: Any, account: Any) -> str:
    response = client.post(check_url(account.code), {"next": ACCOUNTS}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_test_connection_turns_the_status_cell_green_against_the_easypost_sandbox(manager):
    account, _sandbox = sandbox_account()
    cell = htmx_check(manager, account)
    assert cell.lstrip().startswith('<div class="check-cell is-fresh" id="check-easypost-dal"')
    assert "check-ok" in cell and "\u2713 Connected" in cell and "Connected (test mode)" in cell
    assert "<html" not in cell  # only the cell is swapped in
    account.refresh_from_db()
    assert account.last_check_ok is True and account.last_checked_at is not None
    assert account.last_check_message == "Connected (test mode)"
    assert "Connected (test mode)" in manager.get(ACCOUNTS).content.decode()


def test_a_refused_key_turns_it_red_with_the_carriers_reason(manager):
    account, _sandbox = sandbox_account(api_key="EZTKnot-a-key-of-this-account")
    cell = htmx_check(manager, account)
    assert "check-bad" in cell and "\u2715 Failed" in cell
    assert "This api key is no longer active" in cell
    account.refresh_from_db()
    assert account.last_check_ok is False and "no longer active" in account.last_check_message


def test_a_carrier_that_is_down_is_a_red_result_not_an_error_page(manager):
    account, sandbox = sandbox_account()
    sandbox.fail_next["addresses"] = [503] * 10
    cell = htmx_check(manager, account)
    assert "check-bad" in cell
    account.refresh_from_db()
    assert account.last_check_ok is False and account.last_check_message


def test_without_javascript_the_button_comes_back_to_the_page_with_a_message(manager):
    response = manager.post(
        NEW, {"provider": "builtin", "name": "Test carrier", "code": "test", "label_format": "pdf"}, follow=True
    )
    assert response.status_code == 200
    after = manager.post(check_url("test"), {"next": ACCOUNTS}, follow=True)
    assert after.redirect_chain[-1][0] == ACCOUNTS
    page = after.content.decode()
    assert "Test carrier: The built-in carrier is always available" in page
    assert "\u2713 Connected" in page


def test_new_credentials_clear_the_last_check(manager):
    account, _sandbox = sandbox_account()
    account_check(account)
    account.refresh_from_db()
    assert account.last_check_ok is True
    manager.post(edit_url(account.code), edit_form(account, name="Renamed"))
    account.refresh_from_db()
    assert account.last_check_ok is True  # nothing about the connection changed
    manager.post(edit_url(account.code), edit_form(account, easypost_api_key="EZTKanother-key-0000"))
    account.refresh_from_db()
    assert (account.last_check_ok, account.last_checked_at, account.last_check_message) == (None, None, "")
