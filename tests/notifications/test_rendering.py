"""Templates: the sandbox staff write in, the lookup by language with its fallback, saving only what renders."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from notifications.models import Notification, NotificationKind
from notifications.rendering import TemplateProblem, render_sandboxed
from notifications.selectors import language_chain, template_for
from notifications.services import (
    SettingsInput,
    TemplateInput,
    notification_settings_save,
    notification_template_reset,
    notification_template_save,
)
from tests.notifications.conftest import place

pytestmark = pytest.mark.django_db

SHIPPED = NotificationKind.SHIPPED
CONFIRMATION = NotificationKind.ORDER_CONFIRMATION


def french(subject: str = "Commande {{ order.number }} confirmée") -> TemplateInput:
    return TemplateInput(
        subject=subject,
        body_text="Bonjour {{ customer.first_name }}, merci pour la commande {{ order.number }}.",
        body_html="<p>Bonjour {{ customer.first_name }}</p>",
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('{% include "base.html" %}', "include"),
        ("{% extends 'base.html' %}", "extends"),
        ("{% load static %}{% static 'x' %}", "load"),
        ("{% debug %}", "debug"),
        ("{% url 'ui:dashboard' %}", "url"),
        ("{% csrf_token %}", "csrf_token"),
        ("{% if %}", "Template error"),
    ],
)
def test_the_sandbox_refuses_tags_that_reach_outside_the_template(source, message):
    with pytest.raises(TemplateProblem, match=message):
        render_sandboxed(source, {}, autoescape=True, part="body_html")


def test_the_sandbox_renders_plain_data_escaped_in_html_and_as_is_in_text():
    data = {"customer": {"name": "Ada <b>& Co</b>"}, "order": {"lines": [{"quantity": 2}, {"quantity": 3}]}}
    source = "{{ customer.name }}: {% for line in order.lines %}{{ line.quantity }}{% endfor %} {{ missing.thing }}|"
    assert render_sandboxed(source, data, autoescape=True) == "Ada &lt;b&gt;&amp; Co&lt;/b&gt;: 23 |"
    assert render_sandboxed(source, data, autoescape=False) == "Ada <b>& Co</b>: 23 |"
    assert render_sandboxed('{{ "5.5"|floatformat:2 }} {{ "abc"|upper }}', {}, autoescape=False) == "5.50 ABC"


def test_the_language_chain_goes_from_the_region_to_the_language_to_english():
    assert language_chain("fr-CA") == ["fr-ca", "fr", "en"]
    assert language_chain("fr") == ["fr", "en"]
    assert language_chain("en-gb") == ["en-gb", "en"]
    assert language_chain("") == ["en"]


def test_a_channel_template_in_the_base_language_serves_a_regional_language(net, back_office_user):
    notification_template_save(
        channel=net.channel, kind=CONFIRMATION, language="fr", data=french(), actor=back_office_user
    )
    used = template_for(net.channel, CONFIRMATION, "fr-CA")
    assert (used.language, used.custom) == ("fr", True)
    assert used.subject == "Commande {{ order.number }} confirmée"
    # Other kinds have no French wording: English default files.
    shipped = template_for(net.channel, SHIPPED, "fr-CA")
    assert (shipped.language, shipped.custom) == ("en", False)
    # A language nobody wrote falls back to English.
    assert template_for(net.channel, CONFIRMATION, "de").language == "en"


def test_the_channels_own_english_wording_replaces_the_default(net, back_office_user):
    notification_template_save(
        channel=net.channel,
        kind=CONFIRMATION,
        language="en",
        data=TemplateInput(subject="Thanks! {{ order.number }}", body_text="Thanks.", body_html="<p>Thanks.</p>"),
        actor=back_office_user,
    )
    assert template_for(net.channel, CONFIRMATION, "de").subject == "Thanks! {{ order.number }}"
    assert notification_template_reset(channel=net.channel, kind=CONFIRMATION, language="en")
    assert template_for(net.channel, CONFIRMATION, "de").custom is False


def test_a_channel_in_french_sends_its_french_wording_dates_in_french(
    net, mailoutbox, back_office_user, django_capture_on_commit_callbacks
):
    notification_settings_save(
        channel=net.channel,
        data=SettingsInput(
            brand_name="Boutique Ada", sender="Boutique Ada <bonjour@ada.example>", reply_to="", language="fr-ca"
        ),
    )
    notification_template_save(
        channel=net.channel,
        kind=CONFIRMATION,
        language="fr",
        data=TemplateInput(
            subject="Commande {{ order.number }} confirmée",
            body_text="Merci {{ customer.first_name }}! Passée en {{ order.placed_at|date:'F' }}.",
            body_html="<p>Merci</p>",
        ),
        actor=back_office_user,
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net)

    [email] = mailoutbox
    assert email.subject == f"Commande {order.number} confirmée"
    assert email.from_email == "Boutique Ada <bonjour@ada.example>"
    month = {1: "janvier", 2: "février", 3: "mars", 4: "avril", 5: "mai", 6: "juin", 7: "juillet", 8: "août",
             9: "septembre", 10: "octobre", 11: "novembre", 12: "décembre"}[order.placed_at.month]  # fmt: skip
    assert f"Merci Ada! Passée en {month}." in email.body
    assert email.body.rstrip().endswith("Boutique Ada")  # the layout's signature is the brand
    html = str(email.alternatives[0][0])
    assert '<html lang="fr">' in html and "Boutique Ada" in html
    assert Notification.objects.get(order=order).language == "fr"


def test_a_template_is_saved_only_once_it_renders_the_sample_order(net, back_office_user):
    with pytest.raises(TemplateProblem) as broken:
        notification_template_save(
            channel=net.channel,
            kind=SHIPPED,
            language="en",
            data=TemplateInput(subject="Shipped", body_text="{% for box in shipment.boxes %}", body_html="<p></p>"),
            actor=back_office_user,
        )
    assert broken.value.field == "body_text"
    with pytest.raises(ValidationFailed) as empty:
        notification_template_save(
            channel=net.channel,
            kind=SHIPPED,
            language="en",
            data=TemplateInput(subject="{{ nothing }}", body_text="x", body_html="<p>x</p>"),
            actor=back_office_user,
        )
    assert empty.value.field == "subject"
    with pytest.raises(ValidationFailed, match="language code"):
        notification_template_save(
            channel=net.channel, kind=SHIPPED, language="../en", data=french(), actor=back_office_user
        )
    assert not net.channel.notification_templates.exists()


def test_sender_settings_are_checked(net):
    with pytest.raises(ValidationFailed) as bad:
        notification_settings_save(
            channel=net.channel, data=SettingsInput(brand_name="", sender="not an address", reply_to="", language="en")
        )
    assert bad.value.field == "sender"
    saved = notification_settings_save(
        channel=net.channel,
        data=SettingsInput(brand_name=" Ada ", sender="", reply_to="help@ada.example", language="ES_mx"),
    )
    assert (saved.brand_name, saved.sender, saved.language) == ("Ada", "", "es-mx")
