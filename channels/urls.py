from django.urls import path

from channels import views

app_name = "channels"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.channel_create_view, name="channel_create"),
    path("<slug:code>/edit/", views.channel_edit, name="channel_edit"),
    path("<slug:code>/keys/new/", views.api_key_create_view, name="api_key_create"),
    path("<slug:code>/keys/<slug:prefix>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
]
