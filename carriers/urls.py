"""The /carriers/ pages: accounts, the box catalog, the sandboxes over HTTP (fixed paths before account codes)."""

from django.urls import path

from carriers import views
from carriers.sandbox import views as sandbox_views

app_name = "carriers"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("new/", views.account_create, name="account_create"),
    path("boxes/", views.box_list, name="box_list"),
    path("boxes/new/", views.box_create, name="box_create"),
    path("boxes/<int:pk>/edit/", views.box_edit, name="box_edit"),
    path("boxes/<int:pk>/active/", views.box_toggle, name="box_toggle"),
    path("sandbox/<str:name>/<path:path>", sandbox_views.carrier_sandbox, name="sandbox"),
    path("<slug:code>/", views.account_edit, name="account_edit"),
    path("<slug:code>/check/", views.account_check_view, name="account_check"),
]
