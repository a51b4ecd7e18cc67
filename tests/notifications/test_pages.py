"""The staff pages: each channel's emails and switches, editing a template with its live preview, an order's emails."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from channels.models import ChannelKind
from notifications.models import NotificationKind, NotificationState, NotificationTemplate
from notifications.selectors import kind_enabled
from tests.factories.orders import ChannelFactory
from tests.notifications.conftest import place, rows

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def template_url(channel, kind="shipped", language="en"):
    return reverse("notifications:template", args=[channel.code, kind, language])


def test_only_roles_that_manage_channels_see_the_pages(net, operator_user, back_office_client):
    client = Client()
    client.force_login(operator_user)
    assert client.get(reverse("notifications:index")).status_code == 403
    assert client.get(reverse("notifications:channel", args=[net.channel.code])).status_code == 403
    assert "Emails" not in client.get(reverse("ui:dashboard")).content.decode()

    page = back_office_client.get(reverse("notifications:index"))
    assert page.status_code == 200
    assert f'href="{reverse("notifications:index")}"' in page.content.decode()  # in the navigation
    assert f'data-channel="{net.channel.code}"' in page.content.decode()


def test_the_channel_page_lists_every_kind_with_its_switch(net, back_office_client):
    shopify = ChannelFactory(code="shop-us", name="Shopify US", kind=ChannelKind.SHOPIFY)
    own = back_office_client.get(reverse("notifications:channel", args=[net.channel.code])).content.decode()
    market = back_office_client.get(reverse("notifications:channel", args=[shopify.code])).content.decode()

    for kind in NotificationKind:
        assert f'data-kind="{kind.value}" data-enabled="on"' in own
        assert f'data-kind="{kind.value}" data-enabled="off"' in market
    assert "emails its customers itself" in market


def test_switching_a_kind_off_answers_its_row_to_htmx_and_redirects_without_javascript(net, back_office_client):
    url = reverse("notifications:switch", args=[net.channel.code, "shipped"])

    response = back_office_client.post(url, {"enabled": "off"}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<tr id="kind-shipped"') and 'data-enabled="off"' in body
    assert not kind_enabled(net.channel, "shipped")

    plain = back_office_client.post(url, {"enabled": "on"})
    assert plain.status_code == 302 and kind_enabled(net.channel, "shipped")
    assert back_office_client.post(reverse("notifications:switch", args=[net.channel.code, "nope"])).status_code == 404


def test_the_sender_form_saves_or_answers_its_errors(net, back_office_client):
    url = reverse("notifications:channel", args=[net.channel.code])
    bad = back_office_client.post(url, {"brand_name": "Ada", "sender": "nope", "reply_to": "", "language": "en"})
    assert bad.status_code == 422 and "Give an email address" in bad.content.decode()

    good = back_office_client.post(
        url, {"brand_name": "Ada Shop", "sender": "Ada <hi@ada.example>", "reply_to": "", "language": "fr"}
    )
    assert good.status_code == 302
    page = back_office_client.get(url).content.decode()
    assert "Sent from Ada &lt;hi@ada.example&gt; as Ada Shop, in fr (else en)." in page


def test_the_edit_page_starts_from_the_default_and_previews_it_on_the_sample_order(net, back_office_client):
    page = back_office_client.get(template_url(net.channel))

    assert page.status_code == 200
    body = page.content.decode()
    assert "The default wording." in body
    assert "Your {{ brand.name }} order {{ order.number }} has shipped" in html.unescape(body)  # the form
    assert "Your Fulfil Goods order SO-001234 has shipped in 2 boxes" in body  # the preview
    # The HTML part, escaped into the sandboxed frame's srcdoc (a quote would end the attribute).
    assert 'sandbox srcdoc="&lt;!doctype html&gt;\n&lt;html lang=&quot;en&quot;&gt;' in body
    assert "1Z999AA10123456784" in body


def test_the_live_preview_renders_what_is_typed_or_says_what_is_wrong(net, back_office_client):
    url = reverse("notifications:preview", args=[net.channel.code, "shipped", "en"])
    typed = {
        "subject": "{{ order.number }} left",
        "body_text": "{{ shipment.boxes|length }} boxes",
        "body_html": "<p>Hi</p>",
    }

    response = back_office_client.post(url, typed, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith(
        '<section class="card" aria-labelledby="preview-title"'
    )
    assert "SO-001234 left" in body and "2 boxes" in body

    wrong = back_office_client.post(url, {**typed, "body_html": "{% load static %}"}, **HTMX).content.decode()
    assert "data-preview-error" in wrong and 'data-field="body_html"' in wrong and "load" in wrong
    assert not NotificationTemplate.objects.exists()  # previewing saves nothing


def test_saving_a_template_makes_the_channels_emails_use_it_and_resetting_goes_back(
    net, back_office_client, mailoutbox, django_capture_on_commit_callbacks
):
    url = template_url(net.channel, "order_confirmation")
    broken = back_office_client.post(
        url, {"action": "save", "subject": "Hi", "body_text": "{% for %}", "body_html": "<p>x</p>"}
    )
    assert broken.status_code == 422 and "Template error" in broken.content.decode()

    saved = back_office_client.post(
        url,
        {
            "action": "save",
            "subject": "Thanks for order {{ order.number }}",
            "body_text": "Dear {{ customer.name }}",
            "body_html": "<p>Dear {{ customer.name }}</p>",
        },
    )
    assert saved.status_code == 302
    assert "own wording in en" in back_office_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net)
    assert [email.subject for email in mailoutbox] == [f"Thanks for order {order.number}"]

    assert back_office_client.post(url, {"action": "reset"}).status_code == 302
    assert not NotificationTemplate.objects.exists()


def test_another_language_opens_from_the_edit_page(net, back_office_client):
    response = back_office_client.get(template_url(net.channel), {"lang": "FR"})
    assert response.status_code == 302 and response["Location"] == template_url(net.channel, language="fr")
    french = back_office_client.get(response["Location"]).content.decode()
    assert "No wording in fr yet: the default in en is sent meanwhile." in french
    assert back_office_client.get(template_url(net.channel, language="x!")).status_code == 404


def test_the_order_page_of_emails_lists_them_and_resends_one(
    net, back_office_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net)
    [first] = rows(order)
    page = back_office_client.get(reverse("notifications:order", args=[order.pk])).content.decode()
    assert f'data-notification="{first.pk}" data-kind="order_confirmation" data-state="sent"' in page
    assert first.subject in html.unescape(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = back_office_client.post(reverse("notifications:resend", args=[first.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("notifications:order", args=[order.pk])
    assert len(mailoutbox) == 2
    assert [row.state for row in rows(order)] == [NotificationState.SENT, NotificationState.SENT]
    assert "Resent by backoffice" in back_office_client.get(response["Location"]).content.decode()


def test_resending_needs_its_permission(net, client, associate_user):
    order = place(net)
    [first] = rows(order)
    client.force_login(associate_user)
    assert client.post(reverse("notifications:resend", args=[first.pk])).status_code == 403
    assert client.get(reverse("notifications:order", args=[order.pk])).status_code == 403
    assert len(rows(order)) == 1
