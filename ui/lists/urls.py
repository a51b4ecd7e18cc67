"""Saved views and CSV exports of the lists (/lists/...)."""

from django.urls import path

from ui.lists import views
from ui.lists.movements import movements

app_name = "lists"

urlpatterns = [
    path("movements/", movements, name="movements"),
    path("<slug:key>/export.csv", views.export_csv, name="export"),
    path("<slug:key>/views/", views.saved_view_create, name="view_create"),
    path("views/<int:pk>/remove/", views.saved_view_remove, name="view_remove"),
]
