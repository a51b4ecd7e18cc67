"""The /settings/webhooks/ pages: administrators only; the secret shown once; ping, replay, log filters, the docs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.roles import BACK_OFFICE
from tests.factories import user_with_role
from tests.webhooks.conftest import Answer
from tests.webhooks.support import owed_deliveries
from webhooks.models import DeliveryState, EventType, Subscription
from webhooks.services import delivery_attempt

pytestmark = pytest.mark.django_db

LIST = reverse("webhooks:endpoint_list")
NEW = reverse("webhooks:endpoint_create")
LOG = reverse("webhooks:delivery_list")
DOCS = reverse("webhooks:docs")


def _secret_on(page: str) -> str:
    found = re.search(r'value="(whsec_[A-Za-z0-9+/=]+)"', page)
    assert found is not None, "no secret on the page"
    return found.group(1)


def _pages(endpoint_pk: int, delivery_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("get", DOCS),
        ("get", LOG),
        ("get", reverse("webhooks:endpoint_edit", args=[endpoint_pk])),
        ("get", reverse("webhooks:delivery_detail", args=[delivery_pk])),
        ("post", reverse("webhooks:endpoint_rotate", args=[endpoint_pk])),
        ("post", reverse("webhooks:endpoint_ping", args=[endpoint_pk])),
        ("post", reverse("webhooks:delivery_replay", args=[delivery_pk])),
    ]


def test_only_administrators_reach_the_pages(client, make_endpoint, receiver, administrator):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    (delivery,) = owed_deliveries(endpoint)
    pages = _pages(endpoint.pk, delivery.pk)

    for method, url in pages:
        answer = getattr(client, method)(url)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login")), url

    client.force_login(user_with_role(BACK_OFFICE, username="clerk"))
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 403, url
    assert receiver.requests == []  # no ping, no replay went out
    assert "Webhooks" not in client.get(reverse("ui:dashboard")).content.decode()

    client.force_login(administrator)
    for method, url in pages:
        assert getattr(client, method)(url).status_code in (200, 302), url
    assert f'href="{LIST}"' in client.get(reverse("ui:dashboard")).content.decode()


def test_a_new_endpoint_shows_its_secret_once_and_keeps_it_encrypted(administrator_client, receiver):
    answer = administrator_client.post(
        NEW,
        {
            "name": "ERP production",
            "url": receiver.url,
            "event_types": [EventType.ORDER_CREATED, EventType.ORDER_SHIPPED],
        },
    )

    assert answer.status_code == 200
    secret = _secret_on(answer.content.decode())
    endpoint = Subscription.objects.get()
    assert (endpoint.name, endpoint.event_types) == (
        "ERP production",
        [EventType.ORDER_CREATED, EventType.ORDER_SHIPPED],
    )
    assert secret not in endpoint.secret_encrypted and endpoint.is_active
    page = administrator_client.get(reverse("webhooks:endpoint_edit", args=[endpoint.pk])).content.decode()
    assert secret not in page and secret[-4:] in page

    rotated = administrator_client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk])).content.decode()
    new_secret = _secret_on(rotated)
    assert new_secret != secret


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://erp.example.com/hooks", "must use https://"),
        ("erp.example.com/hooks", "full address"),
        ("https://user:pw@erp.example.com/hooks", "Leave credentials out"),
    ],
)
def test_an_endpoint_must_be_https(administrator_client, url, message):
    answer = administrator_client.post(NEW, {"name": "ERP", "url": url, "event_types": [EventType.ORDER_CREATED]})
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert not Subscription.objects.exists()


def test_plain_http_to_localhost_is_refused_outside_development(administrator_client, settings, receiver):
    settings.WEBHOOKS_ALLOW_LOCAL_HTTP = False
    answer = administrator_client.post(
        NEW, {"name": "ERP", "url": receiver.url, "event_types": [EventType.ORDER_CREATED]}
    )
    assert answer.status_code == 422 and not Subscription.objects.exists()


def test_an_endpoint_needs_an_event_type(administrator_client):
    answer = administrator_client.post(NEW, {"name": "ERP", "url": "https://erp.example.com/h", "event_types": []})
    assert answer.status_code == 422 and "Choose at least one event type" in answer.content.decode()


def test_the_ping_button_sends_a_signed_ping_and_says_how_it_went(administrator_client, make_endpoint, receiver):
    endpoint, _ = make_endpoint([EventType.ORDER_CREATED])
    ping = reverse("webhooks:endpoint_ping", args=[endpoint.pk])

    page = administrator_client.post(ping, follow=True).content.decode()
    assert "Test ping delivered: the endpoint answered HTTP 200" in page
    (got,) = receiver.of_type("webhook.ping")
    assert got.headers["webhook-signature"].startswith("v1,")

    receiver.answer(Answer(status=401, body=b"bad signature"))
    page = administrator_client.post(ping, follow=True).content.decode()
    assert "Test ping failed: the endpoint answered HTTP 401" in page
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0  # a ping is a check, not a failure of the endpoint


def test_disabling_and_enabling_from_the_page(administrator_client, make_endpoint):
    endpoint, _ = make_endpoint([EventType.ORDER_CREATED])
    edit = reverse("webhooks:endpoint_edit", args=[endpoint.pk])
    fields = {"name": endpoint.name, "url": endpoint.url, "event_types": [EventType.ORDER_CREATED]}

    assert administrator_client.post(edit, fields).status_code == 302  # "Enabled" unticked
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "Disabled by webhook-admin."

    administrator_client.post(edit, {**fields, "is_active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_the_list_shows_why_an_endpoint_was_disabled(
    administrator_client, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED], name="Accounting")
    receiver.default = Answer(status=500)
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in owed_deliveries(endpoint, count=20):
            delivery_attempt(delivery_id=delivery.pk)

    page = administrator_client.get(LIST).content.decode()
    assert f'data-disabled-endpoint="{endpoint.pk}"' in page
    assert "20 failed deliveries in a row" in page and "admin@example.com" in page


def test_the_log_filters_by_endpoint_and_state_and_opens_a_delivery_with_its_attempts(
    administrator_client, make_endpoint, receiver
):
    erp, _ = make_endpoint([EventType.STOCK_CHANGED], name="ERP")
    wms, _ = make_endpoint([EventType.STOCK_CHANGED], name="WMS")
    (to_erp,) = owed_deliveries(erp)
    to_wms = to_erp.event.deliveries.get(subscription=wms)
    receiver.answer(Answer(status=200), Answer(status=502, body=b"bad gateway"))
    delivery_attempt(delivery_id=to_erp.pk)
    delivery_attempt(delivery_id=to_wms.pk)

    page = administrator_client.get(LOG, {"endpoint": wms.pk}).content.decode()
    assert f'data-delivery="{to_wms.pk}"' in page and f'data-delivery="{to_erp.pk}"' not in page
    page = administrator_client.get(LOG, {"state": DeliveryState.SUCCEEDED}).content.decode()
    assert f'data-delivery="{to_erp.pk}"' in page and f'data-delivery="{to_wms.pk}"' not in page
    fragment = administrator_client.get(LOG, {"event": to_erp.event.public_id}, headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="delivery-results"')
    assert administrator_client.get(LOG, {"endpoint": "nonsense"}).status_code == 200

    detail = administrator_client.get(reverse("webhooks:delivery_detail", args=[to_wms.pk])).content.decode()
    assert "HTTP 502" in detail and "bad gateway" in detail and to_wms.event.public_id in detail


def test_the_replay_button_sends_it_again(administrator_client, make_endpoint, receiver):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    (delivery,) = owed_deliveries(endpoint)
    receiver.answer(Answer(status=500))
    delivery_attempt(delivery_id=delivery.pk)

    page = administrator_client.post(reverse("webhooks:delivery_replay", args=[delivery.pk]), follow=True)

    assert "Replayed: the endpoint answered HTTP 200" in page.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and len(receiver.requests) == 2


def test_the_docs_page_documents_every_event_with_an_example_and_the_verification(administrator_client):
    page = administrator_client.get(DOCS).content.decode()
    for event_type in EventType.values:
        assert f'data-example="{event_type}"' in page
    assert "purchase_order.created" in page  # listed as coming later
    assert "def verify_webhook(secret" in page and "5 minutes" in page
    assert "after 1 min, 5 min, 30 min, 2 h, 6 h, 24 h: 7 attempts" in page
