from django.urls import path

from marketplaces import webhooks
from marketplaces.sandbox import views as sandbox_views
from marketplaces.views import channels as views
from marketplaces.views import notices as views_notices
from marketplaces.views import sync as views_sync

app_name = "channels"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.channel_create_view, name="channel_create"),
    path("sandbox/<str:name>/<path:path>", sandbox_views.marketplace, name="sandbox"),
    # A sandbox's root: where Amazon's ORDER_CHANGE queue answers (SQS posts to its endpoint's root).
    path("sandbox/<str:name>/", sandbox_views.marketplace, {"path": ""}, name="sandbox_root"),
    path("sku-availability/<path:code>", views_sync.sku_availability, name="sku_availability"),
    path("<slug:code>/", views_sync.channel_detail, name="detail"),
    path("<slug:code>/edit/", views.channel_edit, name="channel_edit"),
    path("<slug:code>/connection/", views_sync.connection_view, name="connection"),
    path("<slug:code>/policy/", views_sync.policy_view, name="policy"),
    path("<slug:code>/notices/", views_notices.notices_card_view, name="notices_card"),
    path("<slug:code>/notices/subscribe/", views_notices.notices_subscribe_view, name="notices_subscribe"),
    path("<slug:code>/resync/", views_sync.resync_view, name="resync"),
    path("<slug:code>/resync/progress/", views_sync.resync_progress_view, name="resync_progress"),
    path("<slug:code>/listings/new/", views_sync.listing_create_view, name="listing_create"),
    path("<slug:code>/listings/<int:listing_id>/", views_sync.listing_edit_view, name="listing_edit"),
    path("<slug:code>/held/<str:external_id>/retry/", views_sync.held_order_retry_view, name="held_retry"),
    path("<slug:code>/webhooks/", webhooks.webhook, name="webhook"),
    path("<slug:code>/keys/new/", views.api_key_create_view, name="api_key_create"),
    path("<slug:code>/keys/<slug:prefix>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
]
