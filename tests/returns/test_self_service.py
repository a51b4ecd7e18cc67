"""The customer's returns page: no login, order number + email, the same refusal for anything wrong, rate-limited."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from returns.models import ReturnAuthorization, ReturnSource, ReturnStatus
from returns.views.public import NOT_FOUND
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def order(net):
    return delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00"), ("MUG-WHT", 1, "12.50")], email="ada@example.com")


def look_up(client, number, email, **extra):
    return client.post("/returns/self/", {"order_number": number, "email": email}, **extra)


def test_the_page_needs_no_login_and_shows_no_staff_navigation(client, order):
    response = client.get("/returns/self/")
    assert response.status_code == 200
    assert b"Start a return" in response.content
    assert b"main-nav" not in response.content


def test_the_right_number_and_email_open_the_order_by_our_number_or_the_shops(client, order):
    response = look_up(client, order.number.lower(), "ADA@example.com")
    assert response.status_code == 302 and response["Location"] == "/returns/self/order/"
    page = client.get("/returns/self/order/")
    assert b"TEE-BLK-M" in page.content and b"Request return" in page.content
    client.session.flush()
    assert look_up(client, "W-1001", "ada@example.com").status_code == 302


def test_a_wrong_email_and_an_unknown_order_get_the_same_answer(client, net, order):
    delivered_order(net.channel, [("MUG-WHT", 1, "12.50")], external_id="W-2", email="grace@example.com")
    wrong_email = look_up(client, order.number, "grace@example.com")
    unknown = look_up(client, "SO-999999", "ada@example.com")
    assert wrong_email.status_code == unknown.status_code == 422
    assert NOT_FOUND.encode() in wrong_email.content and NOT_FOUND.encode() in unknown.content
    for response in (wrong_email, unknown):
        assert b"Grace" not in response.content and b"Ada" not in response.content and b"W-2" not in response.content
    assert client.get("/returns/self/order/")["Location"] == "/returns/self/"  # nothing granted


def test_failed_guesses_are_rate_limited_per_order_number_and_client_even_for_a_real_order(client, order):
    for _ in range(5):
        assert look_up(client, order.number, "guess@example.com", REMOTE_ADDR="10.0.0.9").status_code == 422
    blocked = look_up(client, order.number, "ada@example.com", REMOTE_ADDR="10.0.0.9")
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.content
    assert look_up(client, "SO-424242", "x@example.com", REMOTE_ADDR="10.0.0.9").status_code == 422  # another number


def test_typing_the_order_number_another_way_gives_no_fresh_attempts(client, order):
    spellings = [f"SO-{order.pk}", f"SO-{order.pk:03d}", f"so{order.pk:04d}", f"{order.pk:05d}", f"SO-{order.pk:06d}"]
    for spelling in spellings:
        # Fewer than the per-client limit: only the per-order-number-and-client limit can catch them.
        assert look_up(client, spelling, "guess@example.com", REMOTE_ADDR="10.1.0.1").status_code == 422
    blocked = look_up(client, f"SO-{order.pk:07d}", "ada@example.com", REMOTE_ADDR="10.1.0.1")
    assert blocked.status_code == 429


def test_behind_the_trusted_proxy_each_customer_is_limited_by_their_own_address(client, order, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}  # every request reaches us from the load balancer
    for n in range(10):
        look_up(client, f"SO-{900000 + n}", "guess@example.com", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert (
        look_up(client, order.number, "ada@example.com", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    )
    # Another customer behind the same proxy is not blocked, and a forged left-most entry does not help the guesser.
    assert (
        look_up(client, order.number, "ada@example.com", HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy).status_code
        == 302
    )
    client.session.flush()
    forged = look_up(
        client, order.number, "ada@example.com", HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7", **proxy
    )
    assert forged.status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, order, settings):
    settings.TRUSTED_PROXY_HOPS = 0
    for n in range(10):
        look_up(client, f"SO-{900000 + n}", "g@example.com", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    assert look_up(client, order.number, "ada@example.com", REMOTE_ADDR="10.0.0.5").status_code == 429


def test_failed_guesses_are_rate_limited_per_client(client, order):
    for n in range(10):
        look_up(client, f"SO-{900000 + n}", "guess@example.com", REMOTE_ADDR="10.0.0.7")
    assert look_up(client, order.number, "ada@example.com", REMOTE_ADDR="10.0.0.7").status_code == 429
    assert look_up(client, order.number, "ada@example.com", REMOTE_ADDR="10.0.0.8").status_code == 302


def test_the_customer_requests_a_return_and_sees_the_label_and_status(client, order):
    look_up(client, order.number, "ada@example.com")
    tee, mug = order.lines.order_by("line_number")
    response = client.post(
        "/returns/self/order/",
        {
            f"qty-{tee.pk}": "1",
            f"reason-{tee.pk}": "changed_mind",
            f"exchange-{tee.pk}": "",
            f"qty-{mug.pk}": "0",
            "customer_note": "",
        },
    )
    rma = ReturnAuthorization.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/returns/self/r/{rma.public_token}/"
    assert (rma.source, rma.status, rma.created_label) == (
        ReturnSource.SELF_SERVICE,
        ReturnStatus.AUTHORIZED,
        "customer",
    )

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert rma.tracking_number.encode() in page.content and b"Print return label" in page.content
    assert b"Estimated refund" in page.content and b"Return label (paid by the customer)" in page.content
    label = client.get(f"/returns/self/r/{rma.public_token}/label/")
    assert label.status_code == 200 and rma.tracking_number.encode() in label.content
    # Another browser with the link sees the return, and nothing else of the customer's.
    from django.test import Client

    stranger = Client()
    assert stranger.get(f"/returns/self/r/{rma.public_token}/").status_code == 200
    assert stranger.get("/returns/self/order/")["Location"] == "/returns/self/"
    assert stranger.get("/returns/self/r/not-a-real-token-xxxxxxxx/").status_code == 404


def test_too_many_units_are_refused_on_the_form_and_nothing_is_written(client, order):
    look_up(client, order.number, "ada@example.com")
    tee, mug = order.lines.order_by("line_number")
    response = client.post(
        "/returns/self/order/", {f"qty-{tee.pk}": "5", f"reason-{tee.pk}": "doesnt_fit", f"qty-{mug.pk}": "0"}
    )
    assert response.status_code == 422
    assert b"Ensure this value is less than or equal to 2" in response.content
    nothing = client.post("/returns/self/order/", {f"qty-{tee.pk}": "0", f"qty-{mug.pk}": "0"})
    assert b"Enter how many units of at least one item come back." in nothing.content
    no_reason = client.post(
        "/returns/self/order/", {f"qty-{tee.pk}": "1", f"reason-{tee.pk}": "", f"qty-{mug.pk}": "0"}
    )
    assert b"Choose why it comes back." in no_reason.content
    assert not ReturnAuthorization.objects.exists()


def test_an_order_past_the_window_is_refused_with_the_reason(client, net):
    old = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="OLD-1", delivered_days_ago=60)
    look_up(client, old.number, "ada@example.com")
    line = old.lines.get()
    response = client.post("/returns/self/order/", {f"qty-{line.pk}": "1", f"reason-{line.pk}": "doesnt_fit"})
    assert response.status_code == 422
    assert b"This order can no longer be returned" in response.content
    assert not ReturnAuthorization.objects.exists()


def test_a_held_request_tells_the_customer_it_is_being_reviewed(client, order):
    look_up(client, order.number, "ada@example.com")
    tee, mug = order.lines.order_by("line_number")
    response = client.post(
        "/returns/self/order/", {f"qty-{tee.pk}": "1", f"reason-{tee.pk}": "other", f"qty-{mug.pk}": "0"}
    )
    page = client.get(response["Location"])
    assert b"We are reviewing your request." in page.content
    assert b"Print return label" not in page.content
