"""The dashboard and sign-out with a message (mounted before django.contrib.auth.urls)."""

from django.urls import path

from ui import views
from ui.views.demo_tour import demo_tour_hide

app_name = "ui"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("demo/tour/hide/", demo_tour_hide, name="demo_tour_hide"),
]
