"""Customer returns page: exchange picker with availability, fees before asking, return in store, the shop's brand."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import cast

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.test import Client

from channels.models import Channel
from core.roles import STORE_ASSOCIATE
from inventory.models import SKU
from inventory.services.catalog_variants import sku_set_variant
from returns.models import ReturnAuthorization, ReturnMethod, ReturnStatus
from returns.selectors import counter_order
from returns.services import refund_quote_for, return_approve, return_policy_default_ensure
from tests.factories import user_with_role
from tests.factories.inventory import SKUFactory, stocked
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db

ESTIMATE = "/returns/self/order/estimate/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def policy(db):
    """The default policy (15% restocking fee on a change of mind, which also pays the label) with a flat label fee."""
    policy = return_policy_default_ensure()
    policy.return_label_fee = Decimal("5.95")
    policy.save()
    return policy


@pytest.fixture
def variants(net):
    """The tee is a variant of a product: M (ordered), L in stock, S sold out, XL dearer than what was paid."""
    net.tee.name = "Black tee — M"
    net.tee.save()
    net.tee_large.name = "Black tee — L"
    net.tee_large.save()
    small = SKUFactory(code="TEE-BLK-S", name="Black tee — S", price=Decimal("20.00"))  # no stock anywhere
    xl = cast(SKU, SKUFactory(code="TEE-BLK-XL", name="Black tee — XL", price=Decimal("24.00")))
    stocked(net.warehouse, xl, 5)
    return {"small": small, "xl": xl}


@pytest.fixture
def order(net, policy, variants):
    return delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00"), ("MUG-WHT", 1, "12.50")], email="ada@example.com")


@pytest.fixture
def customer(client, order):
    response = client.post("/returns/self/", {"order_number": order.number, "email": "ada@example.com"})
    assert response.status_code == 302
    return client


def html_of(message: EmailMessage) -> str:
    assert isinstance(message, EmailMultiAlternatives)
    return str(message.alternatives[0][0])


def lines(order):
    return list(order.lines.order_by("line_number"))


def figure(response, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</td>', response.content.decode(), re.S)
    assert match, f"no {name} in the answer"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def choose(order, *, qty=1, reason="changed_mind", exchange="", method="mail", store="", mug=0, **extra):
    tee, mug_line = lines(order)
    data = {
        f"qty-{tee.pk}": str(qty),
        f"reason-{tee.pk}": reason,
        f"exchange-{tee.pk}": exchange,
        f"qty-{mug_line.pk}": str(mug),
        f"reason-{mug_line.pk}": "doesnt_fit" if mug else "",
        "method": method,
        "store": store,
        "customer_note": "",
    }
    data.update(extra)
    return data


# --- Fees before asking (known answers) -----------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "items", "restocking", "label", "amount"),
    [
        # A change of mind: 15% of 20.00 kept, and the flat 5.95 label: 20.00 - 3.00 - 5.95.
        ({"reason": "changed_mind"}, "20.00", "-3.00", "-5.95", "11.05 USD"),
        # Faulty: no fee at all.
        ({"reason": "defective"}, "20.00", "None", "Free", "20.00 USD"),
        # A change of mind brought to a store: the fee, but no label.
        ({"reason": "changed_mind", "method": "in_store", "store": "nyc-store"}, "20.00", "-3.00", "Free", "17.00 USD"),
        # Two tees and the mug for a change of mind... the mug doesn't fit: the label is free when one reason is ours.
        ({"reason": "changed_mind", "qty": 2, "mug": 1}, "52.50", "-6.00", "Free", "46.50 USD"),
    ],
)
def test_the_estimate_shows_the_refund_and_each_fee_before_asking(
    customer, order, choice, items, restocking, label, amount
):
    response = customer.post(ESTIMATE, choose(order, **choice), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert figure(response, "estimate-items") == items
    assert figure(response, "estimate-restocking") == restocking
    assert figure(response, "estimate-label") == label
    assert figure(response, "estimate-amount") == amount


def test_the_estimate_says_what_is_missing_and_an_exchange_refunds_nothing(customer, order):
    empty = customer.post(ESTIMATE, choose(order, qty=0), HTTP_HX_REQUEST="true")
    assert b"Choose how many units come back" in empty.content
    no_reason = customer.post(ESTIMATE, choose(order, reason=""), HTTP_HX_REQUEST="true")
    assert b"Choose a reason for each item: the fees depend on it." in no_reason.content
    assert figure(no_reason, "estimate-amount") == "20.00 USD"
    exchange = customer.post(ESTIMATE, choose(order, reason="doesnt_fit", exchange="TEE-BLK-L"), HTTP_HX_REQUEST="true")
    assert figure(exchange, "estimate-amount") == "0.00 USD"
    assert b"1 unit exchanged: the replacement ships at no charge." in exchange.content


def test_the_estimate_never_counts_more_than_can_come_back_nor_an_exchange_that_is_not_offered(customer, order):
    too_many = customer.post(ESTIMATE, choose(order, qty=9, reason="defective"), HTTP_HX_REQUEST="true")
    assert figure(too_many, "estimate-items") == "40.00"  # 2 shipped, whatever the page says
    sold_out = customer.post(ESTIMATE, choose(order, reason="defective", exchange="TEE-BLK-S"), HTTP_HX_REQUEST="true")
    assert figure(sold_out, "estimate-amount") == "20.00 USD"  # not an exchange: S is not available


def test_the_estimate_needs_the_customers_session_and_answers_in_constant_queries(
    client, net, customer, order, django_assert_num_queries
):
    # The session, the order, its policy and reasons, what can come back, the exchange options and their
    # availability, the stores, and what other returns refunded: whatever the order's size.
    chosen = choose(order)
    with django_assert_num_queries(15):
        customer.post(ESTIMATE, chosen, HTTP_HX_REQUEST="true")
    # An order with more lines, more of them with variants, reads the same number of queries.
    bigger = delivered_order(
        net.channel,
        [("TEE-BLK-M", 1, "20.00"), ("TEE-BLK-L", 1, "20.00"), ("MUG-WHT", 1, "12.50")],
        external_id="W-2001",
    )
    customer.post("/returns/self/", {"order_number": bigger.number, "email": "ada@example.com"})
    first, *_ = bigger.lines.order_by("line_number")
    with django_assert_num_queries(15):
        customer.post(ESTIMATE, {f"qty-{first.pk}": "1", f"reason-{first.pk}": "doesnt_fit"}, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(16):  # the same, and the order's returns
        customer.get("/returns/self/order/")
    assert Client().post(ESTIMATE, choose(order)).status_code == 403


def test_the_server_recomputes_on_submit_and_the_return_keeps_the_figure_shown(customer, order):
    shown = figure(customer.post(ESTIMATE, choose(order), HTTP_HX_REQUEST="true"), "estimate-amount")
    # Whatever money the page might send is not read.
    response = customer.post("/returns/self/order/", choose(order, refund="999.00", amount="999.00", fee="0"))
    rma = ReturnAuthorization.objects.get()
    assert response.status_code == 302
    assert refund_quote_for(rma, quote=True).amount == Decimal("11.05") and shown == "11.05 USD"
    page = customer.get(response["Location"])
    assert figure(page, "refund-amount") == "11.05 USD"
    assert b"Return label (paid by the customer)" in page.content


# --- Exchange picker ------------------------------------------------------------------------------


def test_the_picker_offers_the_other_sizes_with_their_availability(customer, order):
    page = customer.get("/returns/self/order/").content.decode()
    tee, _ = lines(order)
    assert f'name="exchange-{tee.pk}"' in page and 'type="text"' not in page.split("return-lines")[1][:20000]
    for code, state in (("TEE-BLK-L", "In stock"), ("TEE-BLK-S", "Not available"), ("TEE-BLK-XL", "In stock")):
        chip = re.search(rf'data-code="{code}">(.*?)</label>', page, re.S)
        assert chip and state in chip.group(1)
    assert re.search(r'value="TEE-BLK-S"[^>]*disabled', page)
    assert "we check it first" in page  # XL costs more than the 20.00 paid
    assert 'data-code="TEE-BLK-M"' not in page  # not the item itself


def test_an_exchange_for_a_size_in_stock_creates_the_replacement(customer, order):
    response = customer.post("/returns/self/order/", choose(order, reason="doesnt_fit", exchange="TEE-BLK-L"))
    rma = ReturnAuthorization.objects.get()
    assert response.status_code == 302 and rma.status == ReturnStatus.AUTHORIZED
    line = rma.lines.get()
    assert line.exchange_sku is not None and line.exchange_sku.code == "TEE-BLK-L" and rma.exchange_order is not None
    assert b"Black tee \xe2\x80\x94 L" in customer.get(response["Location"]).content


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("TEE-BLK-S", b"S is not available any more"),
        ("MUG-WHT", b"MUG-WHT is not offered for this item: choose a size shown, or a refund."),
    ],
)
def test_a_sold_out_or_made_up_exchange_is_refused_on_the_form(customer, order, code, message):
    response = customer.post("/returns/self/order/", choose(order, reason="doesnt_fit", exchange=code))
    assert response.status_code == 422 and message in response.content
    assert not ReturnAuthorization.objects.exists()


def test_a_dearer_size_waits_for_staff(customer, order):
    customer.post("/returns/self/order/", choose(order, reason="doesnt_fit", exchange="TEE-BLK-XL"))
    rma = ReturnAuthorization.objects.get()
    assert rma.status == ReturnStatus.REQUESTED and "costs more than was paid" in rma.hold_reason


def test_a_sku_grouped_under_a_product_is_offered_the_products_other_variants(customer, net, order):
    black = cast(SKU, SKUFactory(code="MUG-BLK", name="Black mug", price=Decimal("12.50")))
    stocked(net.warehouse, black, 3)
    sku_set_variant(sku=net.mug, product_name="Diner mug", option1="White")
    sku_set_variant(sku=black, product_name="Diner mug", option1="Black")
    page = customer.get("/returns/self/order/").content.decode()
    chip = re.search(r'data-code="MUG-BLK">(.*?)</label>', page, re.S)
    assert chip and "Black" in chip.group(1) and "In stock" in chip.group(1)
    _, mug = lines(order)
    response = customer.post("/returns/self/order/", choose(order, qty=0, mug=1, **{f"exchange-{mug.pk}": "MUG-BLK"}))
    assert response.status_code == 302
    assert ReturnAuthorization.objects.get().lines.get().exchange_sku == black


# --- Return in store ---------------------------------------------------------------------------


def test_a_return_in_store_gets_a_code_the_counter_scans(customer, order, net):
    response = customer.post("/returns/self/order/", choose(order, method="in_store", store="nyc-store"))
    rma = ReturnAuthorization.objects.get()
    assert (rma.method, rma.return_location, rma.status) == (ReturnMethod.IN_STORE, net.store, ReturnStatus.AUTHORIZED)
    assert rma.tracking_number == "" and rma.label_rate is None
    page = customer.get(response["Location"]).content.decode()
    assert "Bring it to the store" in page and "New York Store" in page and "Print return label" not in page
    assert 'id="store-receipt"' in page and "<svg" in page.split('id="store-receipt"')[1]
    assert f'aria-label="Barcode {rma.number}"' in page
    # At the counter: the code on the receipt and the customer's email open the order with this return.
    assert counter_order(rma.number, "ada@example.com") == order
    assert counter_order(rma.number, "someone@example.com") is None
    assert refund_quote_for(rma, quote=True).amount == Decimal("17.00")  # no label fee in store


def test_the_associate_scans_the_receipt_at_the_counter_and_takes_the_return(customer, order, net):
    response = customer.post("/returns/self/order/", choose(order, method="in_store", store="nyc-store"))
    rma = ReturnAuthorization.objects.get()
    associate = Client()
    associate.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[net.store]))
    page = associate.get(f"/returns/counter/?store=nyc-store&order={rma.number}&check=ada@example.com")
    assert page.status_code == 200 and f"Receive {rma.number} here".encode() in page.content
    taken = associate.post(
        f"/returns/counter/?store=nyc-store&order={rma.number}&check=ada@example.com",
        {"store": "nyc-store", "open_rma": str(rma.pk)},
    )
    assert taken.status_code == 302 and taken["Location"] == f"/returns/counter/{rma.pk}/"
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.RECEIVED and rma.lines.get().quantity_received == 1
    assert b"Received" in customer.get(response["Location"]).content


def test_a_return_in_store_needs_a_store(customer, order):
    response = customer.post("/returns/self/order/", choose(order, method="in_store", store=""))
    assert response.status_code == 422 and b"Choose the store you will bring the items to." in response.content
    assert not ReturnAuthorization.objects.exists()


def test_a_held_return_in_store_waits_for_staff_and_is_approved_for_that_store(customer, order, net):
    customer.post("/returns/self/order/", choose(order, reason="other", method="in_store", store="nyc-store"))
    rma = ReturnAuthorization.objects.get()
    assert rma.status == ReturnStatus.REQUESTED and rma.return_location == net.store
    approved = return_approve(rma=rma, actor=None)
    assert approved.status == ReturnStatus.AUTHORIZED and approved.method == ReturnMethod.IN_STORE
    assert approved.tracking_number == ""


# --- The shop's brand -----------------------------------------------------------------------------


@pytest.fixture
def branded(net):
    Channel.objects.filter(pk=net.channel.pk).update(
        brand_name="Northwind Outfitters", brand_logo_url="https://cdn.example.com/northwind.svg", brand_color="#0B7A5C"
    )
    net.channel.refresh_from_db()
    return net.channel


def test_the_customer_pages_wear_the_shops_brand(client, branded, order):
    start = client.get("/returns/self/?shop=web").content.decode()
    assert 'src="https://cdn.example.com/northwind.svg"' in start and "· Northwind Outfitters</title>" in start
    assert "--primary: #0b7a5c" in start
    assert "Fulfil" not in start.split("<body")[1]
    client.post("/returns/self/", {"order_number": order.number, "email": "ada@example.com"})
    page = client.get("/returns/self/order/").content.decode()
    assert 'alt="Northwind Outfitters"' in page and "--primary: #0b7a5c" in page
    response = client.post("/returns/self/order/", choose(order))
    assert 'alt="Northwind Outfitters"' in client.get(response["Location"]).content.decode()


def test_an_unbranded_channel_shows_its_name(client, order):
    start = client.get("/returns/self/").content.decode()
    assert "Our shop" in start
    client.post("/returns/self/", {"order_number": order.number, "email": "ada@example.com"})
    assert '<span id="brand-name">Web shop</span>' in client.get("/returns/self/order/").content.decode()


def test_the_confirmation_email_comes_from_the_shop(customer, branded, order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer.post("/returns/self/order/", choose(order, method="in_store", store="nyc-store"))
    rma = ReturnAuthorization.objects.get()
    [message] = mail.outbox
    assert message.subject == f"Your return {rma.number} for order {order.number}"
    assert message.from_email.startswith('"Northwind Outfitters" <') and message.to == ["ada@example.com"]
    assert "Bring the items to New York Store" in message.body and rma.number in message.body
    assert message.body.rstrip().endswith("— Northwind Outfitters")
    html = html_of(message)
    assert 'src="https://cdn.example.com/northwind.svg"' in html and "#0b7a5c" in html
    assert rma.public_token in html and 'src="cid:return-qr"' in html
    [qr] = [part for part in message.attachments if getattr(part, "get_content_type", lambda: "")() == "image/png"]
    assert qr["Content-ID"] == "<return-qr>"


def test_the_decision_email_comes_from_the_shop_too(customer, branded, order, django_capture_on_commit_callbacks):
    customer.post("/returns/self/order/", choose(order, reason="other"))
    rma = ReturnAuthorization.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return_approve(rma=rma, actor=None, note="Fine by us.")
    [message] = mail.outbox
    assert "is approved" in message.subject and "Northwind Outfitters" in message.from_email
    assert "Fine by us." in html_of(message) and "#0b7a5c" in html_of(message)
    assert 'src="cid:return-qr"' not in html_of(message)  # mailed: a label, no counter code


def test_an_approved_return_in_store_is_emailed_with_its_store_and_code(
    customer, order, django_capture_on_commit_callbacks
):
    customer.post("/returns/self/order/", choose(order, reason="other", method="in_store", store="nyc-store"))
    rma = ReturnAuthorization.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return_approve(rma=rma, actor=None)
    [message] = mail.outbox
    assert "Bring the items to New York Store" in message.body and f"show the code {rma.number}" in message.body
    assert 'src="cid:return-qr"' in html_of(message)


def test_staff_set_the_brand_on_the_channel_form(admin_client, net):
    form = {
        "name": "Web shop",
        "kind": "web",
        "currency": "USD",
        "is_active": "on",
        "brand_name": "Northwind",
        "brand_logo_url": "https://cdn.example.com/n.png",
        "brand_color": "#123456",
    }
    bad = admin_client.post("/channels/web/edit/", {**form, "brand_color": "green"})
    assert bad.status_code == 422 and b"Enter a colour as # and six hex digits" in bad.content
    assert admin_client.post("/channels/web/edit/", form).status_code == 302
    net.channel.refresh_from_db()
    assert (net.channel.brand_name, net.channel.brand_logo_url, net.channel.brand_color) == (
        "Northwind",
        "https://cdn.example.com/n.png",
        "#123456",
    )
    assert b'value="#123456"' in admin_client.get("/channels/web/edit/").content


def test_a_light_brand_colour_keeps_text_readable():
    from channels.branding import Brand, contrast

    yellow = Brand(name="Sunny", color="#ffd60a")
    assert yellow.on_color == "#111111"
    assert contrast(yellow.text_color, "#ffffff") >= 4.5
    assert Brand(name="Deep", color="#0b3d91").on_color == "#ffffff"


def test_staff_set_the_flat_label_fee_on_the_policy_page(admin_client, policy):
    form = {
        "form": "policy",
        "window_days": "30",
        "late_action": "hold",
        "grace_days": "14",
        "restocking_fee_percent": "15",
        "return_label_fee": "4.50",
        "refund_tax": "on",
        "non_returnable_skus": "",
    }
    assert admin_client.post("/returns/policies/default/", {**form, "return_label_fee": "-1"}).status_code == 422
    assert admin_client.post("/returns/policies/default/", form).status_code == 302
    policy.refresh_from_db()
    assert policy.return_label_fee == Decimal("4.50")
    assert admin_client.post("/returns/policies/default/", {**form, "return_label_fee": ""}).status_code == 302
    policy.refresh_from_db()
    assert policy.return_label_fee is None  # empty: the label's own price, as before
