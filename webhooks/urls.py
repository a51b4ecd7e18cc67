"""The /settings/webhooks/ pages: endpoints, the delivery log, the documentation."""

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("docs/", views.webhook_docs, name="docs"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay_view, name="delivery_replay"),
    path("<int:pk>/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<int:pk>/ping/", views.endpoint_ping, name="endpoint_ping"),
]
