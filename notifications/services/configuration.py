"""Staff configuration of a channel's customer emails: brand and sender, switches, templates.

A template is checked before it is saved: it must compile in the sandboxed engine and render
the sample order (all three parts), so a saved template never fails on a real order for a
reason the preview could have shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from channels.models import Channel
from core.errors import ValidationFailed
from core.types import AnyUser, actor_id
from notifications.models import (
    ChannelNotificationSettings,
    NotificationKind,
    NotificationSwitch,
    NotificationTemplate,
)
from notifications.rendering import RenderedEmail, TemplateSource, render_email, sample_data
from notifications.selectors import brand_of

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


@dataclass(frozen=True)
class SettingsInput:
    """A channel's sender identity as staff typed it."""

    brand_name: str
    sender: str
    reply_to: str
    language: str


def language_clean(value: str, *, field: str = "language") -> str:
    """A language code in lower case (en, fr, es-mx); refuses anything else."""
    code = value.strip().lower().replace("_", "-")
    if not LANGUAGE_CODE.match(code):
        raise ValidationFailed("Give a language code such as en, fr or es-mx.", field=field)
    return code


def sender_clean(value: str) -> str:
    """An address with an optional name ("Acme <orders@acme.example>"), or empty for the server default."""
    value = value.strip()
    if not value:
        return ""
    _name, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationFailed(
            'Give an email address, optionally with a name: "Acme Shop <orders@acme.example>".', field="sender"
        ) from exc
    return value


def notification_settings_save(*, channel: Channel, data: SettingsInput) -> ChannelNotificationSettings:
    """Save a channel's brand name, sender, reply-to and language."""
    reply_to = data.reply_to.strip()
    if reply_to:
        try:
            validate_email(reply_to)
        except ValidationError as exc:
            raise ValidationFailed("Give an email address.", field="reply_to") from exc
    values = {
        "brand_name": data.brand_name.strip()[:120],
        "sender": sender_clean(data.sender),
        "reply_to": reply_to,
        "language": language_clean(data.language),
    }
    with transaction.atomic():
        row, _created = ChannelNotificationSettings.objects.update_or_create(channel=channel, defaults=values)
    return row


def _kind_clean(kind: str) -> str:
    if kind not in NotificationKind.values:
        raise ValidationFailed(f"Unknown notification kind {kind!r}.", field="kind")
    return kind


def notification_switch_set(*, channel: Channel, kind: str, enabled: bool, actor: AnyUser | None) -> NotificationSwitch:
    """Switch one kind on or off for a channel (from the next event on; nothing owed before is sent)."""
    with transaction.atomic():
        row, _created = NotificationSwitch.objects.update_or_create(
            channel=channel,
            kind=_kind_clean(kind),
            defaults={"enabled": enabled, "changed_by_id": actor_id(actor)},
        )
    return row


@dataclass(frozen=True)
class TemplateInput:
    """A template's three parts as staff typed them."""

    subject: str
    body_text: str
    body_html: str


def template_preview(*, channel: Channel, kind: str, language: str, data: TemplateInput) -> RenderedEmail:
    """Render typed parts against the sample order with the channel's brand (raises TemplateProblem)."""
    source = TemplateSource(
        subject=data.subject,
        body_text=data.body_text,
        body_html=data.body_html,
        language=language_clean(language),
        custom=True,
    )
    return render_email(source, sample_data(brand_of(channel)))


def notification_template_save(
    *, channel: Channel, kind: str, language: str, data: TemplateInput, actor: AnyUser | None
) -> NotificationTemplate:
    """Save a channel's own wording of a kind in a language, once it renders the sample order.

    Raises TemplateProblem naming the part at fault (subject, body_text, body_html).
    """
    kind = _kind_clean(kind)
    language = language_clean(language)
    if not data.subject.strip():
        raise ValidationFailed("Give a subject.", field="subject")
    if not data.body_text.strip():
        raise ValidationFailed("Give the text part: some customers' mail programs show only that.", field="body_text")
    if not data.body_html.strip():
        raise ValidationFailed("Give the HTML part: most mail programs show that one.", field="body_html")
    template_preview(channel=channel, kind=kind, language=language, data=data)
    with transaction.atomic():
        row, _created = NotificationTemplate.objects.update_or_create(
            channel=channel,
            kind=kind,
            language=language,
            defaults={
                "subject": data.subject.strip(),
                "body_text": data.body_text,
                "body_html": data.body_html,
                "updated_by_id": actor_id(actor),
            },
        )
    return row


def notification_template_reset(*, channel: Channel, kind: str, language: str) -> bool:
    """Drop a channel's own wording so the default applies again; False if it had none."""
    deleted, _ = NotificationTemplate.objects.filter(
        channel=channel, kind=_kind_clean(kind), language=language_clean(language)
    ).delete()
    return bool(deleted)
