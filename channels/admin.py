"""Django admin for channels. API keys are read-only here and never show their hash: issue and
revoke them on the Channels page, where the secret is shown once."""

from django.contrib import admin
from django.http import HttpRequest

from channels.models import Channel, ChannelApiKey

API_KEY_FIELDS = ("channel", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at")


class ApiKeyInline(admin.TabularInline):
    model = ChannelApiKey
    extra = 0
    can_delete = False
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "currency", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    inlines = [ApiKeyInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple[str, ...]:
        """Orders and keys refer to the code: it is fixed once the channel exists."""
        return ("code",) if obj else ()


@admin.register(ChannelApiKey)
class ChannelApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "channel", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("channel",)
    search_fields = ("prefix", "name", "channel__code")
    list_select_related = ("channel",)
    fields = API_KEY_FIELDS
    readonly_fields = API_KEY_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
