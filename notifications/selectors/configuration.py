"""Reads of the per-channel configuration: brand, switches, and which template a kind uses.

Defaults apply until staff save something: the brand is the merchant's name and the server's
sender address, the language English; every kind is on for the merchant's own channels (web
shop, point of sale) and off for marketplaces, which email their customers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from channels.models import Channel
from marketplaces.models import CONNECTOR_KINDS
from notifications.models import (
    KIND_DESCRIPTIONS,
    ChannelNotificationSettings,
    NotificationKind,
    NotificationSwitch,
    NotificationTemplate,
)
from notifications.rendering import Brand, TemplateSource, default_template

DEFAULT_LANGUAGE = "en"


def settings_of(channel: Channel) -> ChannelNotificationSettings | None:
    """The channel's saved settings row, if staff saved one."""
    return ChannelNotificationSettings.objects.filter(channel=channel).first()


def _brand(saved: ChannelNotificationSettings | None) -> Brand:
    return Brand(
        name=(saved.brand_name if saved else "") or str(settings.MERCHANT_NAME),
        sender=(saved.sender if saved else "") or str(settings.DEFAULT_FROM_EMAIL),
        reply_to=saved.reply_to if saved else "",
        language=(saved.language if saved else "") or DEFAULT_LANGUAGE,
    )


def brand_of(channel: Channel) -> Brand:
    """Who a channel's emails come from and in which language (saved settings, else the defaults)."""
    return _brand(settings_of(channel))


def kind_default_enabled(channel: Channel) -> bool:
    """On for the merchant's own channels, off for marketplaces (they send their own emails)."""
    return channel.kind not in CONNECTOR_KINDS


def kind_enabled(channel: Channel, kind: str) -> bool:
    """Whether the channel sends this kind: its switch, or the channel kind's default without one."""
    enabled = NotificationSwitch.objects.filter(channel=channel, kind=kind).values_list("enabled", flat=True).first()
    return kind_default_enabled(channel) if enabled is None else bool(enabled)


@dataclass(frozen=True)
class KindRow:
    """One kind on a channel's page: its switch and its wording."""

    kind: str
    label: str
    description: str
    enabled: bool
    is_default: bool
    custom_languages: tuple[str, ...]


def kind_rows(channel: Channel) -> list[KindRow]:
    """Every kind for the channel, with its switch and the languages it has its own wording in (two queries)."""
    switches = dict(NotificationSwitch.objects.filter(channel=channel).values_list("kind", "enabled"))
    custom: dict[str, list[str]] = {}
    for kind, language in NotificationTemplate.objects.filter(channel=channel).values_list("kind", "language"):
        custom.setdefault(kind, []).append(language)
    default = kind_default_enabled(channel)
    return [
        KindRow(
            kind=kind.value,
            label=kind.label,
            description=KIND_DESCRIPTIONS[kind],
            enabled=switches.get(kind.value, default),
            is_default=kind.value not in switches,
            custom_languages=tuple(sorted(custom.get(kind.value, []))),
        )
        for kind in NotificationKind
    ]


def kind_row(channel: Channel, kind: str) -> KindRow:
    """One kind's row (after its switch changed)."""
    return next(row for row in kind_rows(channel) if row.kind == kind)


def language_chain(language: str) -> list[str]:
    """The languages to try for `language`, best first: es-mx, es, then English."""
    code = language.strip().lower().replace("_", "-") or DEFAULT_LANGUAGE
    chain = [code]
    base = code.split("-")[0]
    if base not in chain:
        chain.append(base)
    if DEFAULT_LANGUAGE not in chain:
        chain.append(DEFAULT_LANGUAGE)
    return chain


def template_for(channel: Channel, kind: str, language: str) -> TemplateSource:
    """The template a channel's email of `kind` uses in `language`.

    Along `language_chain`, the first language with the channel's own wording or a default file
    wins; within a language, the channel's own wording comes before the default. English always
    has a default, so there is always an answer.
    """
    chain = language_chain(language)
    custom = {
        row.language: row for row in NotificationTemplate.objects.filter(channel=channel, kind=kind, language__in=chain)
    }
    for code in chain:
        saved = custom.get(code)
        if saved is not None:
            return TemplateSource(
                subject=saved.subject,
                body_text=saved.body_text,
                body_html=saved.body_html,
                language=code,
                custom=True,
            )
        shipped = default_template(kind, code)
        if shipped is not None:
            return shipped
    raise LookupError(f"No default template for {kind} in {DEFAULT_LANGUAGE}")


def channel_rows() -> list[tuple[Channel, Brand, int]]:
    """Every channel with its brand and how many kinds it sends (for the index page)."""
    channels = list(Channel.objects.order_by("name"))
    saved = {row.channel_id: row for row in ChannelNotificationSettings.objects.all()}
    switches: dict[int, dict[str, bool]] = {}
    for channel_id, kind, enabled in NotificationSwitch.objects.values_list("channel_id", "kind", "enabled"):
        switches.setdefault(channel_id, {})[kind] = enabled
    rows = []
    for channel in channels:
        brand = _brand(saved.get(channel.pk))
        own = switches.get(channel.pk, {})
        default = kind_default_enabled(channel)
        rows.append((channel, brand, sum(1 for kind in NotificationKind if own.get(kind.value, default))))
    return rows
