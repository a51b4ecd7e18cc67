"""The dashboard and sign-out with a message (mounted before django.contrib.auth.urls)."""

from django.urls import path

from ui import views

app_name = "ui"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/logout/", views.logout_view, name="logout"),
]
