"""Forms of the notification pages: a channel's sender identity, and a template's three parts."""

from __future__ import annotations

from django import forms

from notifications.models import ChannelNotificationSettings
from notifications.rendering import Brand, TemplateSource
from notifications.services import SettingsInput, TemplateInput


class SettingsForm(forms.Form):
    """Brand name, From address, reply-to address and language of a channel's emails."""

    brand_name = forms.CharField(
        label="Brand name",
        max_length=120,
        required=False,
        help_text=ChannelNotificationSettings.brand_name.field.help_text,
    )
    sender = forms.CharField(
        label="Sender address",
        max_length=254,
        required=False,
        help_text=ChannelNotificationSettings.sender.field.help_text,
    )
    reply_to = forms.CharField(
        label="Reply-to address",
        max_length=254,
        required=False,
        help_text=ChannelNotificationSettings.reply_to.field.help_text,
    )
    language = forms.CharField(
        label="Language", max_length=10, help_text=ChannelNotificationSettings.language.field.help_text
    )

    @classmethod
    def for_settings(cls, saved: ChannelNotificationSettings | None, brand: Brand) -> SettingsForm:
        """The form filled with what is saved (empty fields show the defaults as placeholders)."""
        form = cls(
            initial={
                "brand_name": saved.brand_name if saved else "",
                "sender": saved.sender if saved else "",
                "reply_to": saved.reply_to if saved else "",
                "language": brand.language,
            }
        )
        form.fields["brand_name"].widget.attrs["placeholder"] = brand.name
        form.fields["sender"].widget.attrs["placeholder"] = brand.sender
        return form

    def settings_input(self) -> SettingsInput:
        """The cleaned values for `notification_settings_save`."""
        data = self.cleaned_data
        return SettingsInput(
            brand_name=data["brand_name"], sender=data["sender"], reply_to=data["reply_to"], language=data["language"]
        )


class TemplateForm(forms.Form):
    """The subject, text part and HTML part of one kind in one language (Django template syntax)."""

    subject = forms.CharField(label="Subject", max_length=300, strip=False)
    body_text = forms.CharField(
        label="Text part", strip=False, widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"})
    )
    body_html = forms.CharField(
        label="HTML part", strip=False, widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"})
    )

    @classmethod
    def for_source(cls, source: TemplateSource) -> TemplateForm:
        """The form filled with the template in use (the channel's own, or the default to start from)."""
        return cls(
            initial={
                "subject": source.subject.strip(),
                "body_text": source.body_text,
                "body_html": source.body_html,
            }
        )

    def template_input(self) -> TemplateInput:
        """The cleaned parts for `notification_template_save` and the preview."""
        data = self.cleaned_data
        return TemplateInput(subject=data["subject"], body_text=data["body_text"], body_html=data["body_html"])
